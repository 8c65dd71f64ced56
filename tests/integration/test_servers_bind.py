"""BIND 9 on loopback: plain, reverse, signed, bogus and dynamic zones, checked with dnspython."""

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from tests.support.servers import (
    BindServer,
    DynamicZone,
    ForgedRecord,
    ServerStack,
    Zone,
    make_tsig_key,
    reverse_zone,
)
from tests.support.servers.clients import dns_query, dns_update
from tests.support.servers.tsig import read_tsig_key

pytestmark = pytest.mark.servers

TLSA_DATA = "8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1"
LONG_TEXT = "v=DKIM1; k=rsa; p=" + "A" * 400


@pytest.fixture(scope="module")
def bind(servers: ServerStack) -> BindServer:
    server = servers.bind()
    server.serve(
        Zone("example.nl", server.address.host)
        .mx("@", 10, "mail")
        .a("mail", "127.10.0.25")
        .aaaa("mail", "::1")
        .txt("@", "v=spf1 mx -all")
        .txt("sel._domainkey", LONG_TEXT)
        .tlsa("_25._tcp.mail", 3, 1, 1, TLSA_DATA)
        .cname("mta-sts", "policy.example.nl.")
        .a("policy", "127.10.0.44")
    )
    big = Zone("big.nl", server.address.host)
    for number in range(40):
        big.txt("many", f"{number:02d} " + "x" * 100)
    server.serve(big)
    reverse = Zone(reverse_zone("127.0.0.0/8"), server.address.host)
    server.serve(reverse.ptr("127.10.0.25", "mail.example.nl."))
    return server


@pytest.mark.parametrize(("name", "rtype", "expected"), [
    ("example.nl", "MX", "10 mail.example.nl."),
    ("mail.example.nl", "A", "127.10.0.25"),
    ("mail.example.nl", "AAAA", "::1"),
    ("example.nl", "TXT", '"v=spf1 mx -all"'),
    ("_25._tcp.mail.example.nl", "TLSA", f"3 1 1 {TLSA_DATA}"),
    ("mta-sts.example.nl", "CNAME", "policy.example.nl."),
    ("25.0.10.127.in-addr.arpa", "PTR", "mail.example.nl."),
])
def test_each_record_type_is_served_on_port_53_of_its_own_address(bind, name, rtype, expected) -> None:
    assert bind.address.port == 53
    answer = dns_query(bind.address, name, rtype)
    assert answer.flags & dns.flags.AA
    assert [rdata.to_text() for rdata in answer.answer[0]] == [expected]


def test_a_long_txt_value_is_published_as_several_strings(bind: BindServer) -> None:
    (rdata,) = dns_query(bind.address, "sel._domainkey.example.nl", "TXT").answer[0]
    assert [len(string) for string in rdata.strings] == [255, len(LONG_TEXT) - 255]
    assert b"".join(rdata.strings).decode() == LONG_TEXT


def test_a_large_answer_is_truncated_over_udp_and_complete_over_tcp(bind: BindServer) -> None:
    query = dns.message.make_query("many.big.nl", "TXT")
    assert dns.query.udp(query, bind.address.host, 3).flags & dns.flags.TC
    answer, used_tcp = dns.query.udp_with_fallback(query, bind.address.host, 3)
    assert used_tcp
    assert len(answer.answer[0]) == 40


def test_names_outside_the_test_zones_do_not_exist(bind: BindServer) -> None:
    assert dns_query(bind.address, "www.example.com", "A").rcode() == dns.rcode.NXDOMAIN


def test_a_zone_served_again_replaces_the_earlier_version(bind: BindServer) -> None:
    bind.serve(Zone("changing.nl", bind.address.host).a("www", "127.10.1.1"))
    bind.serve(Zone("changing.nl", bind.address.host).a("www", "127.10.2.2"))
    assert dns_query(bind.address, "www.changing.nl", "A").answer[0][0].to_text() == "127.10.2.2"
    assert dns_query(bind.address, "changing.nl", "SOA").answer[0][0].serial == 2


def _validate(server: BindServer, origin: str, name: str, rtype: str) -> None:
    """dnspython's validation of one RRset against the zone's DNSKEY set; ValidationFailure when bogus."""
    keys = dns_query(server.address, origin, "DNSKEY", dnssec=True).answer
    answer = dns_query(server.address, name, rtype, dnssec=True).answer
    data = next(rrset for rrset in answer if rrset.rdtype != dns.rdatatype.RRSIG)
    signature = next(rrset for rrset in answer if rrset.rdtype == dns.rdatatype.RRSIG)
    dnskeys = next(rrset for rrset in keys if rrset.rdtype == dns.rdatatype.DNSKEY)
    dns.dnssec.validate(data, signature, {dns.name.from_text(origin): dnskeys})


def test_a_signed_zone_validates_and_its_anchor_is_the_ds_of_its_key(bind: BindServer) -> None:
    anchor = bind.serve_signed(Zone("signed.nl", bind.address.host).a("mail", "127.10.0.26"))
    _validate(bind, "signed.nl", "mail.signed.nl", "A")
    keys = dns_query(bind.address, "signed.nl", "DNSKEY").answer[0]
    assert {dns.dnssec.make_ds("signed.nl.", key, "SHA256").to_text() for key in keys} >= set(anchor.ds)
    assert anchor.records == tuple(f"signed.nl. DS {ds}" for ds in anchor.ds)


def test_signing_again_keeps_the_keys_so_the_anchor_stays_valid(bind: BindServer) -> None:
    first = bind.serve_signed(Zone("resigned.nl", bind.address.host).a("mail", "127.10.0.27"))
    second = bind.serve_signed(Zone("resigned.nl", bind.address.host).a("mail", "127.10.0.28"))
    assert first == second
    _validate(bind, "resigned.nl", "mail.resigned.nl", "A")


def test_expired_signatures_do_not_validate(bind: BindServer) -> None:
    bind.serve_signed(Zone("expired.nl", bind.address.host).a("mail", "127.10.0.29"), expired=True)
    with pytest.raises(dns.dnssec.ValidationFailure):
        _validate(bind, "expired.nl", "mail.expired.nl", "A")


def test_a_record_forged_after_signing_does_not_validate_while_the_rest_does(bind: BindServer) -> None:
    bind.serve_signed(
        Zone("forged.nl", bind.address.host).a("mail", "127.10.0.30").a("www", "127.10.0.31"),
        forged=[ForgedRecord("mail", "A", "127.66.6.6")],
    )
    assert dns_query(bind.address, "mail.forged.nl", "A").answer[0][0].to_text() == "127.66.6.6"
    with pytest.raises(dns.dnssec.ValidationFailure):
        _validate(bind, "forged.nl", "mail.forged.nl", "A")
    _validate(bind, "forged.nl", "www.forged.nl", "A")


@pytest.fixture(scope="module")
def dynamic(bind: BindServer) -> DynamicZone:
    return bind.serve_dynamic(Zone("dynamic.nl", bind.address.host).a("mail", "127.10.0.32"))


def test_the_dynamic_zone_is_signed_by_named_and_its_anchor_matches(bind, dynamic: DynamicZone) -> None:
    assert dynamic.anchor is not None
    keys = dns_query(bind.address, "dynamic.nl", "DNSKEY").answer[0]
    digests = {dns.dnssec.make_ds("dynamic.nl.", key, "SHA256").to_text() for key in keys}
    assert digests >= set(dynamic.anchor.ds)
    _validate(bind, "dynamic.nl", "mail.dynamic.nl", "A")


def test_an_update_signed_with_the_zone_key_is_accepted_and_signed(bind, dynamic: DynamicZone) -> None:
    response = dns_update(bind.address, "dynamic.nl", dynamic.key, name="_25._tcp.mail", rtype="TLSA",
                          data=f"3 1 1 {TLSA_DATA}")
    assert response.rcode() == dns.rcode.NOERROR
    _validate(bind, "dynamic.nl", "_25._tcp.mail.dynamic.nl", "TLSA")
    transferred = bind.transfer("dynamic.nl")
    assert transferred.find_rdataset("_25._tcp.mail.dynamic.nl.", "TLSA")[0].to_text() == f"3 1 1 {TLSA_DATA}"


@pytest.mark.parametrize("key_name", ["update.dynamic.nl", "intruder.dynamic.nl"])
def test_an_update_signed_with_another_key_is_refused(bind, dynamic: DynamicZone, tmp_path, key_name) -> None:
    wrong = make_tsig_key(tmp_path / "wrong.key", key_name)
    with pytest.raises(dns.exception.DNSException):  # named answers NOTAUTH with a TSIG error, unsigned
        dns_update(bind.address, "dynamic.nl", wrong, name="_25._tcp.intruder", rtype="TLSA",
                   data=f"3 1 1 {TLSA_DATA}")
    assert dns_query(bind.address, "_25._tcp.intruder.dynamic.nl", "TLSA").rcode() == dns.rcode.NXDOMAIN


def test_the_key_file_is_a_private_bind_key_statement(dynamic: DynamicZone) -> None:
    assert read_tsig_key(dynamic.key.path) == dynamic.key
    assert dynamic.key.path.read_text().startswith(f'key "{dynamic.key.name}" {{')
    assert dynamic.key.path.stat().st_mode & 0o777 == 0o600


def test_a_dynamic_zone_with_a_delegation_is_signed_around_the_cut(bind: BindServer) -> None:
    parent = (
        Zone("parent.nl", bind.address.host)
        .ns("child", "ns.child.parent.nl.")
        .a("ns.child", "127.10.0.34")
        .ds("child", "1 13 2 " + "ab" * 32)
    )
    zone = bind.serve_dynamic(parent)
    assert zone.anchor is not None
    referral = dns_query(bind.address, "www.child.parent.nl", "A", dnssec=True)
    assert {rrset.rdtype for rrset in referral.authority} >= {dns.rdatatype.NS, dns.rdatatype.DS}


def test_an_unsigned_dynamic_zone_takes_updates_too(bind: BindServer) -> None:
    zone = bind.serve_dynamic(Zone("plain-dynamic.nl", bind.address.host), signed=False)
    assert zone.anchor is None
    response = dns_update(bind.address, zone.origin, zone.key, name="mail", rtype="A", data="127.10.0.33")
    assert response.rcode() == dns.rcode.NOERROR
    assert dns_query(bind.address, "plain-dynamic.nl", "DNSKEY").answer == []


def test_a_silent_host_lets_queries_time_out(servers: ServerStack) -> None:
    silent = servers.silent_host([53])
    query = dns.message.make_query("example.nl", "A")
    with pytest.raises(dns.exception.Timeout):
        dns.query.udp(query, silent.address, 0.3)
    with pytest.raises(dns.exception.Timeout):
        dns.query.tcp(query, silent.address, 0.3)
