"""What every authoritative name server of a zone publishes: what resolvers will be given.

The rollover waits for new records to be on *every* server before it starts the clock that ends with the
old records' removal, and it never removes anything it could not confirm. So the servers are the zone's
NS records (found through the configured resolver), and each address of each is asked directly, without
recursion, for each record set. An answer without the authoritative (AA) bit, a refusal or a timeout
leaves that server unconfirmed, and with it the record set.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from mailsec.publish.records import RecordKey, value_of
from mailsec.resolver import EDNS_PAYLOAD, Lookup

DNS_PORT = 53
QUERY_TIMEOUT = 5.0
MAX_PARALLEL_QUERIES = 8


@dataclass(frozen=True)
class NameServer:
    name: str
    address: str

    def __str__(self) -> str:
        return f"{self.name} ({self.address})"


@dataclass(frozen=True)
class ServerAnswer:
    """One server's answer for one record set; `values` is None when it gave no usable answer."""

    server: str
    values: Optional[Tuple[str, ...]]
    ttl: int = 0
    error: str = ""


@dataclass(frozen=True)
class ZoneView:
    """Each record set as each authoritative server of the zone answers it."""

    answers: Dict[RecordKey, Tuple[ServerAnswer, ...]]
    problem: str = ""  # why the servers are not known (then `answers` is empty)

    def of(self, key: RecordKey) -> Tuple[ServerAnswer, ...]:
        return self.answers.get(key, ())


def read_zone(resolver, zone: str, keys: Sequence[RecordKey], timeout: float = QUERY_TIMEOUT) -> ZoneView:
    """Ask every authoritative server of `zone` for every record set in `keys`.

    `resolver` answers `query(name, rdtype) -> Lookup` (a `mailsec.resolver.DnsResolver`).
    """
    servers, problem = find_servers(resolver, zone)
    if problem:
        return ZoneView({}, problem)
    questions = [(server, key) for key in keys for server in servers]
    if not questions:
        return ZoneView({key: () for key in keys})
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_QUERIES, len(questions))) as pool:
        answers = list(pool.map(lambda question: ask(question[0], question[1], timeout), questions))
    by_key: Dict[RecordKey, List[Tuple[NameServer, ServerAnswer]]] = {key: [] for key in keys}
    for (server, key), answer in zip(questions, answers):
        by_key[key].append((server, answer))
    return ZoneView({key: _usable(found) for key, found in by_key.items()})


def _usable(answers: List[Tuple[NameServer, ServerAnswer]]) -> Tuple[ServerAnswer, ...]:
    """The answers that count: a server's address that failed is passed over when another address of the
    same server answered (a NAS without IPv6 still confirms a server through IPv4); a server none of whose
    addresses answered stays unconfirmed."""
    answered = {server.name for server, answer in answers if answer.values is not None}
    return tuple(answer for server, answer in answers if answer.values is not None or server.name not in answered)


def find_servers(resolver, zone: str) -> Tuple[Tuple[NameServer, ...], str]:
    """The addresses of the zone's name servers, or an empty tuple and why they are not known."""
    lookup: Lookup = resolver.query(zone, "NS")
    if not lookup.found:
        return (), f"could not find the name servers of {zone} ({lookup.describe()})"
    servers: List[NameServer] = []
    for target in sorted({record.target.to_text() for record in lookup.records}):
        addresses = [record.address for rtype in ("A", "AAAA") for record in resolver.query(target, rtype).records]
        if not addresses:
            return (), f"could not find the address of {target}, a name server of {zone}"
        servers += [NameServer(target, address) for address in addresses]
    return tuple(servers), ""


def ask(server: NameServer, key: RecordKey, timeout: float) -> ServerAnswer:
    """The record set `key` as `server` itself holds it (no recursion, authoritative answers only)."""
    query = dns.message.make_query(key.name, key.rtype, use_edns=0, payload=EDNS_PAYLOAD)
    query.flags &= ~dns.flags.RD
    try:
        response, _ = dns.query.udp_with_fallback(query, server.address, timeout=timeout, port=DNS_PORT)
    except dns.exception.Timeout:
        return ServerAnswer(str(server), None, error=f"no answer within {timeout:g} s")
    except (OSError, dns.exception.DNSException) as exc:
        return ServerAnswer(str(server), None, error=f"{type(exc).__name__}: {exc}")
    rcode = response.rcode()
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN) or not response.flags & dns.flags.AA:
        return ServerAnswer(str(server), None, error=f"answered {dns.rcode.to_text(rcode)} without authority")
    rrset = response.get_rrset(response.answer, dns.name.from_text(key.name), dns.rdataclass.IN,
                               dns.rdatatype.from_text(key.rtype))
    if rrset is None:
        return ServerAnswer(str(server), ())
    return ServerAnswer(str(server), tuple(value_of(rdata) for rdata in rrset), rrset.ttl)


def zone_of(resolver, name: str) -> Tuple[str, str]:
    """The zone that holds `name` (the closest enclosing name with its own SOA record), and "" with the
    reason when it cannot be told."""
    candidate = dns.name.from_text(name)
    while candidate != dns.name.root:
        text = candidate.to_text().lower()
        lookup: Lookup = resolver.query(text, "SOA")
        if lookup.failed:
            return "", f"could not find the zone of {name} ({lookup.describe()})"
        if lookup.found and lookup.canonical_name.lower() == text:
            return text, ""
        candidate = candidate.parent()
    return "", f"no zone holds {name}"
