"""Asking every authoritative server of a zone, through its NS records: answered, lame and silent servers."""

import pytest

from mailsec.nameservers import parse_nameserver
from mailsec.publish.authoritative import find_servers, read_zone, zone_of
from mailsec.publish.records import RecordKey
from mailsec.resolver import DnsResolver
from tests.support.servers import Zone

pytestmark = pytest.mark.servers

TLSA = RecordKey.of("_25._tcp.mail.example.nl", "TLSA")
DATA = "ab" * 32


@pytest.fixture(scope="module")
def bind(servers):
    bind = servers.bind()
    bind.serve(Zone("example.nl", bind.address.host).tlsa("_25._tcp.mail", 3, 1, 1, DATA).a("mail", "127.0.0.25"))
    return bind


def resolver(bind):
    return DnsResolver([parse_nameserver(str(bind.address))], timeout=1.0, lifetime=2.0)


def test_every_server_of_the_zone_is_asked_directly(bind):
    view = read_zone(resolver(bind), "example.nl.", [TLSA])
    [answer] = view.of(TLSA)
    assert answer.server == f"ns1.example.nl. ({bind.address.host})"
    assert answer.values == (f"3 1 1 {DATA}",) and answer.ttl == 300


def test_a_server_that_is_not_authoritative_or_silent_leaves_the_record_set_unconfirmed(servers):
    bind = servers.bind()
    silent = servers.silent_host([53])
    zone = Zone("example.nl", bind.address.host).ns("@", "ns2.example.nl.").a("ns2", silent.address)
    zone.ns("@", "ns3.example.nl.").a("ns3", "127.0.0.1")  # nothing answers DNS there
    bind.serve(zone.tlsa("_25._tcp.mail", 3, 1, 1, DATA))
    answers = {answer.server.split()[0]: answer for answer in read_zone(resolver(bind), "example.nl.", [TLSA],
                                                                        timeout=0.5).of(TLSA)}
    assert answers["ns1.example.nl."].values == (f"3 1 1 {DATA}",)
    assert answers["ns2.example.nl."].values is None and "no answer within 0.5 s" in answers["ns2.example.nl."].error
    assert answers["ns3.example.nl."].values is None


def test_servers_that_cannot_be_found_are_a_reason_not_an_empty_answer():
    nowhere = DnsResolver([parse_nameserver("127.0.0.1:9")], timeout=0.2, lifetime=0.4)
    servers, problem = find_servers(nowhere, "example.nl.")
    assert servers == () and problem.startswith("could not find the name servers of example.nl. (NS example.nl.: ")
    assert read_zone(nowhere, "example.nl.", [TLSA]).problem == problem


def test_the_zone_of_a_name_is_the_closest_enclosing_apex(bind):
    assert zone_of(resolver(bind), "_25._tcp.mail.example.nl.") == ("example.nl.", "")
