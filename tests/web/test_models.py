"""The pure parts behind the pages: what needs attention, the enforce guard, the DNS plan, form fields."""

from datetime import datetime, timedelta, timezone

import pytest

from mailsec.findings import Finding, Status
from mailsec.settings import DomainSettings
from mailsec.web import forms
from mailsec.web.attention import attention, counts, worst
from mailsec.web.certificate import CertificateReading, MailCertificate, records_by_host
from mailsec.web.dns_plan import TXT_STRING_MAX, planned_records, quote_txt, zone_file
from mailsec.web.enforce import enforce_blockers
from mailsec.web.served import FileState, ServedPolicy, served_policy
from tests.web.conftest import RecordedAudit, RecordedRefresh, passing_guard_audit

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
MX = "mail.example.nl"
ENTRY = DomainSettings("example.nl", (MX,), dkim_selectors=("s1",))
IN_SYNC = RecordedRefresh(NOW, 0)


def served(state=FileState.CURRENT, changed_at=NOW - timedelta(days=1), mx=(MX,)) -> ServedPolicy:
    lines = ["version: STSv1", "mode: testing", *(f"mx: {host}" for host in mx), "max_age: 86400"]
    text = "".join(line + "\r\n" for line in lines)
    return ServedPolicy(state, None, changed_at, text)


def certificate(days_left=60, uncovered=()) -> CertificateReading:
    not_after = NOW + timedelta(days=days_left, hours=1)
    return CertificateReading(MailCertificate("", f"CN={MX}", (MX,), not_after, "RSA 2048", uncovered))


def messages(items) -> list:
    return [(item.level, item.message.key) for item in items]


def test_nothing_to_do_when_all_is_in_order():
    items = attention(ENTRY, certificate(), served(), passing_guard_audit(NOW), IN_SYNC, now=NOW)
    assert messages(items) == [("info", "attention.ready_for_enforce")]
    enforcing = DomainSettings("example.nl", (MX,), mode="enforce")
    items = attention(enforcing, certificate(), served(), passing_guard_audit(NOW), IN_SYNC, now=NOW)
    assert messages(items) == [("pass", "attention.all_well")]


def test_what_breaks_mail_comes_first():
    audit = RecordedAudit("example.nl", NOW, (
        Finding("spf.record", Status.WARN, "example.nl", "w"),
        Finding("ptr.fcrdns", Status.ERROR, "192.0.2.1", "e"),
        Finding("dane.tlsa-match", Status.FAIL, "mail.example.nl", "f"),
    ))
    items = attention(ENTRY, certificate(days_left=-2, uncovered=("mx2.example.nl",)),
                      served(FileState.MISSING, None), audit, RecordedRefresh(NOW, 2), now=NOW)
    assert [level for level, _ in messages(items)] == ["fail"] * 4 + ["warn"] * 2 + ["info"]
    assert messages(items)[0] == ("fail", "attention.certificate_expired")


def test_a_certificate_mailsec_may_not_read_is_left_to_the_scheduled_task():
    unreadable = CertificateReading(problem="permission denied", needs_root=True)
    items = attention(ENTRY, unreadable, served(), None, None, now=NOW)
    assert messages(items) == [("info", "attention.run_audit"), ("info", "attention.create_task")]
    broken = CertificateReading(problem="INFO is corrupt")
    assert messages(attention(ENTRY, broken, served(), None, None, now=NOW))[0] == (
        "fail", "attention.certificate_unreadable")


def test_an_expiring_certificate_is_a_warning():
    items = attention(ENTRY, certificate(days_left=10), served(), None, RecordedRefresh(NOW, 0), now=NOW)
    assert ("warn", "attention.certificate_expiring") in messages(items)


def test_counts_and_worst_status_of_findings():
    findings = [Finding(check, status, "", "") for check, status in
                (("a", Status.PASS), ("a", Status.WARN), ("b", Status.FAIL))]
    assert counts(findings) == [("fail", 1), ("warn", 1), ("pass", 1)]
    assert worst(findings, "a") == "warn" and worst(findings, "c") is None


# The enforce guard


def keys(reasons) -> list:
    return [reason.key for reason in reasons]


def test_enforce_needs_a_passing_audit_newer_than_the_policy_file():
    assert enforce_blockers(passing_guard_audit(NOW), served(), ["mail.example.nl"]) == []
    assert keys(enforce_blockers(None, served(), ["mail.example.nl"])) == ["enforce.no_audit"]
    old = passing_guard_audit(NOW - timedelta(days=2))
    assert keys(enforce_blockers(old, served(), ["mail.example.nl"])) == ["enforce.audit_outdated"]


def test_enforce_needs_the_mx_hosts_the_audit_judged_in_any_order_or_case():
    audit = passing_guard_audit(NOW)
    two = served(mx=("mail.example.nl", "mx2.example.nl"))
    assert enforce_blockers(audit, two, ["MX2.example.nl", "mail.example.nl"]) == []
    assert keys(enforce_blockers(audit, two, ["mail.example.nl"])) == ["enforce.mx_changed"]


def test_enforce_needs_a_published_policy():
    missing = ServedPolicy(FileState.MISSING, None)
    assert keys(enforce_blockers(passing_guard_audit(NOW), missing, [MX])) == ["enforce.not_published"]


def test_every_guarded_finding_must_pass_and_each_check_must_be_there():
    audit = RecordedAudit("example.nl", NOW, (
        Finding("mta-sts.mx-coverage", Status.PASS, "mail.example.nl", ""),
        Finding("mta-sts.mx-coverage", Status.FAIL, "mx2.example.nl", "not covered"),
        Finding("dane.tlsa-match", Status.FAIL, "mail.example.nl", "not guarded"),
    ))
    assert keys(enforce_blockers(audit, served(), [MX])) == ["enforce.finding", "enforce.not_checked"]


# The DNS plan


def test_the_plan_has_every_record_in_topic_order():
    from mailsec.web.dns_plan import TOPICS

    records = planned_records(ENTRY, ENTRY.policy(), ["_25._tcp.mail.example.nl. IN TLSA 3 1 1 ab"])
    topics = [record.topic for record in records]
    assert topics == sorted(topics, key=TOPICS.index) and set(topics) == set(TOPICS)
    assert [record.stage for record in records if record.topic == "dmarc"] == [1, 2, 3, 4]
    assert records[-1].zone_line == "_25._tcp.mail.example.nl. IN TLSA 3 1 1 ab"


def test_mx_preferences_follow_the_order_of_the_hosts():
    entry = DomainSettings("example.nl", ("a.example.nl", "b.example.nl"))
    mx = [record.value for record in planned_records(entry, entry.policy(), ()) if record.topic == "mx"]
    assert mx == ["10 a.example.nl.", "20 b.example.nl."]


def test_long_txt_values_are_split_into_strings_of_at_most_255_characters():
    value = "p=" + "A" * 600
    quoted = quote_txt(value)
    parts = quoted.split('" "')
    assert len(parts) == 3 and all(len(part.strip('"')) <= TXT_STRING_MAX for part in parts)
    assert "".join(part.strip('"') for part in parts) == value
    assert quote_txt('say "hi" \\o/') == '"say \\"hi\\" \\\\o/"'
    assert quote_txt("") == '""'


def test_the_zone_file_publishes_only_complete_current_records():
    text = zone_file("example.nl", planned_records(ENTRY, ENTRY.policy(), ()), NOW)
    active = [line for line in text.splitlines() if line and not line.startswith(";")]
    assert len(active) == 6 and not any("<" in line for line in active)
    assert text.startswith("; DNS records for example.nl, from mailsec on 2026-12-01 12:00 UTC.")


# Forms, served policy, record grouping


def test_form_fields_are_capped_and_lists_split_on_any_separator():
    assert forms.names({"mx": " a.nl,b.nl;\n c.nl  a.nl "}, "mx") == ("a.nl", "b.nl", "c.nl")
    with pytest.raises(forms.FormError):
        forms.field({"x": "y" * 11}, "x", 10)
    with pytest.raises(forms.FormError):
        forms.field({"x": "a\x07b"}, "x")
    with pytest.raises(forms.FormError):
        forms.whole_number({"n": "\u0661\u0662"}, "n")  # Arabic-Indic digits are digits, but not ASCII
    assert forms.whole_number({"n": "0042"}, "n") == 42


def test_the_served_policy_is_compared_byte_for_byte(tmp_path):
    assert served_policy(tmp_path, ENTRY.policy()).state == FileState.MISSING
    path = tmp_path / "mta-sts" / ".well-known" / "mta-sts.txt"
    path.parent.mkdir(parents=True)
    path.write_bytes(ENTRY.policy().render().encode())
    current = served_policy(tmp_path, ENTRY.policy())
    assert current.state == FileState.CURRENT and current.changed_at is not None
    path.write_bytes(ENTRY.policy().render().replace("\r\n", "\n").encode())
    assert served_policy(tmp_path, ENTRY.policy()).state == FileState.DIFFERENT


def test_tlsa_lines_are_grouped_by_mx_host():
    lines = ["_25._tcp.a.example.nl. IN TLSA 3 1 1 aa", "_25._tcp.b.example.nl. IN TLSA 3 1 1 bb",
             "_25._tcp.a.example.nl. IN TLSA 2 1 1 cc"]
    assert records_by_host(lines) == [("a.example.nl", [lines[0], lines[2]]), ("b.example.nl", [lines[1]])]
