"""`run_audit`: independent lookups overlap, the schedule does not change the verdicts, and a check group
that breaks costs only its own findings.
"""

from typing import List, Tuple

import pytest

from mailsec.audit import checks, concurrency
from mailsec.audit.report import AuditReport
from mailsec.audit.runner import run_audit
from mailsec.findings import Status
from mailsec.nameservers import Nameserver
from tests.integration.audit.lab import AuditLab, mail_zone, policy_site, policy_text, the
from tests.support.servers import Zone

pytestmark = pytest.mark.servers

DELAY_MS = 100
DOMAIN = "busy.nl"


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    web = lab.policy_hosts([policy_site(server_ca, DOMAIN, policy_text("enforce", f"*.{DOMAIN}"))])
    zone = mail_zone(DOMAIN, lab.nameserver, None, policy_address=web,
                     spf="v=spf1 mx include:_spf.isp.nl include:_spf3.isp.nl ~all",
                     dmarc="v=DMARC1; p=reject; rua=mailto:d@reports.isp.nl")
    for number in (1, 2):
        zone.mx("@", number * 10, f"mx{number}").a(f"mx{number}", lab.smtp_host(f"mx{number}.{DOMAIN}"))
    lab.serve(zone, signed=True)
    lab.serve(Zone("isp.nl", lab.nameserver).txt("_spf", "v=spf1 include:_spf2.isp.nl ~all")
              .txt("_spf2", "v=spf1 ip4:192.0.2.0/24 ~all").txt("_spf3", "v=spf1 ip4:198.51.100.0/24 ~all")
              .txt(f"{DOMAIN}._report._dmarc.reports", "v=DMARC1"))
    lab.start()
    return lab


def verdicts(report: AuditReport) -> List[Tuple[str, str, str]]:
    return [(finding.id, finding.status.value, finding.subject) for finding in report.findings]


def test_independent_lookups_overlap_on_a_slow_dns_path(lab: AuditLab, servers) -> None:
    slow = servers.dns_proxy(lab.resolver.address, delay_ms=DELAY_MS)
    report = lab.audit(DOMAIN, nameservers=(Nameserver(slow.address.host),), dns_timeout=2.0, dns_lifetime=4.0)
    delays = report.seconds / (DELAY_MS / 1000)
    # The longest chains here are 3 queries: MX, address, PTR; the SPF include levels; the DMARC walk, then
    # the report destination's. One after the other, the audit's queries would take `slow.queries` delays.
    assert slow.queries > 20
    assert delays < 5, f"{report.seconds:.2f} s for {slow.queries} queries of {DELAY_MS} ms"
    assert verdicts(report) == verdicts(lab.report(DOMAIN))


def test_one_step_at_a_time_gives_the_same_verdicts(lab: AuditLab, monkeypatch) -> None:
    monkeypatch.setattr(concurrency, "MAX_THREADS", 1)
    assert verdicts(lab.audit(DOMAIN)) == verdicts(lab.report(DOMAIN))


def test_a_check_group_that_breaks_becomes_one_error_and_the_rest_still_runs(lab: AuditLab, monkeypatch) -> None:
    def broken(facts):
        raise KeyError("selector")

    monkeypatch.setattr(checks.dkim, "check", broken)
    report = run_audit(DOMAIN, lab.options())
    internal = [finding for finding in report.findings if finding.id == "dkim.internal"]
    assert len(internal) == 1
    assert internal[0].status == Status.ERROR
    assert "KeyError" in internal[0].message
    assert "this is a bug in mailsec" in internal[0].message
    assert the(report, "mx.present").status == Status.PASS
