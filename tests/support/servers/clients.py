"""Clients for the tests to talk to the test servers: DNS queries and updates, HTTPS to a name at an address.

Test names such as `mta-sts.example.nl` resolve only through the test DNS, so `pinned_session` connects
every https:// URL to one loopback address while TLS (SNI, certificate check) and the Host header use
the name in the URL, which is what a client does after resolving the name itself.
"""

from typing import Any
from urllib.parse import urlsplit

import dns.message
import dns.query
import dns.update
import requests
from requests.adapters import HTTPAdapter

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


class _PinnedAddress(HTTPAdapter):
    def __init__(self, address: Endpoint) -> None:
        self._address = address
        super().__init__(max_retries=0)

    def get_connection_with_tls_context(self, request: requests.PreparedRequest, verify: Any,
                                        proxies: Any = None, cert: Any = None) -> Any:
        name = urlsplit(request.url).hostname
        request.headers["Host"] = name
        trust = {"cert_reqs": "CERT_NONE"} if verify is False else {
            "cert_reqs": "CERT_REQUIRED", "ca_certs": None if verify is True else verify}
        return self.poolmanager.connection_from_host(
            self._address.host, self._address.port, "https",
            pool_kwargs={"server_hostname": name, "assert_hostname": name, **trust},
        )


def pinned_session(address: Endpoint) -> requests.Session:
    """A session whose https:// requests all go to `address`; pass `verify=<CA bundle>` per request."""
    session = requests.Session()
    session.mount("https://", _PinnedAddress(address))
    return session
