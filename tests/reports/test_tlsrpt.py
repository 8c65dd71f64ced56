"""Parsing TLS-RPT JSON: what the RFC says, what reporters actually send, and what must be refused."""

import json

import pytest

from mailsec.reports.errors import ReportError
from mailsec.reports.tlsrpt import parse_timestamp, parse_tlsrpt
from tests.reports.corpus import MAY_1, tls_failure, tls_json, tls_policy, tls_report


def parse(report) -> object:
    return parse_tlsrpt(tls_json(report), "report.json")


def test_a_complete_report_keeps_every_field():
    report = parse(tls_report(policies=[tls_policy("tlsa", successes=7, failures=[tls_failure("tlsa-invalid", 3)])]))
    assert (report.origin.organization, report.origin.report_id) == ("Google Inc.", "tls-1")
    assert (report.origin.begin, report.origin.end) == (MAY_1, MAY_1 + 86399)
    policy = report.policies[0]
    assert (policy.policy_type, policy.policy_domain, policy.successes, policy.failures) == ("tlsa", "example.nl", 7, 3)
    assert policy.policy_strings == ("3 1 1 " + "ab" * 32,)
    failure = policy.failure_details[0]
    assert (failure.result_type, failure.sessions, failure.receiving_mx) == ("tlsa-invalid", 3, "mail.example.nl")


def test_mx_host_as_a_plain_string_is_accepted_erratum_6241():
    report = parse(tls_report(policies=[tls_policy(mx_host="mail.example.nl")]))
    assert report.policies[0].mx_hosts == ("mail.example.nl",)


def test_mx_host_as_an_array_is_accepted():
    report = parse(tls_report(policies=[tls_policy(mx_host=["mx1.example.nl", "*.example.nl"])]))
    assert report.policies[0].mx_hosts == ("mx1.example.nl", "*.example.nl")


def test_optional_fields_may_be_missing():
    document = tls_report(policies=[{"policy": {"policy-type": "no-policy-found", "policy-domain": "example.nl"},
                                     "summary": {"total-successful-session-count": 5}}])
    del document["contact-info"]
    policy = parse(document).policies[0]
    assert (policy.policy_strings, policy.mx_hosts, policy.failures, policy.failure_details) == ((), (), 0, ())


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-05-01T00:00:00Z", MAY_1),
    ("2024-05-01T00:00:00", MAY_1),  # Microsoft: no time zone, read as UTC
    ("2024-05-01T02:00:00+02:00", MAY_1),
    ("2024-04-30T19:00:00-0500", MAY_1),
    ("2024-05-01T00:00:00.123Z", MAY_1),
    ("2024-05-01 00:00:00Z", MAY_1),
    ("2024-05-01", MAY_1),
])
def test_timestamps_are_read_leniently(text, expected):
    assert parse_timestamp(text, "start-datetime") == expected


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01T00:00:00Z", "2024-05-01T25:00:00Z", ""])
def test_impossible_timestamps_are_refused(text):
    with pytest.raises(ReportError, match="start-datetime"):
        parse_timestamp(text, "start-datetime")


def test_counts_written_as_digit_strings_are_accepted():
    document = tls_report()
    document["policies"][0]["summary"]["total-successful-session-count"] = "12"
    assert parse(document).policies[0].successes == 12


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("report-id"), "report-id is missing"),
    (lambda d: d.update({"organization-name": ["x"]}), "organization-name should be text"),
    (lambda d: d.update({"policies": {}}), "policies should be a JSON array"),
    (lambda d: d["policies"][0]["summary"].update({"total-failure-session-count": -1}), "should be a count"),
    (lambda d: d["policies"][0]["summary"].update({"total-failure-session-count": True}), "should be a count"),
    (lambda d: d["policies"][0]["summary"].update({"total-failure-session-count": 1.5}), "should be a count"),
    (lambda d: d["policies"][0].pop("policy"), "policy is missing"),
    (lambda d: d.update({"report-id": "x" * 3000}), "longer than"),
    (lambda d: d["date-range"].update({"end-datetime": "2024-04-01T00:00:00Z"}), "ends before it begins"),
    (lambda d: d["policies"][0]["failure-details"].append(tls_failure(**{"sending-mta-ip": "not-an-ip"})),
     "not an IP address"),
])
def test_malformed_reports_are_refused_with_the_field_named(change, message):
    document = tls_report()
    change(document)
    with pytest.raises(ReportError, match=message):
        parse(document)


@pytest.mark.parametrize(("data", "message"), [
    (b"{not json", "not valid JSON"),
    (b'{"report-id": NaN}', "not valid JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[" * 100000 + b"]" * 100000, "nests too deeply|not valid JSON"),
    (b"[]", "should be a JSON object"),
])
def test_broken_json_is_refused(data, message):
    with pytest.raises(ReportError, match=message):
        parse_tlsrpt(data, "report.json")


def test_too_many_policies_are_refused():
    document = tls_report(policies=[tls_policy()] * 1001)
    with pytest.raises(ReportError, match="at most 1000"):
        parse(document)


def test_a_byte_order_mark_is_tolerated():
    assert parse_tlsrpt(b"\xef\xbb\xbf" + json.dumps(tls_report()).encode(), "bom.json").origin.report_id == "tls-1"
