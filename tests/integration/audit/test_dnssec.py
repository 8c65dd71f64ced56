"""`dnssec.domain`: is the domain's zone signed, and does it validate? Against BIND behind Unbound.

Unbound trusts a zone only through a trust anchor (it has no root key here), so "signed without an
anchor" is exactly "signed, but the parent has no DS record".
"""

import pytest

from mailsec.findings import Status
from mailsec.nameservers import Nameserver
from tests.integration.audit.lab import AuditLab, expect, mail_zone, the
from tests.support.servers import Zone

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    host = lab.idle_address()
    lab.serve(mail_zone("signed.nl", lab.nameserver, host), signed=True)
    lab.serve(mail_zone("unsigned.nl", lab.nameserver, host))
    lab.serve(mail_zone("orphan.nl", lab.nameserver, host), signed=True, anchored=False)
    lab.serve(mail_zone("stale.nl", lab.nameserver, host), signed=True, expired=True)
    # A signed child whose parent publishes its DS: only a validating resolver can say it is secure.
    lab.serve(mail_zone("child.parent.nl", lab.nameserver, host).tlsa("_25._tcp.mail", 3, 1, 1, "ab" * 32),
              signed=True)
    child_keys = lab.bind.transfer("child.parent.nl").find_rdataset("child.parent.nl.", "DNSKEY")
    lab.serve(Zone("parent.nl", lab.nameserver).ns("child", "ns1.child.parent.nl.").a("ns1.child", lab.nameserver)
              .ds("child", _ds_of("child.parent.nl", child_keys)))
    lab.start()
    return lab


def _ds_of(origin: str, dnskeys) -> str:
    import dns.dnssec
    import dns.name

    key = next(key for key in dnskeys if key.flags & 1)  # the key-signing (SEP) key
    return dns.dnssec.make_ds(dns.name.from_text(origin), key, "SHA256").to_text()


def test_a_signed_zone_that_validates_passes(lab: AuditLab) -> None:
    expect(lab.report("signed.nl"), "dnssec.domain", Status.PASS, "DNSSEC-signed and validates")


def test_an_unsigned_zone_warns_with_the_steps_to_sign_it(lab: AuditLab) -> None:
    domain = expect(lab.report("unsigned.nl"), "dnssec.domain", Status.WARN, "not DNSSEC-signed")
    assert "Turn on DNSSEC for unsigned.nl" in domain.fix
    assert "DS record" in domain.fix


def test_a_signed_zone_without_a_ds_at_its_parent_fails(lab: AuditLab) -> None:
    domain = expect(lab.report("orphan.nl"), "dnssec.domain", Status.FAIL,
                    "orphan.nl is signed, but its parent zone has no DS record")
    assert "Publish the DS record of orphan.nl at your registrar" in domain.fix


def test_expired_signatures_are_bogus_and_fail(lab: AuditLab) -> None:
    domain = expect(lab.report("stale.nl"), "dnssec.domain", Status.FAIL, "bogus")
    assert "Re-sign stale.nl" in domain.fix


def test_a_resolver_that_does_not_validate_gives_no_verdict(lab: AuditLab) -> None:
    authoritative = Nameserver(lab.bind.address.host, lab.bind.address.port)  # answers, never validates
    report = lab.audit("child.parent.nl", nameservers=(authoritative,))
    domain = expect(report, "dnssec.domain", Status.ERROR, "the resolver did not validate")
    assert "validating resolver" in domain.fix
    expect(report, "dane.dnssec", Status.ERROR, "the resolver did not validate")


def test_the_same_zone_through_a_validating_resolver_passes(lab: AuditLab) -> None:
    report = lab.report("child.parent.nl")
    assert the(report, "dnssec.domain").status == Status.PASS
    assert the(report, "dane.dnssec").status == Status.PASS
