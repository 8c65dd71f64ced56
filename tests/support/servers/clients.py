"""Clients for the tests to talk to the test servers: DNS queries and updates."""

import dns.message
import dns.query
import dns.update

from tests.support.servers.loopback import Endpoint
from tests.support.servers.tsig import TsigKey

QUERY_TIMEOUT = 3.0


def dns_query(server: Endpoint, name: str, rtype: str, dnssec: bool = False) -> dns.message.Message:
    """One query over UDP; `dnssec` sets the DO bit, which also asks a validator for the AD bit."""
    query = dns.message.make_query(name, rtype, want_dnssec=dnssec)
    return dns.query.udp(query, server.host, QUERY_TIMEOUT, server.port)


def dns_update(
    server: Endpoint, zone: str, key: TsigKey, *, name: str, rtype: str, data: str
) -> dns.message.Message:
    """Add one record by an RFC 2136 update signed with `key`, over TCP; dnspython raises on TSIG errors."""
    update = dns.update.UpdateMessage(zone, keyring=key.dnspython_key)
    update.add(name, 300, rtype, data)
    return dns.query.tcp(update, server.host, QUERY_TIMEOUT, server.port)
