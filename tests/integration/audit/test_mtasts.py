"""MTA-STS (RFC 8461) as a sender applies it, against real nginx policy hosts and Postfix MX hosts:
`mta-sts.txt`, `mta-sts.policy-fetch`, `mta-sts.policy-syntax`, `mta-sts.mx-coverage`,
`mta-sts.mx-certificate` and `mta-sts.id-changed`.

One nginx serves every domain's policy host (chosen by SNI), each site with its own fault; one Postfix
with a certificate for every `mail.<domain>` is the MX of most domains.
"""

import hashlib
from typing import Dict, List

import pytest

from mailsec.audit.owner import audit_for_owner
from mailsec.audit.report import PolicySighting
from mailsec.findings import Status
from mailsec.nas import NasLayout
from tests.integration.audit.lab import AuditLab, expect, findings, mail_zone, policy_site, policy_text, the
from tests.support.servers import HttpsSite, Zone

pytestmark = pytest.mark.servers

ENFORCE = ("sts", "redirect", "missing", "html", "huge", "misnamed-site", "stalled", "trickle", "two-ids", "bad-id",
           "changing")
OLD_POLICY = policy_text("enforce", "mail.changing.nl", max_age=1209600)
NEW_POLICY = policy_text("enforce", "mail.changing.nl", "backup.changing.nl", max_age=1209600)


def _sites(lab: AuditLab) -> List[HttpsSite]:
    ca = lab.ca
    sites = [policy_site(ca, f"{name}.nl", policy_text("enforce", f"mail.{name}.nl")) for name in ENFORCE
             if name not in ("redirect", "missing", "html", "huge", "misnamed-site", "stalled", "trickle", "changing")]
    return [
        *sites,
        policy_site(ca, "changing.nl", OLD_POLICY),
        policy_site(ca, "redirect.nl", None, redirect_to="https://www.redirect.nl/mta-sts.txt"),
        policy_site(ca, "missing.nl", None),
        policy_site(ca, "html.nl", policy_text("enforce", "mail.html.nl"), content_type="text/html"),
        policy_site(ca, "huge.nl", policy_text("enforce", "mail.huge.nl") + b"#" * 70000),
        policy_site(ca, "misnamed-site.nl", policy_text("enforce", "mail.misnamed-site.nl"), names=["www.other.nl"]),
        policy_site(ca, "stalled.nl", None, stalled=True),
        policy_site(ca, "trickle.nl", policy_text("enforce", "mail.trickle.nl") + b"#" * 40000, bytes_per_second=4000),
        policy_site(ca, "wildcard.nl", policy_text("enforce", "*.wildcard.nl")),
        policy_site(ca, "deep.nl", policy_text("enforce", "*.deep.nl")),
        policy_site(ca, "apex-mx.nl", policy_text("enforce", "mail.apex-mx.nl")),
        policy_site(ca, "bad-syntax.nl", b"version: STSv1\r\nmode: enforcing\r\nmx: mail.bad-syntax.nl\r\n"),
        policy_site(ca, "short.nl", policy_text("enforce", "mail.short.nl", max_age=86400)),
        policy_site(ca, "testing.nl", policy_text("testing", "mail.testing.nl")),
        policy_site(ca, "enforcing.nl", policy_text("enforce", "mail.enforcing.nl")),
    ]


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    web = lab.policy_hosts(_sites(lab))
    names = [f"mail.{name}.nl" for name in (*ENFORCE, "wildcard", "bad-syntax", "short", "none")]
    mx = lab.smtp_host(names[0], server_ca.server_certificate(*names, "mx.mail.deep.nl", "apex-mx.nl"), ptr=())
    misnamed_mx = lab.smtp_host("mail.testing.nl", server_ca.server_certificate("mx.provider.example"), ptr=())
    zones: Dict[str, Zone] = {name: mail_zone(f"{name}.nl", lab.nameserver, mx, policy_address=web)
                              for name in (*ENFORCE, "wildcard", "bad-syntax", "short")}
    zones["two-ids"].txt("_mta-sts", "v=STSv1; id=20240202")
    zones["bad-id"] = mail_zone("bad-id.nl", lab.nameserver, mx, policy_address=web, sts_id="2024-05-01")
    zones["none"] = mail_zone("none.nl", lab.nameserver, mx)
    zones["deep"] = mail_zone("deep.nl", lab.nameserver, None, policy_address=web).mx("@", 10, "mx.mail").a(
        "mx.mail", mx)
    zones["apex-mx"] = mail_zone("apex-mx.nl", lab.nameserver, None, policy_address=web).mx("@", 10, "@").a("@", mx)
    for name in ("testing", "enforcing"):
        zones[name] = mail_zone(f"{name}.nl", lab.nameserver, misnamed_mx, policy_address=web)
    for zone in zones.values():
        lab.serve(zone)
    lab.start()
    return lab


def test_a_well_published_policy_passes_every_check(lab: AuditLab) -> None:
    report = lab.report("sts.nl")
    for check_id in ("mta-sts.txt", "mta-sts.policy-fetch", "mta-sts.policy-syntax", "mta-sts.mx-coverage",
                     "mta-sts.mx-certificate", "mta-sts.id-changed"):
        assert the(report, check_id).status == Status.PASS, check_id
    assert the(report, "mta-sts.txt").message == "policy id 20240101"
    served = len(policy_text("enforce", "mail.sts.nl"))
    assert the(report, "mta-sts.policy-fetch").message == f"served {served} bytes as text/plain"
    assert "mode enforce" in the(report, "mta-sts.policy-syntax").message


def test_no_record_and_no_policy_host_warns_and_skips_the_fetch(lab: AuditLab) -> None:
    report = lab.report("none.nl")
    txt = expect(report, "mta-sts.txt", Status.WARN)
    assert "_mta-sts.none.nl. IN TXT" in txt.fix
    assert the(report, "mta-sts.policy-fetch").status == Status.SKIP
    assert not findings(report, "mta-sts.mx-coverage")


def test_two_records_mean_no_policy_at_all(lab: AuditLab) -> None:
    expect(lab.report("two-ids.nl"), "mta-sts.txt", Status.FAIL, "2 MTA-STS records are published")


def test_an_id_with_dashes_is_invalid(lab: AuditLab) -> None:
    expect(lab.report("bad-id.nl"), "mta-sts.txt", Status.FAIL, "2024-05-01")


@pytest.mark.parametrize(("domain", "reason"), [
    ("redirect.nl", "redirect (301 to https://www.redirect.nl/mta-sts.txt); senders must not follow redirects"),
    ("missing.nl", "HTTP 404"),
    ("html.nl", "Content-Type is text/html"),
    ("huge.nl", "larger than 65536 bytes"),
    ("misnamed-site.nl", "not valid for the name mta-sts.misnamed-site.nl"),
])
def test_each_way_a_fetch_fails_is_named(lab: AuditLab, domain: str, reason: str) -> None:
    report = lab.report(domain)
    fetch = expect(report, "mta-sts.policy-fetch", Status.FAIL)
    assert fetch.subject.startswith(f"https://mta-sts.{domain}/.well-known/mta-sts.txt via 127.")
    assert reason in fetch.message
    assert f"mta-sts.{domain}" in fetch.fix
    assert not findings(report, "mta-sts.policy-syntax")  # senders have no policy to read


def test_a_policy_host_that_never_answers_is_an_error(lab: AuditLab) -> None:
    report = lab.audit("stalled.nl", https_timeout=0.5)
    expect(report, "mta-sts.policy-fetch", Status.ERROR, "no complete answer within 0.5 s")
    assert report.seconds < 5


def test_a_policy_host_that_sends_too_slowly_is_cut_off_at_the_timeout(lab: AuditLab) -> None:
    report = lab.audit("trickle.nl", https_timeout=1.0)
    expect(report, "mta-sts.policy-fetch", Status.ERROR, "no complete answer within 1 s")
    assert report.seconds < 1.5


def test_policy_syntax_errors_fail(lab: AuditLab) -> None:
    expect(lab.report("bad-syntax.nl"), "mta-sts.policy-syntax", Status.FAIL, "enforcing", "max_age")


def test_a_valid_policy_with_a_short_max_age_in_enforce_mode_warns(lab: AuditLab) -> None:
    expect(lab.report("short.nl"), "mta-sts.policy-syntax", Status.WARN, "max_age 86400 is short for enforce mode")


def test_a_wildcard_pattern_covers_one_label(lab: AuditLab) -> None:
    expect(lab.report("wildcard.nl"), "mta-sts.mx-coverage", Status.PASS, "matched by mx: *.wildcard.nl")


def test_a_wildcard_pattern_does_not_cover_two_labels(lab: AuditLab) -> None:
    report = lab.report("deep.nl")
    coverage = expect(report, "mta-sts.mx-coverage", Status.FAIL,
                      "no mx pattern of the policy (*.deep.nl) matches the MX host mx.mail.deep.nl",
                      subject="mx.mail.deep.nl")
    assert "mx: mx.mail.deep.nl" in coverage.fix
    assert the(report, "mta-sts.mx-coverage", "mx: *.deep.nl").status == Status.WARN


def test_an_mx_at_the_apex_is_not_covered_by_a_pattern_for_mail(lab: AuditLab) -> None:
    expect(lab.report("apex-mx.nl"), "mta-sts.mx-coverage", Status.FAIL, "a CNAME does not help", subject="apex-mx.nl")


def test_a_certificate_for_another_name_fails_in_enforce_mode(lab: AuditLab) -> None:
    expect(lab.report("enforcing.nl"), "mta-sts.mx-certificate", Status.FAIL,
           "not valid for the name mail.enforcing.nl", "senders refuse to deliver to this MX now")


def test_a_certificate_for_another_name_warns_in_testing_mode(lab: AuditLab) -> None:
    expect(lab.report("testing.nl"), "mta-sts.mx-certificate", Status.WARN,
           "switching the policy to enforce would make senders refuse this MX")


def test_a_changed_policy_under_the_same_id_is_caught_on_the_next_audit(lab: AuditLab, tmp_path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    first = audit_for_owner(NasLayout(tmp_path / "nas"), state, "changing.nl", _servers(lab),
                            ca_bundle=str(lab.ca_bundle))
    assert the(first, "mta-sts.id-changed").status == Status.PASS
    assert first.sighting is not None
    assert first.sighting.policy_sha256 == hashlib.sha256(OLD_POLICY).hexdigest()
    # The owner edits the policy and forgets the id: serve the new text from a new host, same TXT record.
    web = lab.policy_hosts([policy_site(lab.ca, "changing.nl", NEW_POLICY)])
    lab.serve(mail_zone("changing.nl", lab.nameserver, the(first, "mx.address").message.split()[-1],
                        policy_address=web))
    lab.resolver.flush()
    second = audit_for_owner(NasLayout(tmp_path / "nas"), state, "changing.nl", _servers(lab),
                             ca_bundle=str(lab.ca_bundle))
    expect(second, "mta-sts.id-changed", Status.FAIL, "the policy changed since", "the id stayed 20240101")


def test_a_new_id_with_a_new_policy_passes(lab: AuditLab) -> None:
    seen = PolicySighting("20231231", hashlib.sha256(b"an older policy").hexdigest(), "2024-01-01T00:00:00Z")
    expect(lab.audit("sts.nl", previous_sighting=seen), "mta-sts.id-changed", Status.PASS,
           "the id changed from 20231231 to 20240101")


def _servers(lab: AuditLab) -> List[str]:
    return [str(lab.resolver.address)] if lab.resolver else []
