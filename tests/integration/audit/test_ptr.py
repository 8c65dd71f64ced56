"""`ptr.fcrdns` against real reverse zones: each MX address's PTR name must lead back to the address.

The MX addresses are loopback addresses of our own with nothing listening; their PTR records live in
BIND's `127.in-addr.arpa`, which the resolver passes through (see `tests.support.servers.unbound`).
"""

import pytest

from mailsec.findings import Status
from tests.integration.audit.lab import AuditLab, expect, mail_zone, the

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    hosts = {name: lab.idle_address() for name in ("confirmed", "bare", "stranger", "plural", "gone", "bogus")}
    elsewhere = lab.idle_address()
    for name, address in hosts.items():
        lab.serve(mail_zone(f"{name}.nl", lab.nameserver, address).a("www", elsewhere))
    lab.reverse.ptr(hosts["confirmed"], "mail.confirmed.nl.")
    lab.reverse.ptr(hosts["stranger"], "www.stranger.nl.")
    lab.reverse.ptr(hosts["plural"], "mail.plural.nl.").ptr(hosts["plural"], "www.plural.nl.")
    lab.reverse.ptr(hosts["gone"], "mail.vanished.nl.")
    lab.reverse.ptr(hosts["bogus"], "mail.broken-signatures.nl.")
    lab.serve(mail_zone("broken-signatures.nl", lab.nameserver, hosts["bogus"]), signed=True, expired=True)
    lab.serve(mail_zone("shared.nl", lab.nameserver, hosts["bare"]).mx("@", 20, "backup").a("backup", hosts["bare"]))
    lab.start()
    return lab


def test_a_ptr_name_that_resolves_back_passes(lab: AuditLab) -> None:
    expect(lab.report("confirmed.nl"), "ptr.fcrdns", Status.PASS, "PTR mail.confirmed.nl resolves back")


def test_an_address_shared_by_two_mx_hosts_is_judged_once(lab: AuditLab) -> None:
    fcrdns = expect(lab.report("shared.nl"), "ptr.fcrdns", Status.FAIL, "no PTR record")
    assert "to mail.shared.nl," in fcrdns.fix  # the first MX host's name, which the PTR should carry


def test_an_address_without_ptr_fails_and_names_the_host_to_ask_for(lab: AuditLab) -> None:
    fcrdns = expect(lab.report("bare.nl"), "ptr.fcrdns", Status.FAIL, "no PTR record")
    assert "to mail.bare.nl" in fcrdns.fix


def test_a_ptr_name_pointing_elsewhere_fails(lab: AuditLab) -> None:
    report = lab.report("stranger.nl")
    fcrdns = expect(report, "ptr.fcrdns", Status.FAIL)
    assert fcrdns.subject == the(report, "mx.address").message.split()[-1]  # the MX address
    assert "www.stranger.nl resolves to 127." in fcrdns.message
    assert f"not back to {fcrdns.subject}" in fcrdns.message
    assert f"www.stranger.nl. IN A {fcrdns.subject}" in fcrdns.fix


def test_a_ptr_name_that_does_not_exist_fails(lab: AuditLab) -> None:
    expect(lab.report("gone.nl"), "ptr.fcrdns", Status.FAIL, "mail.vanished.nl has no address record, not back to")


def test_several_ptr_names_warn(lab: AuditLab) -> None:
    expect(lab.report("plural.nl"), "ptr.fcrdns", Status.WARN, "2 PTR names")


def test_a_ptr_name_whose_lookup_fails_is_an_error_not_a_verdict(lab: AuditLab) -> None:
    expect(lab.report("bogus.nl"), "ptr.fcrdns", Status.ERROR, "mail.broken-signatures.nl", "SERVFAIL")
