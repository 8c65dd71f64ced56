"""DNS lookups through dnspython, as typed outcomes that never raise for DNS trouble.

Every lookup asks with the DO bit (DNSSEC records wanted) and the AD bit, so that a validating resolver
(Unbound on the NAS or in the tests) tells us whether the answer is DNSSEC-secure. A timeout, SERVFAIL
or malformed answer becomes a `Lookup` with its reason, so that a check reports "could not tell" rather
than "no such record" (RFC 7672 §2.1.1: a TLSA lookup failure is never "no DANE").

The resolver is shared by the concurrent checks of one audit; dnspython's resolver and cache are
thread-safe.
"""

from dataclasses import dataclass
from enum import Enum
from typing import List, Optional, Sequence, Tuple

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.reversename

from mailsec.nameservers import Nameserver

DEFAULT_TIMEOUT = 3.0  # per server and try
DEFAULT_LIFETIME = 8.0  # per lookup, retries included
EDNS_PAYLOAD = 1232  # the DNS flag day 2020 size; larger answers come over TCP


class Outcome(str, Enum):
    ANSWER = "answer"  # records of the asked type exist
    NXDOMAIN = "nxdomain"  # the name does not exist
    NODATA = "nodata"  # the name exists, without records of this type
    SERVFAIL = "servfail"  # the resolver failed (for a validating resolver: often DNSSEC-bogus)
    TIMEOUT = "timeout"
    ERROR = "error"  # refused, malformed, unreachable, invalid name


@dataclass(frozen=True)
class Lookup:
    """The outcome of one query, with what a check needs to judge it."""

    name: str
    rdtype: str
    outcome: Outcome
    records: Tuple[dns.rdata.Rdata, ...] = ()
    secure: bool = False  # the resolver set AD: every RRset in the answer validated
    signed: bool = False  # RRSIGs came with the answer (or with the denial of existence)
    canonical_name: str = ""  # the name the records belong to after following CNAMEs
    ttl: int = 0
    reason: str = ""  # why there is no answer, in words

    @property
    def found(self) -> bool:
        return self.outcome == Outcome.ANSWER

    @property
    def absent(self) -> bool:
        """The DNS answered that there is no such record (as opposed to failing to answer)."""
        return self.outcome in (Outcome.NXDOMAIN, Outcome.NODATA)

    @property
    def failed(self) -> bool:
        return self.outcome in (Outcome.SERVFAIL, Outcome.TIMEOUT, Outcome.ERROR)

    @property
    def texts(self) -> List[str]:
        """TXT records, each record's strings joined without spaces (RFC 7208 §3.3, RFC 8461 §3.1)."""
        return [b"".join(record.strings).decode("utf-8", "replace") for record in self.records
                if hasattr(record, "strings")]

    def describe(self) -> str:
        """`TXT _mta-sts.example.nl: timed out` and the like, for messages."""
        return f"{self.rdtype} {self.name}: {self.reason or self.outcome.value}"


class DnsResolver:
    """Queries one set of name servers (or the system's) and classifies every outcome."""

    def __init__(
        self,
        nameservers: Sequence[Nameserver] = (),
        timeout: float = DEFAULT_TIMEOUT,
        lifetime: float = DEFAULT_LIFETIME,
    ) -> None:
        self._servers = [str(server) for server in nameservers] or ["the system resolver"]
        self._resolver = _make_resolver(nameservers, timeout, lifetime, dns.flags.RD | dns.flags.AD)
        # dnspython applies a resolver's flags to all its queries, so unvalidated queries get their own.
        self._unchecked = _make_resolver(nameservers, timeout, lifetime, dns.flags.RD | dns.flags.CD)

    @property
    def servers(self) -> List[str]:
        """The servers asked, as the owner wrote them (for messages)."""
        return list(self._servers)

    def query(self, name: str, rdtype: str, checking_disabled: bool = False) -> Lookup:
        """Look up `rdtype` records of `name`; with `checking_disabled` the resolver skips DNSSEC validation."""
        try:
            qname = dns.name.from_text(name)
        except dns.exception.DNSException as exc:
            return Lookup(name, rdtype, Outcome.ERROR, reason=f"not a valid DNS name ({exc})")
        try:
            resolver = self._unchecked if checking_disabled else self._resolver
            answer = resolver.resolve(qname, rdtype, raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN as exc:
            response = exc.responses().get(qname)
            return self._negative(name, rdtype, Outcome.NXDOMAIN, response, "the name does not exist")
        except dns.resolver.LifetimeTimeout:
            return Lookup(name, rdtype, Outcome.TIMEOUT, reason=f"no answer within {self._resolver.lifetime:g} s "
                          f"from {', '.join(self.servers)}")
        except dns.resolver.NoNameservers as exc:
            return _server_failure(name, rdtype, exc)
        except dns.exception.DNSException as exc:
            return Lookup(name, rdtype, Outcome.ERROR, reason=f"{type(exc).__name__}: {exc}")
        response = answer.response
        if answer.rrset is None:
            return self._negative(name, rdtype, Outcome.NODATA, response, f"no {rdtype} record")
        return Lookup(
            name=name,
            rdtype=rdtype,
            outcome=Outcome.ANSWER,
            records=tuple(answer.rrset),
            secure=bool(response.flags & dns.flags.AD),
            signed=_has_signature(response, answer.rrset.name, answer.rrset.rdtype),
            canonical_name=answer.canonical_name.to_text(),
            ttl=answer.rrset.ttl,
        )

    def query_address(self, ip: str) -> Lookup:
        """The PTR records of an IPv4 or IPv6 address."""
        try:
            name = dns.reversename.from_address(ip).to_text()
        except (ValueError, dns.exception.SyntaxError):
            return Lookup(ip, "PTR", Outcome.ERROR, reason=f"{ip!r} is not an IP address")
        return self.query(name, "PTR")

    def _negative(
        self, name: str, rdtype: str, outcome: Outcome, response: Optional[dns.message.Message], reason: str
    ) -> Lookup:
        secure = bool(response is not None and response.flags & dns.flags.AD)
        signed = response is not None and any(rrset.rdtype == dns.rdatatype.RRSIG for rrset in response.authority)
        return Lookup(name, rdtype, outcome, secure=secure, signed=signed, reason=reason)


def _make_resolver(
    nameservers: Sequence[Nameserver], timeout: float, lifetime: float, flags: int
) -> dns.resolver.Resolver:
    resolver = dns.resolver.Resolver(configure=not nameservers)
    if nameservers:
        resolver.nameservers = [dns.nameserver.Do53Nameserver(ns.address, ns.port) for ns in nameservers]
    resolver.use_edns(0, dns.flags.DO, EDNS_PAYLOAD)
    resolver.flags = flags
    resolver.timeout = timeout
    resolver.lifetime = lifetime
    resolver.cache = dns.resolver.LRUCache()
    return resolver


def _has_signature(response: dns.message.Message, owner: dns.name.Name, rdtype: int) -> bool:
    try:
        response.find_rrset(response.answer, owner, dns.rdataclass.IN, dns.rdatatype.RRSIG, rdtype)
    except KeyError:
        return False
    return True


def _server_failure(name: str, rdtype: str, exc: dns.resolver.NoNameservers) -> Lookup:
    """Every server failed: SERVFAIL when one said so, otherwise the first error in words."""
    reasons: List[str] = []
    outcome = Outcome.ERROR
    # dnspython 2.6 records (server, tcp, port, error, response); error is the rcode's text when a response came.
    for nameserver, tcp, port, error, response in exc.kwargs.get("errors", []):
        server = _server_text(nameserver, port) + (" over TCP" if tcp else "")
        rcode = response.rcode() if isinstance(response, dns.message.Message) else dns.rcode.NOERROR
        if rcode != dns.rcode.NOERROR:
            if rcode == dns.rcode.SERVFAIL:
                outcome = Outcome.SERVFAIL
            reason = f"{server} answered {dns.rcode.to_text(rcode)}"
        elif isinstance(error, dns.message.Truncated):
            reason = f"{server} sent a truncated answer (too large for UDP)"
        elif isinstance(error, OSError) and error.strerror:
            reason = f"{server}: {error.strerror.lower()}"
        else:
            reason = f"{server}: {error or type(error).__name__}"
        if reason not in reasons:
            reasons.append(reason)
    return Lookup(name, rdtype, outcome, reason="; ".join(reasons) or str(exc))


def _server_text(nameserver: Optional[str], port: int) -> str:
    """`192.0.2.53` or `192.0.2.53:5353`, as the owner writes it (dnspython says `Do53:192.0.2.53@53`)."""
    text = str(nameserver)
    if text.startswith("Do53:"):
        text = text[len("Do53:"):].rpartition("@")[0]
    return str(Nameserver(text, port)) if text else str(nameserver)
