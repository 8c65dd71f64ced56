"""What the audit learns about a domain, each fact fetched once and shared by every check.

`DomainFacts` wraps the resolver and the probes with memoisation: the first check that needs the MX
set, an address's PTR or an MX's SMTP session triggers the lookup, later ones reuse it. Lookups for
several hosts run concurrently (`parallel_map`).
"""

from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple, TypeVar

from mailsec.audit.concurrency import Memo, parallel_map
from mailsec.audit.options import AuditOptions
from mailsec.limits import STS_FETCH_TIMEOUT_SECONDS, STS_POLICY_MAX_BYTES
from mailsec.names import normalize_host
from mailsec.probe.chain import PresentedChain, presented_chain
from mailsec.probe.https import HttpsFetch, fetch
from mailsec.probe.smtp import SmtpSession, probe_smtp
from mailsec.resolver import DnsResolver, Lookup

POLICY_PATH = "/.well-known/mta-sts.txt"
R = TypeVar("R")


@dataclass(frozen=True)
class MxHost:
    preference: int
    name: str  # normalised: lower case, no trailing dot


@dataclass(frozen=True)
class HostAddresses:
    """The A and AAAA lookups of one host name."""

    host: str
    ipv4: Lookup
    ipv6: Lookup

    @property
    def addresses(self) -> List[str]:
        return [record.address for lookup in (self.ipv4, self.ipv6) if lookup.found for record in lookup.records]

    @property
    def failures(self) -> List[Lookup]:
        return [lookup for lookup in (self.ipv4, self.ipv6) if lookup.failed]

    @property
    def alias_target(self) -> Optional[str]:
        """The name a CNAME at `host` leads to, if any."""
        for lookup in (self.ipv4, self.ipv6):
            if lookup.found and normalize_host(lookup.canonical_name) != normalize_host(self.host):
                return normalize_host(lookup.canonical_name)
        return None

    @property
    def secure(self) -> bool:
        """Every address answer that exists is DNSSEC-secure (RFC 7672 §2.2.2 precondition for TLSA)."""
        found = [lookup for lookup in (self.ipv4, self.ipv6) if lookup.found]
        return bool(found) and all(lookup.secure for lookup in found)


class DomainFacts:
    """Memoised lookups and probes for one audited domain."""

    def __init__(self, domain: str, options: AuditOptions, resolver: Optional[DnsResolver] = None) -> None:
        self.domain = normalize_host(domain)
        self.options = options
        self.resolver = resolver or DnsResolver(options.nameservers, options.dns_timeout, options.dns_lifetime)
        self._memo = Memo()

    def query(self, name: str, rdtype: str, checking_disabled: bool = False) -> Lookup:
        key = ("dns", normalize_host(name), rdtype, checking_disabled)
        return self._memo.get(key, lambda: self.resolver.query(name, rdtype, checking_disabled))

    def zone_of(self, name: str) -> Optional[str]:
        """The zone `name` belongs to: the closest enclosing name that owns an SOA record.

        The SOA of every enclosing name is asked at once, so finding the zone costs one round trip. Zone cuts
        are structure, not trust: they are asked without validation, so a bogus zone is still found.
        """
        labels = normalize_host(name).split(".")
        candidates = [".".join(labels[start:]) for start in range(len(labels))]
        answers = parallel_map(lambda candidate: self.query(candidate, "SOA", checking_disabled=True), candidates)
        for candidate, lookup in zip(candidates, answers):
            if lookup.failed:
                return None
            if lookup.found and normalize_host(lookup.canonical_name) == candidate:
                return candidate
        return None

    def mx(self) -> Lookup:
        return self.query(self.domain, "MX")

    def mx_hosts(self) -> List[MxHost]:
        """The MX hosts by preference, without a null MX (`MX 0 .`)."""
        lookup = self.mx()
        hosts = [MxHost(record.preference, normalize_host(record.exchange.to_text()))
                 for record in lookup.records if record.exchange.to_text() != "."]
        return sorted(hosts, key=lambda host: (host.preference, host.name))

    def addresses(self, host: str) -> HostAddresses:
        def look_up() -> HostAddresses:
            ipv4, ipv6 = parallel_map(lambda rdtype: self.query(host, rdtype), ["A", "AAAA"])
            return HostAddresses(normalize_host(host), ipv4, ipv6)

        return self._memo.get(("addresses", normalize_host(host)), look_up)

    def mx_addresses(self) -> List[HostAddresses]:
        return parallel_map(self.addresses, [host.name for host in self.mx_hosts()])

    def mx_endpoints(self) -> List[Tuple[str, str]]:
        """Every (MX host, address) pair a sender may connect to."""
        return [(entry.host, address) for entry in self.mx_addresses() for address in entry.addresses]

    def for_each_endpoint(self, function: Callable[[str, str], R]) -> List[R]:
        """`function(host, address)` for every pair of `mx_endpoints()`, in that order; each MX host's pairs
        start as soon as its own addresses are known, not once every host's are."""
        def per_host(host: str) -> List[R]:
            return parallel_map(lambda address: function(host, address), self.addresses(host).addresses)

        return [result for results in parallel_map(per_host, [host.name for host in self.mx_hosts()])
                for result in results]

    def ptr(self, address: str) -> Lookup:
        return self._memo.get(("ptr", address), lambda: self.resolver.query_address(address))

    def txt(self, name: str) -> Lookup:
        return self.query(name, "TXT")

    def tlsa(self, host: str, port: int = 25) -> Lookup:
        return self.query(f"_{port}._tcp.{normalize_host(host)}", "TLSA")

    def smtp(self, host: str, address: str) -> SmtpSession:
        return self._memo.get(("smtp", host, address), lambda: probe_smtp(
            host, address, self.options.ehlo_name, self.options.ca_bundle, self.options.smtp_timeout))

    def chain(self, host: str, address: str) -> PresentedChain:
        return self._memo.get(("chain", host, address), lambda: presented_chain(
            host, address, self.options.ehlo_name, self.options.smtp_timeout))

    @property
    def policy_host(self) -> str:
        return f"mta-sts.{self.domain}"

    def policy_fetches(self) -> List[HttpsFetch]:
        """The policy as fetched from every address of `mta-sts.<domain>`."""
        def fetch_all() -> List[HttpsFetch]:
            addresses = self.addresses(self.policy_host).addresses
            return parallel_map(lambda address: fetch(
                self.policy_host, POLICY_PATH, address, self.options.ca_bundle, STS_POLICY_MAX_BYTES,
                min(self.options.https_timeout, STS_FETCH_TIMEOUT_SECONDS)), addresses)

        return self._memo.get(("policy",), fetch_all)
