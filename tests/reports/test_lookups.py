"""Reverse names and TLSA records through mailsec's resolver, against BIND and Unbound on loopback.

Uses the servers harness (`tests.support.servers`): a signed example.nl with the NAS certificate's TLSA
record, reverse zones with PTR records for report sources, and a slow DNS path to show that lookups
overlap.
"""

import time
from datetime import datetime, timezone

import pytest

from mailsec.nameservers import Nameserver
from mailsec.reports.ingest import import_file
from mailsec.reports.lookups import look_up_deployment, reverse_names
from mailsec.reports.rollout import Role
from mailsec.reports.summary import load_summary
from mailsec.resolver import DnsResolver
from mailsec.settings import load_settings
from mailsec.tlsa import MatchingType, Selector, association_data
from tests.reports.corpus import DAY, MAY_1, dmarc_row, dmarc_xml, tls_failure, tls_json, tls_policy, tls_report
from tests.support.demo_nas import DemoNas, build_demo_nas

pytest.importorskip("tests.support.servers.pytest_plugin", reason="the servers harness has not landed yet")
from tests.support.servers import Zone, reverse_zone
from tests.support.servers.pytest_plugin import loopback, server_ca, servers  # noqa: F401

pytestmark = pytest.mark.servers

# Unbound answers NXDOMAIN itself for the reverse zones of RFC 6303 (192.0.2.0/24, 2001:db8::/32, 127/8, ...),
# so the sources live in the benchmarking range of RFC 2544 and the IPv6 documentation prefix of RFC 9637.
NAS_ADDRESS = "198.18.0.25"  # the MX host's address: "own" by address
SIBLING = "198.18.0.26"  # another server of the owner, known by its reverse name
STRANGER = "198.18.0.99"  # no PTR record
IPV6_SOURCE = "3fff::1"
DELAY_MS = 300


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> DemoNas:
    return build_demo_nas(tmp_path_factory.mktemp("nas"))


@pytest.fixture(scope="module")
def key_data(demo) -> str:
    return association_data(demo.mail.cert, Selector.SPKI, MatchingType.SHA256).hex()


@pytest.fixture(scope="module")
def dns(servers, key_data):  # noqa: F811 (fixture names)
    bind = servers.bind()
    zone = (Zone("example.nl", bind.address.host).mx("@", 10, "mail").a("mail", NAS_ADDRESS)
            .tlsa("_25._tcp.mail", 3, 1, 1, key_data))
    anchor = bind.serve_signed(zone)
    reverse4 = Zone(reverse_zone("198.18.0.0/24"), bind.address.host)
    reverse4.ptr(NAS_ADDRESS, "mail.example.nl.").ptr(SIBLING, "backup.example.nl.")
    for number in range(100, 120):
        reverse4.ptr(f"198.18.0.{number}", f"host{number}.example.net.")
    bind.serve(reverse4)
    bind.serve(Zone(reverse_zone("3fff::/20"), bind.address.host).ptr(IPV6_SOURCE, "mail6.example.nl."))
    return servers.unbound(bind, [anchor])


def resolver_at(endpoint) -> DnsResolver:
    return DnsResolver([Nameserver(endpoint.host, endpoint.port)])


def test_sources_get_their_reverse_names(dns):
    names = reverse_names(resolver_at(dns.address), [NAS_ADDRESS, IPV6_SOURCE, STRANGER, NAS_ADDRESS])
    assert names == {NAS_ADDRESS: "mail.example.nl", IPV6_SOURCE: "mail6.example.nl", STRANGER: ""}


def test_reverse_lookups_overlap(servers, dns):  # noqa: F811
    slow = servers.dns_proxy(dns.address, delay_ms=DELAY_MS)
    addresses = [f"198.18.0.{number}" for number in range(100, 112)]
    started = time.monotonic()
    names = reverse_names(resolver_at(slow.address), addresses)
    elapsed = time.monotonic() - started
    assert names["198.18.0.105"] == "host105.example.net"
    assert elapsed < len(addresses) * DELAY_MS / 1000 / 3, f"{elapsed:.2f} s for {len(addresses)} lookups"


def test_the_deployment_has_the_published_tlsa_records_and_own_addresses(demo, dns, key_data):
    settings = load_settings(demo.layout.state_dir())
    deployment = look_up_deployment(demo.layout, settings, resolver_at(dns.address), ["mail.example.nl"])
    published = deployment.tlsa["mail.example.nl"]
    assert (published.rdata, published.secure, published.failure) == ((f"3 1 1 {key_data}",), True, "")
    assert set(published.rdata) <= deployment.certificate.matching_rdata
    assert deployment.own_addresses == frozenset({NAS_ADDRESS})
    assert deployment.notes == ()


def test_the_summary_names_sources_and_sees_a_fixed_tlsa_record(demo, dns, store, write):
    unsigned = dict(dkim="fail", spf="fail", dkim_domain=None, spf_result="fail")
    rows = [dmarc_row(NAS_ADDRESS, 10), dmarc_row(SIBLING, 3, **unsigned), dmarc_row(STRANGER, 5, **unsigned)]
    import_file(store, write("d.xml", dmarc_xml(rows=rows)), 0)
    stale = tls_policy("tlsa", 1, [tls_failure("tlsa-invalid", 4)], strings=["3 1 1 " + "ab" * 32])
    import_file(store, write("t.json", tls_json(tls_report(policies=[stale]))), 0)
    settings = load_settings(demo.layout.state_dir())
    now = datetime.fromtimestamp(MAY_1 + 2 * DAY, timezone.utc)
    summary = load_summary(store, demo.layout, settings, resolver_at(dns.address), now)
    (advice,) = summary.dmarc
    assert {(s.source_ip, s.ptr, s.role) for s in advice.sources} == {
        (NAS_ADDRESS, "mail.example.nl", Role.ALIGNED), (SIBLING, "backup.example.nl", Role.OWN),
        (STRANGER, "", Role.UNAUTHENTICATED)}
    evidence = summary.tlsrpt[0].failure_groups[0].diagnosis.evidence
    assert evidence[1].startswith("DNS now has a TLSA record at _25._tcp.mail.example.nl that matches the current "
                                  "certificate: fixed since these reports")
