"""`dmarc.record`, `dmarc.policy` and `dmarc.report-auth` against real zones (RFC 7489, RFC 9989).

Report destinations at other organisations must authorise the domain with a
`<domain>._report._dmarc.<host>` record; the vendor zones here do or do not.
"""

import pytest

from mailsec.findings import Status
from tests.integration.audit.lab import AuditLab, expect, findings, mail_zone, the
from tests.support.servers import Zone

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    mx = lab.idle_address()
    policies = {
        "reject.nl": "v=DMARC1; p=reject; rua=mailto:dmarc@reject.nl",
        "monitor.nl": "v=DMARC1; p=none; rua=mailto:dmarc@monitor.nl",
        "cautious.nl": "v=DMARC1; p=quarantine; t=y; rua=mailto:dmarc@cautious.nl",
        "quarantine.nl": "v=DMARC1; p=quarantine; rua=mailto:dmarc@quarantine.nl",
        "garbled.nl": "v=DMARC1; p=maybe",
        "absent.nl": None,
        "parent.nl": "v=DMARC1; p=reject; sp=quarantine",
        "vendor.nl": "v=DMARC1; p=reject; rua=mailto:d@reports.vendor-a.nl; ruf=mailto:f@any.vendor-c.nl",
        "unlisted.nl": "v=DMARC1; p=reject; rua=mailto:d@reports.vendor-b.nl",
        "broken-vendor.nl": "v=DMARC1; p=reject; rua=mailto:d@reports.bogus-vendor.nl",
    }
    for domain, dmarc in policies.items():
        lab.serve(mail_zone(domain, lab.nameserver, mx, dmarc=dmarc).a("sub", mx))
    lab.serve(Zone("vendor-a.nl", lab.nameserver).txt("vendor.nl._report._dmarc.reports", "v=DMARC1"))
    lab.serve(Zone("vendor-b.nl", lab.nameserver).txt("other.nl._report._dmarc.reports", "v=DMARC1"))
    lab.serve(Zone("vendor-c.nl", lab.nameserver).txt("*._report._dmarc.any", "v=DMARC1"))
    lab.serve(Zone("bogus-vendor.nl", lab.nameserver).a("reports", mx), signed=True, expired=True)
    lab.start()
    return lab


def test_a_reject_policy_with_own_reports_passes_everything(lab: AuditLab) -> None:
    report = lab.report("reject.nl")
    assert the(report, "dmarc.record").status == Status.PASS
    assert the(report, "dmarc.policy").status == Status.PASS
    expect(report, "dmarc.report-auth", Status.PASS, "same organisation")


def test_no_record_fails_with_the_first_step(lab: AuditLab) -> None:
    report = lab.report("absent.nl")
    record = expect(report, "dmarc.record", Status.FAIL)
    assert record.fix == 'Publish _dmarc.absent.nl. IN TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@absent.nl"'
    assert not findings(report, "dmarc.policy")


def test_an_invalid_record_fails(lab: AuditLab) -> None:
    expect(lab.report("garbled.nl"), "dmarc.record", Status.FAIL, "maybe")


def test_a_subdomain_governed_by_its_parent_warns(lab: AuditLab) -> None:
    report = lab.report("sub.parent.nl")
    expect(report, "dmarc.record", Status.WARN, "the record of parent.nl applies to it")
    policy = expect(report, "dmarc.policy", Status.WARN,
                    "its policy for subdomains is quarantine (`sp=quarantine` at _dmarc.parent.nl)")
    assert "Raise `sp=` at _dmarc.parent.nl" in policy.fix


@pytest.mark.parametrize(("domain", "stage", "next_step"), [
    ("monitor.nl", "monitoring", "p=quarantine"),
    ("cautious.nl", "testing", "p=quarantine"),
    ("quarantine.nl", "quarantine", "p=reject"),
])
def test_each_step_before_reject_warns_with_the_next_one(lab: AuditLab, domain: str, stage: str,
                                                          next_step: str) -> None:
    policy = expect(lab.report(domain), "dmarc.policy", Status.WARN)
    assert stage in policy.message
    assert f'Next step: _dmarc.{domain}. IN TXT "v=DMARC1; {next_step}' in policy.fix


def test_an_external_destination_that_authorises_the_domain_passes(lab: AuditLab) -> None:
    report = lab.report("vendor.nl")
    expect(report, "dmarc.report-auth", Status.PASS,
           "vendor.nl._report._dmarc.reports.vendor-a.nl authorises reports for vendor.nl", subject="rua=")
    expect(report, "dmarc.report-auth", Status.PASS, subject="ruf=")


def test_an_external_destination_without_authorisation_fails_with_the_record_it_needs(lab: AuditLab) -> None:
    auth = expect(lab.report("unlisted.nl"), "dmarc.report-auth", Status.FAIL,
                  "has not agreed to receive reports for unlisted.nl", "receivers drop this address")
    assert auth.fix == 'unlisted.nl._report._dmarc.reports.vendor-b.nl. IN TXT "v=DMARC1"'


def test_a_destination_whose_lookup_fails_is_an_error(lab: AuditLab) -> None:
    expect(lab.report("broken-vendor.nl"), "dmarc.report-auth", Status.ERROR, "SERVFAIL")
