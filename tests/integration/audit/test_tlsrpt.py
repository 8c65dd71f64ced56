"""`tls-rpt.txt`: where senders report TLS failures (RFC 8460 §3), against real zones."""

import pytest

from mailsec.findings import Status
from tests.integration.audit.lab import AuditLab, expect, mail_zone

pytestmark = pytest.mark.servers

RECORDS = {
    "reported.nl": "v=TLSRPTv1; rua=mailto:tls@reported.nl,https://reports.example.org/v1/tlsrpt",
    "unreported.nl": None,
    "no-rua.nl": "v=TLSRPTv1;",
    "ftp.nl": "v=TLSRPTv1; rua=ftp://reports.example.org/",
}


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    mx = lab.idle_address()
    for domain, text in RECORDS.items():
        lab.serve(mail_zone(domain, lab.nameserver, mx, tls_rpt=text))
    lab.serve(mail_zone("twice.nl", lab.nameserver, mx).txt("_smtp._tls", "v=TLSRPTv1; rua=mailto:b@twice.nl"))
    lab.start()
    return lab


def test_a_record_with_mailto_and_https_destinations_passes(lab: AuditLab) -> None:
    tls_rpt = expect(lab.report("reported.nl"), "tls-rpt.txt", Status.PASS)
    assert tls_rpt.message == "reports go to mailto:tls@reported.nl, https://reports.example.org/v1/tlsrpt"


def test_no_record_warns_with_the_record_to_publish(lab: AuditLab) -> None:
    tls_rpt = expect(lab.report("unreported.nl"), "tls-rpt.txt", Status.WARN)
    assert tls_rpt.fix == 'Publish _smtp._tls.unreported.nl. IN TXT "v=TLSRPTv1; rua=mailto:tls-reports@unreported.nl"'


@pytest.mark.parametrize(("domain", "reason"), [("no-rua.nl", "rua"), ("ftp.nl", "ftp")])
def test_a_record_without_a_usable_destination_fails(lab: AuditLab, domain: str, reason: str) -> None:
    tls_rpt = expect(lab.report(domain), "tls-rpt.txt", Status.FAIL)
    assert reason in tls_rpt.message


def test_two_records_fail(lab: AuditLab) -> None:
    expect(lab.report("twice.nl"), "tls-rpt.txt", Status.FAIL, "2 TLS-RPT records")
