"""When DNS fails, the audit says so: timeouts, SERVFAIL, truncated answers without a TCP path and
unreachable servers become `error` findings with the reason, never a crash and never `pass`.

Every other module checks that no check group breaks (`AuditLab.audit`); this one makes DNS fail on
purpose, as a whole and for single names.
"""

import time

import pytest

from mailsec.audit.report import AuditReport
from mailsec.findings import Status
from mailsec.nameservers import Nameserver
from tests.integration.audit.lab import AuditLab, expect, mail_zone, the
from tests.support.servers import ForgedRecord

pytestmark = pytest.mark.servers

ANSWERED_BY_DNS = ("fqdn.syntax", "dkim.key")  # judged without any lookup (no selector given)


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    mx = lab.idle_address()
    lab.serve(mail_zone("forged.nl", lab.nameserver, mx).a("www", mx), signed=True,
              forged=[ForgedRecord("@", "MX", "10 mail.elsewhere.nl.")])
    lab.serve(mail_zone("forged-host.nl", lab.nameserver, mx), signed=True,
              forged=[ForgedRecord("mail", "A", "127.0.0.99")])
    large = mail_zone("large.nl", lab.nameserver, mx)
    for number in range(8):
        large.txt("@", f"verification-token-{number}=" + "x" * 200)
    lab.serve(large)
    lab.start()
    return lab


def no_verdicts(report: AuditReport) -> None:
    """Nothing passed or failed on the strength of an answer that never came."""
    judged = [f"{f.status.value} {f.id} {f.subject}" for f in report.findings
              if f.status in (Status.PASS, Status.FAIL, Status.WARN) and f.id not in ANSWERED_BY_DNS]
    assert not judged


def test_a_resolver_that_never_answers_gives_errors_with_the_reason(lab: AuditLab) -> None:
    silent = lab.silent_address()
    started = time.monotonic()
    report = lab.audit("forged.nl", nameservers=(Nameserver(silent),), dns_timeout=0.5, dns_lifetime=1.0)
    assert time.monotonic() - started < 5  # the lookups wait side by side, not one after another
    no_verdicts(report)
    expect(report, "mx.present", Status.ERROR, f"MX forged.nl: no answer within 1 s from {silent}")
    assert the(report, "spf.record").status == Status.ERROR
    assert the(report, "mta-sts.policy-fetch").status == Status.ERROR  # not "MTA-STS is not in use"


def test_a_resolver_address_where_nothing_listens_gives_errors(lab: AuditLab) -> None:
    report = lab.audit("forged.nl", nameservers=(Nameserver(lab.idle_address()),), dns_timeout=0.5,
                       dns_lifetime=1.0)
    no_verdicts(report)
    assert the(report, "mx.present").status == Status.ERROR


def test_servfail_for_one_rrset_is_an_error_there_and_nowhere_else(lab: AuditLab) -> None:
    report = lab.report("forged.nl")
    expect(report, "mx.present", Status.ERROR, "answered SERVFAIL", "DNSSEC")
    assert the(report, "spf.record").status == Status.PASS  # the rest of the zone still validates
    assert the(report, "dnssec.domain").status == Status.PASS


def test_an_mx_host_whose_address_fails_validation_is_an_error_not_missing(lab: AuditLab) -> None:
    report = lab.report("forged-host.nl")
    expect(report, "mx.address", Status.ERROR, "A mail.forged-host.nl", "SERVFAIL")
    assert the(report, "mx.present").status == Status.PASS


def test_a_truncated_answer_without_a_tcp_path_is_an_error(lab: AuditLab, servers) -> None:
    udp_only = servers.dns_proxy(lab.resolver.address, tcp=False)
    report = lab.audit("large.nl", nameservers=(Nameserver(udp_only.address.host),))
    record = expect(report, "spf.record", Status.ERROR)
    address = udp_only.address.host
    assert (f"TXT large.nl: {address} sent a truncated answer (too large for UDP); "
            f"{address} over TCP: connection refused") in record.message
    assert the(report, "mx.present").status == Status.PASS  # small answers still come over UDP
