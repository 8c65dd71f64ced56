"""Readiness probes: does a server answer yet? Each returns a bool at once, for `Daemon.wait_until`."""

import socket

import dns.exception
import dns.message
import dns.query
import dns.rdatatype

from tests.support.servers.loopback import Endpoint

PROBE_TIMEOUT = 0.5
# A UDP query to a port where nothing listens yet goes unanswered rather than refused, so the DNS probe
# gives up early and asks again.
DNS_PROBE_TIMEOUT = 0.1


def dns_answers(endpoint: Endpoint) -> bool:
    """The server sends any DNS response (REFUSED included) to a query for the root's SOA."""
    query = dns.message.make_query(".", dns.rdatatype.SOA)
    try:
        dns.query.udp(query, endpoint.host, DNS_PROBE_TIMEOUT, endpoint.port)
    except (dns.exception.DNSException, OSError):
        return False
    return True


def tcp_accepts(endpoint: Endpoint) -> bool:
    try:
        socket.create_connection((endpoint.host, endpoint.port), PROBE_TIMEOUT).close()
    except OSError:
        return False
    return True


def greets(endpoint: Endpoint, greeting: bytes) -> bool:
    """The server accepts a connection and its first line starts with `greeting` (SMTP `220`, IMAP `* OK`)."""
    try:
        with socket.create_connection((endpoint.host, endpoint.port), PROBE_TIMEOUT) as connection:
            return connection.makefile("rb").readline().startswith(greeting)
    except OSError:
        return False
