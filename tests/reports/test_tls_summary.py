"""TLS-RPT interpretation: counts per policy and MX over time, and each failure's cause checked against today."""

from datetime import datetime, timedelta, timezone
from typing import List

from mailsec.reports.deployment import Deployment, NasCertificate, PublishedTlsa
from mailsec.reports.store import StoredTlsPolicy
from mailsec.reports.tls_summary import summarize_tls
from mailsec.reports.tlsrpt import parse_tlsrpt
from tests.reports.corpus import DAY, MAY_1, tls_failure, tls_json, tls_policy, tls_report

OLD_KEY = "3 1 1 " + "aa" * 32
NEW_KEY = "3 1 1 " + "bb" * 32
NOW = datetime.fromtimestamp(MAY_1 + 3 * DAY, timezone.utc)
STS_POLICY = ("version: STSv1", "mode: enforce", "mx: mail.example.nl", "max_age: 86400")


def stored(*reports) -> List[StoredTlsPolicy]:
    parsed = [parse_tlsrpt(tls_json(report), "r.json") for report in reports]
    return [StoredTlsPolicy(report.origin, policy) for report in parsed for policy in report.policies]


def certificate(issued: int = MAY_1 - 2 * DAY, names=("mail.example.nl",), expires: int = MAY_1 + 90 * DAY):
    return NasCertificate(names=names, not_before=datetime.fromtimestamp(issued, timezone.utc),
                          not_after=datetime.fromtimestamp(expires, timezone.utc), key_rdata=NEW_KEY,
                          matching_rdata=frozenset({NEW_KEY, "2 1 1 " + "cc" * 32}))


NOTHING_KNOWN = Deployment()


def only_group(policies, deployment=NOTHING_KNOWN):
    (summary,) = summarize_tls(policies, deployment, NOW)
    (group,) = summary.failure_groups
    return group


def tlsa_failure_report(report_id: str = "t1", begin: int = MAY_1):
    failure = tls_failure("tlsa-invalid", 5)
    return tls_report(report_id, begin, policies=[tls_policy("tlsa", 3, [failure], strings=[OLD_KEY])])


def test_results_are_split_by_policy_and_mx_and_counted_per_day():
    day1 = tls_report("a", MAY_1, policies=[tls_policy("sts", 10, [tls_failure(sessions=2)]),
                                            tls_policy("tlsa", 20, strings=[NEW_KEY])])
    day2 = tls_report("b", MAY_1 + DAY, policies=[tls_policy("sts", 30)])
    other_mx = tls_report("c", MAY_1, policies=[tls_policy("sts", 5, mx_host=["mx2.example.nl"])])
    summaries = summarize_tls(stored(day1, day2, other_mx), Deployment(), NOW)
    assert [(s.policy_type, s.mx, s.successes, s.failures, s.reports) for s in summaries] == [
        ("sts", ("mail.example.nl",), 40, 2, 2),
        ("tlsa", ("mail.example.nl",), 20, 0, 1),
        ("sts", ("mx2.example.nl",), 5, 0, 1),
    ]
    assert [(d.day, d.successes, d.failures) for d in summaries[0].days] == [("2024-05-01", 10, 2),
                                                                             ("2024-05-02", 30, 0)]
    assert summaries[0].failure_share == 2 / 42


def test_failures_are_grouped_by_result_type_with_their_extent():
    first = tls_report("a", MAY_1, policies=[tls_policy(failures=[tls_failure("starttls-not-supported", 2)])])
    later = tls_report("b", MAY_1 + DAY, organization="Microsoft Corporation",
                       policies=[tls_policy(failures=[tls_failure("starttls-not-supported", 3,
                                                                  **{"sending-mta-ip": "40.92.0.1"})])])
    group = only_group(stored(first, later))
    assert (group.result_type, group.sessions) == ("starttls-not-supported", 5)
    assert group.reporters == ("Google Inc.", "Microsoft Corporation")
    assert group.sending_ips == ("209.85.220.41", "40.92.0.1")
    assert (group.first_seen.day, group.last_seen.day) == (1, 2)
    assert "STARTTLS" in group.diagnosis.cause


def test_tlsa_invalid_right_after_a_renewal_is_a_stale_record():
    deployment = Deployment(certificate=certificate(), tlsa={
        "mail.example.nl": PublishedTlsa("mail.example.nl", (OLD_KEY,), secure=True)})
    group = only_group(stored(tlsa_failure_report()), deployment)
    stale, dns = group.diagnosis.evidence
    assert "match no key of the certificate in DSM's store, which was issued on 2024-04-29, right before" in stale
    assert stale.endswith("a stale TLSA record.")
    assert dns == f"DNS still has no TLSA record for the current certificate at _25._tcp.mail.example.nl: publish " \
                  f"_25._tcp.mail.example.nl. IN TLSA {NEW_KEY}"
    assert "mailsec tlsa" in group.diagnosis.fix


def test_a_renewal_long_before_the_failures_is_not_called_recent():
    deployment = Deployment(certificate=certificate(issued=MAY_1 - 60 * DAY))
    (stale,) = only_group(stored(tlsa_failure_report()), deployment).diagnosis.evidence
    assert stale.endswith("(issued on 2024-03-02): a stale TLSA record.")


def test_a_stale_record_already_replaced_in_dns_is_reported_fixed():
    deployment = Deployment(certificate=certificate(), tlsa={
        "mail.example.nl": PublishedTlsa("mail.example.nl", (OLD_KEY, NEW_KEY), secure=True)})
    evidence = only_group(stored(tlsa_failure_report()), deployment).diagnosis.evidence
    assert evidence[1].startswith("DNS now has a TLSA record at _25._tcp.mail.example.nl that matches the current")


def test_records_that_match_the_current_certificate_are_not_called_stale():
    report = tls_report(policies=[tls_policy("tlsa", 3, [tls_failure("tlsa-invalid")], strings=[NEW_KEY.upper()])])
    (evidence,) = only_group(stored(report), Deployment(certificate=certificate())).diagnosis.evidence
    assert evidence.startswith("The TLSA records senders saw match the certificate in DSM's store, so they are not")


def test_unsigned_tlsa_records_are_pointed_out():
    deployment = Deployment(tlsa={"mail.example.nl": PublishedTlsa("mail.example.nl", (NEW_KEY,), secure=False)})
    report = tls_report(policies=[tls_policy("tlsa", 0, [tls_failure("dane-required")], strings=[])])
    evidence = only_group(stored(report), deployment).diagnosis.evidence
    assert evidence == ("The TLSA records at _25._tcp.mail.example.nl are not DNSSEC-validated, so DANE senders "
                        "ignore them.",)


def test_an_mx_host_outside_the_policy_is_the_seed_mistake():
    """The seed's policy says `mx: mail.<domain>` while MX points at the domain itself."""
    report = tls_report(policies=[tls_policy("sts", 0, [tls_failure(**{"receiving-mx-hostname": "example.nl."})],
                                             strings=STS_POLICY)])
    evidence = only_group(stored(report), Deployment(certificate=certificate())).diagnosis.evidence
    assert evidence[0].startswith("The MX host example.nl matches no mx line of the policy senders fetched "
                                  "(mail.example.nl): in enforce mode they refuse it.")
    assert evidence[1] == "The certificate in DSM's store names mail.example.nl; example.nl is not among them."


def test_a_wildcard_mx_line_covers_the_host():
    strings = ("version: STSv1", "mode: enforce", "mx: *.example.nl", "max_age: 86400")
    report = tls_report(policies=[tls_policy("sts", 0, [tls_failure()], strings=strings)])
    assert only_group(stored(report)).diagnosis.evidence == ()


def test_certificate_host_mismatch_names_the_missing_host():
    report = tls_report(policies=[tls_policy("sts", 0, [tls_failure("certificate-host-mismatch", **{
        "receiving-mx-hostname": "mx2.example.nl"})], mx_host=["*.example.nl"],
        strings=("version: STSv1", "mode: enforce", "mx: *.example.nl", "max_age: 86400"))])
    evidence = only_group(stored(report), Deployment(certificate=certificate())).diagnosis.evidence
    assert evidence == ("The certificate in DSM's store names mail.example.nl; mx2.example.nl is not among them.",)


def test_an_expired_certificate_renewed_since_is_said_so():
    report = tls_report(policies=[tls_policy(failures=[tls_failure("certificate-expired")])])
    evidence = only_group(stored(report), Deployment(certificate=certificate())).diagnosis.evidence
    assert evidence == ("The certificate in DSM's store is valid until 2024-07-30: it was renewed; restart MailPlus "
                        "Server if port 25 still presents the old one.",)
    expired = Deployment(certificate=certificate(expires=MAY_1))
    assert only_group(stored(report), expired).diagnosis.evidence[0].endswith("expired on 2024-05-01: renew it.")


def test_a_policy_fetch_error_points_at_the_policy_host():
    report = tls_report(policies=[tls_policy(failures=[tls_failure("sts-policy-fetch-error")])])
    diagnosis = only_group(stored(report)).diagnosis
    assert "https://mta-sts.example.nl/.well-known/mta-sts.txt" in diagnosis.cause
    assert "mailsec check example.nl" in diagnosis.fix


def test_an_invalid_policy_is_compared_with_the_configured_one():
    report = tls_report(policies=[tls_policy(failures=[tls_failure("sts-policy-invalid")], strings=STS_POLICY)])
    differing = Deployment(policies={"example.nl": ("version: STSv1", "mode: testing", "mx: mail.example.nl",
                                                    "max_age: 86400")})
    assert "differs from the one configured" in only_group(stored(report), differing).diagnosis.evidence[0]
    same = Deployment(policies={"example.nl": STS_POLICY})
    assert only_group(stored(report), same).diagnosis.evidence == (
        "The policy senders fetched is the one configured in mailsec.",)


def test_a_dnssec_failure_that_persists_is_said_so():
    deployment = Deployment(tlsa={"mail.example.nl": PublishedTlsa("mail.example.nl", (), False, "SERVFAIL")})
    report = tls_report(policies=[tls_policy("tlsa", 0, [tls_failure("dnssec-invalid")])])
    assert only_group(stored(report), deployment).diagnosis.evidence == (
        "TLSA _25._tcp.mail.example.nl still fails to resolve now (SERVFAIL).",)


def test_an_unknown_result_type_gets_the_general_advice():
    report = tls_report(policies=[tls_policy(failures=[tls_failure("something-new")])])
    diagnosis = only_group(stored(report)).diagnosis
    assert "RFC 8460 does not define" in diagnosis.cause
    assert diagnosis.evidence == ()


def test_without_a_deployment_the_general_cause_stands_alone():
    group = only_group(stored(tlsa_failure_report()))
    assert group.diagnosis.evidence == ()
    assert "renewal changed the key" in group.diagnosis.cause


def test_every_rfc8460_result_type_has_a_cause():
    from mailsec.reports.tls_causes import CAUSES

    registered = {"starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
                  "certificate-not-trusted", "validation-failure", "tlsa-invalid", "dnssec-invalid", "dane-required",
                  "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"}
    assert set(CAUSES) == registered


def test_many_days_are_each_counted():
    reports = [tls_report(f"r{n}", MAY_1 + n * DAY) for n in range(10)]
    (summary,) = summarize_tls(stored(*reports), Deployment(), NOW + timedelta(days=10))
    assert len(summary.days) == 10
