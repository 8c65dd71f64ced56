"""`mx.present`, `mx.target`, `mx.address` and `fqdn.syntax` against real zones: where senders deliver.

Each case is a zone of its own on one BIND; the MX addresses have nothing listening, since only the DNS
matters here.
"""

import pytest

from mailsec.findings import Status
from tests.integration.audit.lab import AuditLab, expect, findings, mail_zone, the
from tests.support.servers import Zone

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    host = lab.idle_address()

    def zone(origin: str, with_mx: bool = True) -> Zone:
        return mail_zone(origin, lab.nameserver, host if with_mx else None)

    lab.serve(zone("plain.nl"))
    lab.serve(zone("implicit.nl", with_mx=False).a("@", host))
    lab.serve(zone("null.nl", with_mx=False).mx("@", 0, "."))
    lab.serve(zone("mixed-null.nl").mx("@", 0, "."))
    lab.serve(zone("alias.nl", with_mx=False).mx("@", 10, "mx").cname("mx", "mail").a("mail", host))
    lab.serve(zone("literal.nl", with_mx=False).mx("@", 10, f"{host}."))
    lab.serve(zone("addressless.nl", with_mx=False).mx("@", 10, "mail").txt("mail", "no address here"))
    lab.serve(zone("outside.nl", with_mx=False).mx("@", 10, "mx.elsewhere.nl."))
    lab.start()
    return lab


def test_a_plain_mx_host_with_an_address_passes(lab: AuditLab) -> None:
    report = lab.report("plain.nl")
    assert the(report, "mx.present").status == Status.PASS
    assert "10 mail.plain.nl" in the(report, "mx.present").message
    assert the(report, "mx.target").status == Status.PASS
    address = expect(report, "mx.address", Status.PASS)
    assert address.subject == "mail.plain.nl"
    assert [f.status for f in findings(report, "fqdn.syntax")] == [Status.PASS, Status.PASS]


def test_no_mx_is_the_implicit_mx_which_nothing_protects(lab: AuditLab) -> None:
    present = expect(lab.report("implicit.nl"), "mx.present", Status.FAIL, "implicit MX")
    assert "implicit.nl. IN MX 10 mail.implicit.nl." in present.fix


def test_a_null_mx_says_the_domain_takes_no_mail(lab: AuditLab) -> None:
    report = lab.report("null.nl")
    expect(report, "mx.present", Status.FAIL, "null MX")
    assert not findings(report, "mx.target")  # the root is no host to judge


def test_a_null_mx_mixed_with_real_ones_is_named(lab: AuditLab) -> None:
    report = lab.report("mixed-null.nl")
    present = expect(report, "mx.present", Status.FAIL, "RFC 7505")
    assert "mixed-null.nl. IN MX 0 ." in present.fix
    assert the(report, "mx.address").status == Status.PASS  # the real MX is still judged


def test_an_mx_pointing_at_a_cname_fails(lab: AuditLab) -> None:
    target = expect(lab.report("alias.nl"), "mx.target", Status.FAIL)
    assert target.subject == "mx.alias.nl"
    assert "alias (CNAME) of mail.alias.nl" in target.message
    assert "mail.alias.nl" in target.fix


def test_an_mx_naming_an_ip_address_fails_as_target_and_as_name(lab: AuditLab) -> None:
    report = lab.report("literal.nl")
    target = expect(report, "mx.target", Status.FAIL, "names an IP address")
    syntax = [finding for finding in findings(report, "fqdn.syntax") if finding.status == Status.FAIL]
    assert [finding.subject for finding in syntax] == [target.subject]


def test_an_mx_host_without_address_fails(lab: AuditLab) -> None:
    address = expect(lab.report("addressless.nl"), "mx.address", Status.FAIL, "no A or AAAA record")
    assert "mail.addressless.nl. IN A" in address.fix


def test_an_mx_host_in_a_name_that_does_not_exist_fails(lab: AuditLab) -> None:
    address = expect(lab.report("outside.nl"), "mx.address", Status.FAIL)
    assert address.subject == "mx.elsewhere.nl"


def test_a_domain_that_does_not_exist_fails(lab: AuditLab) -> None:
    expect(lab.report("nowhere.nl"), "mx.present", Status.FAIL, "does not exist")


def test_a_domain_that_is_no_host_name_fails_without_asking_dns(lab: AuditLab) -> None:
    report = lab.report("mail_domain.nl")
    expect(report, "fqdn.syntax", Status.FAIL, "underscore")
    assert len(report.findings) == 1
