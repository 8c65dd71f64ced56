"""check_host() (RFC 7208 §4-§6): is this IP address permitted to send mail for this domain?

The audit asks it for every MX address ("may my mail servers send as my domain?"), so it follows the
RFC's evaluation exactly, with DNS passed in:

* mechanisms are tried in order and the first match decides, through its qualifier;
* each `include`, `a`, `mx`, `ptr`, `exists` and `redirect` costs one of at most 10 lookups, counted
  lazily as evaluation reaches them (a record over the limit still passes if an earlier term matches);
  at most 2 of them may come back empty (void lookups); an `mx` with more than 10 names is a permerror;
* `include` of a domain without SPF and `redirect` to one are permerrors, not "none";
* a DNS failure in a lookup the result depends on is a temperror that carries its reason.

`ptr` and the `p` macro use at most 10 PTR names and keep only those whose A/AAAA records lead back to
the address (§5.5). `exp=` is not evaluated: it only words a rejection.
"""

import ipaddress
from dataclasses import dataclass
from typing import List, Optional, Tuple

from mailsec.limits import (
    DNS_NAME_MAX_LEN,
    SPF_DNS_LOOKUP_LIMIT,
    SPF_MX_NAME_LIMIT,
    SPF_PTR_NAME_LIMIT,
    SPF_VOID_LOOKUP_LIMIT,
)
from mailsec.records.lookup import DnsAnswer, MailDns
from mailsec.records.spf.fetch import SpfVerdict, fetch_spf
from mailsec.records.spf.macro import IpAddress, MacroContext, MacroString, expand
from mailsec.records.spf.record import Kind, Mechanism, Qualifier, name_problem

_BY_QUALIFIER = {
    Qualifier.PASS: SpfVerdict.PASS,
    Qualifier.FAIL: SpfVerdict.FAIL,
    Qualifier.SOFTFAIL: SpfVerdict.SOFTFAIL,
    Qualifier.NEUTRAL: SpfVerdict.NEUTRAL,
}


@dataclass(frozen=True)
class SpfResult:
    """The verdict and why: which record decided (`domain`) and, on a match, which term (`mechanism`)."""

    verdict: SpfVerdict
    reason: str
    domain: str = ""
    mechanism: Optional[str] = None
    lookups: int = 0
    void_lookups: int = 0


class _Stop(Exception):
    """Ends the whole evaluation with permerror or temperror."""

    def __init__(self, verdict: SpfVerdict, reason: str, domain: str) -> None:
        super().__init__(reason)
        self.verdict, self.reason, self.domain = verdict, reason, domain


def check_host(ip: str, domain: str, sender: str, dns: MailDns, *, helo: str = "") -> SpfResult:
    """Evaluate the SPF policy of `domain` for a client at `ip` using `sender` (RFC 7208 §4).

    `sender` is the MAIL FROM address, or a bare domain for a HELO check (the local part then is
    `postmaster`). `ip` is an IPv4 or IPv6 address; an IPv4-mapped IPv6 address is checked as IPv4.
    Raises ValueError only for an `ip` that is not an address.
    """
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if "@" not in sender:
        sender = f"postmaster@{sender}"
    elif sender.startswith("@"):
        sender = "postmaster" + sender
    evaluation = _Evaluation(dns, address, sender, helo)
    try:
        result = evaluation.check(domain.rstrip("."))
    except _Stop as stop:
        result = SpfResult(stop.verdict, stop.reason, stop.domain)
    return SpfResult(
        result.verdict, result.reason, result.domain, result.mechanism, evaluation.lookups, evaluation.void_lookups
    )


class _Evaluation:
    """The state of one check_host() call across includes and redirects: the two lookup counters."""

    def __init__(self, dns: MailDns, ip: IpAddress, sender: str, helo: str) -> None:
        self.dns, self.ip, self.sender, self.helo = dns, ip, sender, helo
        self.lookups = 0
        self.void_lookups = 0
        self._validated: Optional[List[str]] = None

    def check(self, domain: str) -> SpfResult:
        fetched = fetch_spf(self.dns, domain)
        if fetched.verdict in (SpfVerdict.PERMERROR, SpfVerdict.TEMPERROR):
            raise _Stop(fetched.verdict, fetched.reason, domain)
        if fetched.record is None:
            return SpfResult(SpfVerdict.NONE, fetched.reason, domain)
        context = MacroContext(self.sender, domain, self.ip, self.helo, lambda: self._validated_name(domain))
        for mechanism in fetched.record.evaluated:
            if self._matches(mechanism, context, domain):
                verdict = _BY_QUALIFIER[mechanism.qualifier]
                reason = f"`{mechanism.text}` in the SPF record of {domain} matched {self.ip}: {verdict.value}"
                return SpfResult(verdict, reason, domain, mechanism.text)
        redirect = fetched.record.effective_redirect
        if redirect is None:
            return SpfResult(SpfVerdict.NEUTRAL, f"no term of the SPF record of {domain} matched {self.ip}", domain)
        self._count(redirect.text, domain)
        target = self._target(redirect.value, context)
        result = self.check(target)
        if result.verdict is SpfVerdict.NONE:
            raise _Stop(SpfVerdict.PERMERROR, f"`{redirect.text}` in {domain}: {result.reason}", domain)
        return result

    def _matches(self, mechanism: Mechanism, context: MacroContext, domain: str) -> bool:
        kind = mechanism.kind
        if kind is Kind.ALL:
            return True
        if kind in (Kind.IP4, Kind.IP6):
            return mechanism.network is not None and self.ip.version == mechanism.network.version \
                and self.ip in mechanism.network
        self._count(mechanism.text, domain)
        target = self._target(mechanism.domain, context) if mechanism.domain else domain
        if kind is Kind.INCLUDE:
            return self._include(mechanism, target, domain)
        if name_problem(target):
            return False
        if kind is Kind.A:
            return self._in_addresses(self._addresses(target, mechanism, domain), mechanism)
        if kind is Kind.MX:
            return self._mx(target, mechanism, domain)
        if kind is Kind.PTR:
            return any(_within(name, target) for name in self._validated_names())
        answer = self._checked(self.dns.a(target), mechanism, domain)  # exists: an A query, even for IPv6
        return bool(answer.records)

    def _include(self, mechanism: Mechanism, target: str, domain: str) -> bool:
        result = self.check(target)
        if result.verdict is SpfVerdict.NONE:
            raise _Stop(
                SpfVerdict.PERMERROR,
                f"`{mechanism.text}` in {domain}: {result.reason}; an include of a domain without SPF is a "
                "permerror (RFC 7208 §5.2)",
                domain,
            )
        return result.verdict is SpfVerdict.PASS

    def _mx(self, target: str, mechanism: Mechanism, domain: str) -> bool:
        answer = self._checked(self.dns.mx(target), mechanism, domain)
        if len(answer.records) > SPF_MX_NAME_LIMIT:
            raise _Stop(
                SpfVerdict.PERMERROR,
                f"`{mechanism.text}` in {domain}: {target} has {len(answer.records)} MX names; more than "
                f"{SPF_MX_NAME_LIMIT} is a permerror (RFC 7208 §4.6.4)",
                domain,
            )
        hosts = [record.exchange.rstrip(".") for record in answer.records if record.exchange.rstrip(".")]
        return any(self._in_addresses(self._addresses(host, mechanism, domain, void=False), mechanism)
                   for host in hosts)

    def _addresses(self, name: str, mechanism: Mechanism, domain: str, void: bool = True) -> Tuple[str, ...]:
        lookup = self.dns.a if self.ip.version == 4 else self.dns.aaaa
        return self._checked(lookup(name), mechanism, domain, void).records

    def _in_addresses(self, addresses: Tuple[str, ...], mechanism: Mechanism) -> bool:
        prefix = mechanism.prefix4 if self.ip.version == 4 else mechanism.prefix6
        for text in addresses:
            try:
                network = ipaddress.ip_network((ipaddress.ip_address(text), prefix), strict=False)
            except ValueError:
                continue
            if self.ip.version == network.version and self.ip in network:
                return True
        return False

    def _checked(self, answer: DnsAnswer, mechanism: Mechanism, domain: str, void: bool = True) -> DnsAnswer:
        if answer.failed:
            raise _Stop(SpfVerdict.TEMPERROR, f"`{mechanism.text}` in {domain}: {answer.reason}", domain)
        if answer.void and void:
            self.void_lookups += 1
            if self.void_lookups > SPF_VOID_LOOKUP_LIMIT:
                raise _Stop(
                    SpfVerdict.PERMERROR,
                    f"`{mechanism.text}` in {domain} is lookup number {self.void_lookups} that found nothing; "
                    f"more than {SPF_VOID_LOOKUP_LIMIT} is a permerror (RFC 7208 §4.6.4)",
                    domain,
                )
        return answer

    def _count(self, term: str, domain: str) -> None:
        self.lookups += 1
        if self.lookups > SPF_DNS_LOOKUP_LIMIT:
            raise _Stop(
                SpfVerdict.PERMERROR,
                f"`{term}` in {domain} needs DNS lookup number {self.lookups}; more than {SPF_DNS_LOOKUP_LIMIT} "
                "is a permerror (RFC 7208 §4.6.4)",
                domain,
            )

    def _target(self, spec: Optional[MacroString], context: MacroContext) -> str:
        name = expand(spec, context).rstrip(".") if spec is not None else context.domain
        while len(name) > DNS_NAME_MAX_LEN and "." in name:  # §7.3: drop labels from the left to fit
            name = name.split(".", 1)[1]
        return name

    def _validated_names(self) -> List[str]:
        """The client's PTR names that resolve back to it (§5.5), looked up once per evaluation."""
        if self._validated is None:
            answer = self.dns.ptr(str(self.ip))
            names = [name.rstrip(".") for name in answer.records[:SPF_PTR_NAME_LIMIT]] if not answer.failed else []
            lookup = self.dns.a if self.ip.version == 4 else self.dns.aaaa
            self._validated = [name for name in names if str(self.ip) in _addresses_of(lookup(name))]
        return self._validated

    def _validated_name(self, domain: str) -> str:
        """The `p` macro: a validated name equal to or under `domain` if there is one (§7.3)."""
        names = self._validated_names()
        preferred = [name for name in names if _within(name, domain)]
        return (preferred or names or ["unknown"])[0]


def _addresses_of(answer: DnsAnswer) -> List[str]:
    """The addresses of an answer in canonical text form (a failed or empty answer has none)."""
    found = []
    for text in answer.records:
        try:
            found.append(str(ipaddress.ip_address(text)))
        except ValueError:
            continue
    return found


def _within(name: str, domain: str) -> bool:
    name, domain = name.lower().rstrip("."), domain.lower().rstrip(".")
    return name == domain or name.endswith("." + domain)
