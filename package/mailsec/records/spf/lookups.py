"""The static DNS-lookup count of an SPF record tree (RFC 7208 §4.6.4), term by term.

Receivers stop at the 11th DNS-querying term (`include`, `a`, `mx`, `ptr`, `exists`, `redirect`; not
`ip4`, `ip6`, `all`, `exp`) and at the 3rd that finds nothing. Which terms a receiver reaches depends on
the sending address, so an owner needs the count over everything reachable: every include and redirect
followed, terms after `all` and a `redirect` silenced by `all` left out (receivers never get there), and
the A/AAAA lookups of MX hosts not counted (they fall under the separate 10-names-per-`mx` cap).

The result is a tree so the audit can show what each include costs. Includes whose target depends on
the sender (macros other than `%{d}`) cannot be followed without a message; they are counted as one
lookup and said so. A DNS failure marks the count incomplete, and the failure is named.
"""

import ipaddress
from dataclasses import dataclass
from typing import List, Optional, Tuple

from mailsec.limits import SPF_DNS_LOOKUP_LIMIT, SPF_MX_NAME_LIMIT, SPF_VOID_LOOKUP_LIMIT
from mailsec.records.issues import IssueLog, RecordIssue, Severity
from mailsec.records.lookup import MailDns
from mailsec.records.spf.fetch import SpfVerdict, fetch_spf
from mailsec.records.spf.macro import MacroContext, MacroString, expand
from mailsec.records.spf.record import DNS_KINDS, Kind, SpfRecord

STATIC_RECORD_LIMIT = 50  # records fetched at most, against hostile trees that include the same names over and over
_NOWHERE = ipaddress.IPv4Address(0)


@dataclass(frozen=True)
class TermCost:
    """One DNS-querying term: its own lookup, whether that found nothing, and the tree it leads to."""

    term: str
    domain: str  # the record the term is in
    void: bool = False
    subtree: Optional["SpfTree"] = None
    note: str = ""

    @property
    def total(self) -> int:
        """This term's lookup plus everything below it."""
        return 1 + (self.subtree.total if self.subtree else 0)


@dataclass(frozen=True)
class SpfTree:
    """The record at `domain` and its costly terms, or why there is no usable record (`verdict`)."""

    domain: str
    terms: Tuple[TermCost, ...] = ()
    verdict: Optional[SpfVerdict] = None
    reason: str = ""

    @property
    def total(self) -> int:
        return sum(term.total for term in self.terms)

    @property
    def void_lookups(self) -> int:
        return sum(int(term.void) + (term.subtree.void_lookups if term.subtree else 0) for term in self.terms)


@dataclass(frozen=True)
class LookupCount:
    tree: SpfTree
    issues: Tuple[RecordIssue, ...]
    complete: bool  # False when a DNS failure or the record limit left part of the tree unseen

    @property
    def total(self) -> int:
        return self.tree.total

    @property
    def void_lookups(self) -> int:
        return self.tree.void_lookups


def count_lookups(domain: str, dns: MailDns) -> LookupCount:
    """Count the DNS-querying terms of the SPF record tree of `domain` and judge them against the limits."""
    counter = _Counter(dns)
    tree = counter.walk(domain.rstrip("."), ())
    _judge(tree, counter.problems)
    return LookupCount(tree, counter.problems.freeze(), counter.complete)


class _Counter:
    def __init__(self, dns: MailDns) -> None:
        self.dns = dns
        self.problems = IssueLog()
        self.complete = True
        self.fetched = 0

    def walk(self, domain: str, path: Tuple[str, ...]) -> SpfTree:
        if self.fetched >= STATIC_RECORD_LIMIT:
            self._incomplete(f"stopped after {STATIC_RECORD_LIMIT} records; {domain} and below were not counted")
            return SpfTree(domain, reason="not followed: too many records")
        self.fetched += 1
        fetched = fetch_spf(self.dns, domain)
        if fetched.verdict is not SpfVerdict.NONE:  # an absent record is judged by the term that needs it
            self.problems.extend(issue.within(f"SPF of {domain}") for issue in fetched.issues
                                 if issue.severity is not Severity.INFO)
        if fetched.verdict is SpfVerdict.TEMPERROR:
            self._incomplete(fetched.reason)
        if fetched.record is None:
            return SpfTree(domain, verdict=fetched.verdict, reason=fetched.reason)
        return SpfTree(domain, tuple(self._terms(fetched.record, domain, (*path, domain))))

    def _terms(self, record: SpfRecord, domain: str, path: Tuple[str, ...]) -> List[TermCost]:
        terms = []
        for mechanism in record.evaluated:
            if mechanism.kind not in DNS_KINDS:
                continue
            target = _static_target(mechanism.domain, domain)
            if mechanism.kind is Kind.INCLUDE:
                terms.append(self._follow(mechanism.text, domain, target, path))
            elif mechanism.kind is Kind.PTR or target is None:
                terms.append(TermCost(mechanism.text, domain, note="depends on the sending address"))
            else:
                terms.append(TermCost(mechanism.text, domain, void=self._probe(mechanism.kind, target, mechanism.text)))
        redirect = record.effective_redirect
        if redirect is not None:
            terms.append(self._follow(redirect.text, domain, _static_target(redirect.value, domain), path))
        return terms

    def _follow(self, term: str, domain: str, target: Optional[str], path: Tuple[str, ...]) -> TermCost:
        if target is None:
            return TermCost(term, domain, note="the target depends on the sender; not followed")
        if target.lower() in (name.lower() for name in path):
            self.problems.error(
                f"in the SPF of {domain}: this leads back to {target}, a loop; receivers run into the lookup "
                "limit and return permerror. Remove the include",
                term,
            )
            return TermCost(term, domain, note="loop")
        subtree = self.walk(target, path)
        if subtree.verdict is SpfVerdict.NONE:
            self.problems.error(
                f"in the SPF of {domain}: {subtree.reason}; receivers return permerror for an include or "
                "redirect of a domain without SPF (RFC 7208 §5.2, §6.1). Fix the name or remove the term",
                term,
            )
        return TermCost(term, domain, subtree=subtree)

    def _probe(self, kind: Kind, target: str, term: str) -> bool:
        """Look up what the term would look up; True when it finds nothing (a void lookup)."""
        answers = [self.dns.mx(target)] if kind is Kind.MX else [self.dns.a(target)]
        if kind is Kind.A:
            answers.append(self.dns.aaaa(target))
        failed = [answer for answer in answers if answer.failed]
        if failed:
            self._incomplete(f"`{term}`: {failed[0].reason}")
            return False
        if kind is Kind.MX and len(answers[0].records) > SPF_MX_NAME_LIMIT:
            self.problems.error(
                f"{target} has {len(answers[0].records)} MX names; receivers return permerror for an `mx` with "
                f"more than {SPF_MX_NAME_LIMIT}. List the servers with `ip4:`/`ip6:` instead",
                term,
            )
        return all(answer.void for answer in answers)

    def _incomplete(self, reason: str) -> None:
        self.complete = False
        self.problems.error(f"could not count everything: {reason}")


def _static_target(spec: Optional[MacroString], domain: str) -> Optional[str]:
    """The name a term looks up, when it does not depend on the sender or the client (only `%{d}`)."""
    if spec is None:
        return domain
    if set(spec.letters) - {"d"}:
        return None
    return expand(spec, MacroContext(f"postmaster@{domain}", domain, _NOWHERE)).rstrip(".")


def _judge(tree: SpfTree, problems: IssueLog) -> None:
    total, void = tree.total, tree.void_lookups
    costly = sorted((term for term in tree.terms if term.total > 1), key=lambda term: -term.total)
    detail = "; ".join(f"`{term.term}` costs {term.total}" for term in costly[:3])
    detail = f" ({detail})" if detail else ""
    if total > SPF_DNS_LOOKUP_LIMIT:
        problems.error(
            f"the record needs {total} DNS lookups{detail}; receivers return permerror after "
            f"{SPF_DNS_LOOKUP_LIMIT}. Replace includes with the `ip4:`/`ip6:` ranges they stand for, or drop "
            "services you no longer use"
        )
    elif total >= SPF_DNS_LOOKUP_LIMIT - 1:
        problems.warning(
            f"the record needs {total} of the {SPF_DNS_LOOKUP_LIMIT} DNS lookups receivers allow{detail}; one more "
            "include and SPF fails"
        )
    if void > SPF_VOID_LOOKUP_LIMIT:
        problems.error(
            f"{void} terms look up names that do not exist or have no records; receivers return permerror after "
            f"{SPF_VOID_LOOKUP_LIMIT}. Remove the terms for names that are gone"
        )
