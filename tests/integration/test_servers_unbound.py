"""Unbound validating the zones BIND serves: secure, insecure and bogus, and nothing outside reached."""

from typing import NamedTuple

import dns.flags
import dns.rcode
import pytest

from tests.support.servers import (
    BindServer,
    DynamicZone,
    ForgedRecord,
    ServerStack,
    UnboundResolver,
    Zone,
    reverse_zone,
)
from tests.support.servers.clients import dns_query, dns_update

pytestmark = pytest.mark.servers


class Resolution(NamedTuple):
    bind: BindServer
    resolver: UnboundResolver
    dynamic: DynamicZone


@pytest.fixture(scope="module")
def dns_path(servers: ServerStack) -> Resolution:
    bind = servers.bind()
    ns = bind.address.host
    anchors = [
        bind.serve_signed(Zone("secure.nl", ns).a("mail", "127.20.0.1")),
        bind.serve_signed(Zone("expired.nl", ns).a("mail", "127.20.0.2"), expired=True),
        bind.serve_signed(
            Zone("forged.nl", ns).a("mail", "127.20.0.3").tlsa("_25._tcp.mail", 3, 1, 1, "aa" * 32),
            forged=[ForgedRecord("_25._tcp.mail", "TLSA", "3 1 1 " + "bb" * 32)],
        ),
    ]
    bind.serve(Zone("insecure.nl", ns).a("mail", "127.20.0.4"))
    bind.serve(Zone(reverse_zone("127.0.0.0/8"), ns).ptr("127.20.0.4", "mail.insecure.nl."))
    dynamic = bind.serve_dynamic(Zone("dynamic.nl", ns).a("mail", "127.20.0.5"))
    assert dynamic.anchor is not None
    return Resolution(bind, servers.unbound(bind, [*anchors, dynamic.anchor]), dynamic)


def _secure(answer) -> bool:
    return bool(answer.flags & dns.flags.AD)


def test_a_signed_zone_with_a_trust_anchor_resolves_as_secure(dns_path: Resolution) -> None:
    answer = dns_query(dns_path.resolver.address, "mail.secure.nl", "A", dnssec=True)
    assert answer.rcode() == dns.rcode.NOERROR
    assert _secure(answer)
    assert answer.answer[0][0].to_text() == "127.20.0.1"


def test_an_unsigned_zone_resolves_without_the_ad_bit(dns_path: Resolution) -> None:
    answer = dns_query(dns_path.resolver.address, "mail.insecure.nl", "A", dnssec=True)
    assert answer.rcode() == dns.rcode.NOERROR
    assert not _secure(answer)


@pytest.mark.parametrize(("name", "rtype"), [("mail.expired.nl", "A"), ("_25._tcp.mail.forged.nl", "TLSA")])
def test_a_bogus_answer_is_servfail(dns_path: Resolution, name: str, rtype: str) -> None:
    assert dns_query(dns_path.resolver.address, name, rtype, dnssec=True).rcode() == dns.rcode.SERVFAIL


def test_a_forged_record_spoils_only_its_own_rrset(dns_path: Resolution) -> None:
    assert _secure(dns_query(dns_path.resolver.address, "mail.forged.nl", "A", dnssec=True))


def test_a_dynamic_zone_validates_after_a_signed_update(dns_path: Resolution) -> None:
    key = dns_path.dynamic.key
    response = dns_update(dns_path.bind.address, "dynamic.nl", key, name="_25._tcp.mail", rtype="TLSA",
                          data="3 1 1 " + "cc" * 32)
    assert response.rcode() == dns.rcode.NOERROR
    answer = dns_query(dns_path.resolver.address, "_25._tcp.mail.dynamic.nl", "TLSA", dnssec=True)
    assert _secure(answer)


def test_the_root_is_the_test_root_so_outside_names_do_not_exist(dns_path: Resolution) -> None:
    # On the Internet www.example.com exists; here the only root is BIND's, which knows no com.
    assert dns_query(dns_path.resolver.address, "www.example.com", "A").rcode() == dns.rcode.NXDOMAIN
    root = dns_query(dns_path.resolver.address, ".", "NS")
    assert [rdata.to_text() for rdata in root.answer[0]] == ["ns1."]


def test_loopback_reverse_names_come_from_bind(dns_path: Resolution) -> None:
    # The test servers live on 127/8; Unbound must not answer their PTR lookups itself (RFC 6303).
    answer = dns_query(dns_path.resolver.address, "4.0.20.127.in-addr.arpa", "PTR")
    assert [rdata.to_text() for rdata in answer.answer[0]] == ["mail.insecure.nl."]


def test_flush_shows_a_changed_zone(dns_path: Resolution) -> None:
    resolver, bind = dns_path.resolver, dns_path.bind
    bind.serve(Zone("changing.nl", bind.address.host).a("www", "127.20.1.1"))
    assert dns_query(resolver.address, "www.changing.nl", "A").answer[0][0].to_text() == "127.20.1.1"
    bind.serve(Zone("changing.nl", bind.address.host).a("www", "127.20.2.2"))
    cached = dns_query(resolver.address, "www.changing.nl", "A")
    assert cached.answer[0][0].to_text() == "127.20.1.1"
    resolver.flush()
    assert dns_query(resolver.address, "www.changing.nl", "A").answer[0][0].to_text() == "127.20.2.2"
