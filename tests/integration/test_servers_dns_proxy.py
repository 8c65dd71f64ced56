"""The delaying DNS proxy: every query waits, over UDP and TCP, and queries in flight wait side by side."""

import time
from concurrent.futures import ThreadPoolExecutor

import dns.message
import dns.query
import dns.rcode
import pytest

from tests.support.servers import BindServer, DnsProxy, ServerStack, Zone
from tests.support.servers.clients import dns_query, dns_update

pytestmark = pytest.mark.servers

DELAY_MS = 200


@pytest.fixture(scope="module")
def bind(servers: ServerStack) -> BindServer:
    server = servers.bind()
    server.serve(Zone("example.nl", server.address.host).a("mail", "127.30.0.1"))
    return server


@pytest.fixture(scope="module")
def proxy(servers: ServerStack, bind: BindServer) -> DnsProxy:
    return servers.dns_proxy(bind.address, delay_ms=DELAY_MS)


def _timed(action) -> float:
    start = time.monotonic()
    action()
    return (time.monotonic() - start) * 1000


def test_a_udp_query_is_answered_after_the_delay(proxy: DnsProxy) -> None:
    answers = []
    elapsed = _timed(lambda: answers.append(dns_query(proxy.address, "mail.example.nl", "A")))
    assert answers[0].answer[0][0].to_text() == "127.30.0.1"
    assert elapsed >= DELAY_MS


def test_a_tcp_query_is_answered_after_the_delay(proxy: DnsProxy) -> None:
    query = dns.message.make_query("mail.example.nl", "A")
    answers = []
    elapsed = _timed(lambda: answers.append(dns.query.tcp(query, proxy.address.host, 3)))
    assert answers[0].answer[0][0].to_text() == "127.30.0.1"
    assert elapsed >= DELAY_MS


def test_queries_in_flight_are_delayed_side_by_side_not_one_after_another(proxy: DnsProxy) -> None:
    before = proxy.queries
    def ask(_: int) -> None:
        dns_query(proxy.address, "mail.example.nl", "A")

    with ThreadPoolExecutor(8) as pool:
        elapsed = _timed(lambda: list(pool.map(ask, range(8))))
    assert DELAY_MS <= elapsed < 4 * DELAY_MS  # eight in a row would take 8 * DELAY_MS
    assert proxy.queries - before == 8


def test_messages_pass_unchanged_so_tsig_updates_work_through_it(bind: BindServer, proxy: DnsProxy) -> None:
    dynamic = bind.serve_dynamic(Zone("dynamic.nl", bind.address.host), signed=False)
    response = dns_update(proxy.address, "dynamic.nl", dynamic.key, name="mail", rtype="A", data="127.30.0.2")
    assert response.rcode() == dns.rcode.NOERROR
    assert dns_query(bind.address, "mail.dynamic.nl", "A").answer[0][0].to_text() == "127.30.0.2"


def test_the_delay_can_change_while_it_runs(proxy: DnsProxy) -> None:
    proxy.delay_ms = 3 * DELAY_MS
    try:
        assert _timed(lambda: dns_query(proxy.address, "mail.example.nl", "A")) >= 3 * DELAY_MS
    finally:
        proxy.delay_ms = DELAY_MS


def test_a_udp_only_proxy_relays_datagrams_and_refuses_tcp(servers: ServerStack, bind: BindServer) -> None:
    udp_only = servers.dns_proxy(bind.address, tcp=False)
    assert dns_query(udp_only.address, "mail.example.nl", "A").answer[0][0].to_text() == "127.30.0.1"
    with pytest.raises(ConnectionRefusedError):
        dns.query.tcp(dns.message.make_query("mail.example.nl", "A"), udp_only.address.host, 3)
