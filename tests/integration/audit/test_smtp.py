"""`smtp.starttls` and `smtp.banner` against real Postfix instances, one per way an MX goes wrong.

"No STARTTLS", "handshake failed", "certificate for another name" and "missing intermediate" must stay
apart: each needs a different fix.
"""

import datetime as dt

import pytest

from mailsec.findings import Status
from tests.integration.audit.lab import AuditLab, expect, mail_zone

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    yesterday = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    hosts = {
        "tls.nl": lab.smtp_host("mail.tls.nl"),
        "plaintext.nl": lab.smtp_host("mail.plaintext.nl", starttls=False),
        "broken-tls.nl": lab.smtp_host("mail.broken-tls.nl", handshake_fails=True),
        "misnamed.nl": lab.smtp_host("mail.misnamed.nl", server_ca.server_certificate("mx.provider.example")),
        "chainless.nl": lab.smtp_host("mail.chainless.nl",
                                      server_ca.server_certificate("mail.chainless.nl", with_intermediate=False)),
        "expired.nl": lab.smtp_host("mail.expired.nl", server_ca.server_certificate(
            "mail.expired.nl", not_before=yesterday - dt.timedelta(days=90), not_after=yesterday)),
        "rebranded.nl": lab.smtp_host("mail.rebranded.nl", banner="smtp.provider.example ESMTP"),
        "nameless.nl": lab.smtp_host("mail.nameless.nl", banner="MailPlus ESMTP ready"),
        "unnamed.nl": lab.smtp_host("mail.unnamed.nl", ptr=()),
        "closed.nl": lab.idle_address(),
        "silent.nl": lab.silent_address(),
    }
    for domain, address in hosts.items():
        lab.serve(mail_zone(domain, lab.nameserver, address))
    lab.start()
    return lab


def test_a_working_starttls_with_a_valid_certificate_passes(lab: AuditLab) -> None:
    starttls = expect(lab.report("tls.nl"), "smtp.starttls", Status.PASS)
    assert starttls.subject.startswith("mail.tls.nl (127.")
    assert "TLSv1.3" in starttls.message


def test_no_starttls_offered_fails(lab: AuditLab) -> None:
    starttls = expect(lab.report("plaintext.nl"), "smtp.starttls", Status.FAIL, "does not offer STARTTLS")
    assert "STARTTLS" in starttls.fix


def test_a_failing_handshake_is_not_mistaken_for_no_starttls(lab: AuditLab) -> None:
    starttls = expect(lab.report("broken-tls.nl"), "smtp.starttls", Status.FAIL,
                      "STARTTLS is offered but fails: the TLS handshake failed")
    assert "TLS 1.2 and 1.3" in starttls.fix


def test_a_certificate_for_another_name_warns_about_the_name(lab: AuditLab) -> None:
    starttls = expect(lab.report("misnamed.nl"), "smtp.starttls", Status.WARN,
                      "not valid for the name mail.misnamed.nl")
    assert "chain" not in starttls.message
    assert "names include mail.misnamed.nl" in starttls.fix


def test_a_missing_intermediate_warns_about_the_chain_not_the_name(lab: AuditLab) -> None:
    starttls = expect(lab.report("chainless.nl"), "smtp.starttls", Status.WARN,
                      "does not chain to a trusted root", "missing intermediate")
    assert "Serve the intermediate certificate" in starttls.fix


def test_an_expired_certificate_says_so(lab: AuditLab) -> None:
    starttls = expect(lab.report("expired.nl"), "smtp.starttls", Status.WARN, "has expired")
    assert "Renew the certificate" in starttls.fix


def test_a_refused_connection_is_an_error_with_the_reason(lab: AuditLab) -> None:
    expect(lab.report("closed.nl"), "smtp.starttls", Status.ERROR, "connection refused")


def test_a_server_that_never_greets_is_an_error_after_the_timeout(lab: AuditLab) -> None:
    report = lab.audit("silent.nl", smtp_timeout=0.5)
    expect(report, "smtp.starttls", Status.ERROR,
           "accepted the connection, then the server went quiet (no greeting: timed out)")
    assert report.seconds < 5


def test_banner_and_ehlo_matching_the_ptr_name_pass(lab: AuditLab) -> None:
    expect(lab.report("tls.nl"), "smtp.banner", Status.PASS, "mail.tls.nl match the PTR name")


def test_a_banner_naming_another_host_than_the_ptr_warns(lab: AuditLab) -> None:
    expect(lab.report("rebranded.nl"), "smtp.banner", Status.WARN,
           "announces smtp.provider.example, but the address's PTR name is mail.rebranded.nl")


def test_a_banner_without_a_host_name_warns(lab: AuditLab) -> None:
    expect(lab.report("nameless.nl"), "smtp.banner", Status.WARN, "does not start with a fully qualified host name")


def test_a_banner_without_a_ptr_to_match_warns(lab: AuditLab) -> None:
    expect(lab.report("unnamed.nl"), "smtp.banner", Status.WARN, "no PTR name")
