"""`spf.record`, `spf.lookups`, `spf.mail-hosts`: the domain's SPF policy (RFC 7208)."""

from typing import List, Optional, Set, Tuple

from mailsec.audit.checks.common import issue_list, judge_record, passed
from mailsec.audit.concurrency import parallel_map
from mailsec.audit.facts import DomainFacts
from mailsec.audit.maildns import FactsDns, txt_data
from mailsec.findings import Finding, Status
from mailsec.limits import SPF_DNS_LOOKUP_LIMIT, SPF_VOID_LOOKUP_LIMIT
from mailsec.names import normalize_host
from mailsec.records.dmarc import select_dmarc
from mailsec.records.issues import Parsed, Severity
from mailsec.records.spf import (
    Kind,
    Qualifier,
    SpfRecord,
    SpfTree,
    SpfVerdict,
    check_host,
    count_lookups,
    select_spf,
)
from mailsec.records.spf.macro import MacroString
from mailsec.resolver import Lookup

RECORD, LOOKUPS, MAIL_HOSTS = "spf.record", "spf.lookups", "spf.mail-hosts"
PLUS_ALL = "spf.plus-all"


def check(facts: DomainFacts) -> List[Finding]:
    lookup = facts.txt(facts.domain)
    parsed = select_spf(txt_data(lookup), domain=facts.domain)
    if not parsed.valid:
        return [_record(facts, lookup, parsed)]
    _prefetch_tree(facts, parsed.record)
    addresses = sorted({address for _, address in facts.mx_endpoints()})
    jobs = [lambda: _record(facts, lookup, parsed), lambda: _lookups(facts),
            *(lambda address=address: _mail_host(facts, address) for address in addresses)]
    return parallel_map(lambda job: job(), jobs)


def _record(facts: DomainFacts, lookup: Lookup, parsed: Parsed[SpfRecord]) -> Finding:
    domain = facts.domain
    if parsed.has(PLUS_ALL):
        return Finding(RECORD, Status.FAIL, domain, "the SPF record ends in +all: it permits every server on the "
                       "internet to send as this domain", f'Publish {domain}. IN TXT "v=spf1 mx ~all"')
    absent = Finding(RECORD, Status.FAIL, domain,
                     "no SPF record: receivers cannot tell which servers may send for the domain",
                     f'Publish {domain}. IN TXT "v=spf1 mx ~all" (add your provider\'s relay if mail goes out '
                     "through it)")
    verdict = judge_record(RECORD, domain, lookup, parsed, "SPF", absent, "a valid SPF record")
    record = parsed.record
    if verdict.status != Status.PASS or record is None or not _ends_in_hard_fail(record) or not _has_dmarc(facts):
        return verdict
    softer = record.text[: record.text.rindex(record.evaluated[-1].text)] + "~all"
    return Finding(RECORD, Status.WARN, domain,
                   "a valid SPF record ending in -all: with DMARC in place, receivers that check SPF first may "
                   "reject mail failing SPF outright, forwarded mail that DKIM would have passed included, and "
                   "such rejections never show in your DMARC reports (RFC 9989 §7.1)",
                   f'Let DMARC decide: publish {domain}. IN TXT "{softer}"')


def _ends_in_hard_fail(record: SpfRecord) -> bool:
    last = record.evaluated[-1] if record.evaluated else None
    return last is not None and last.kind is Kind.ALL and last.qualifier is Qualifier.FAIL


def _has_dmarc(facts: DomainFacts) -> bool:
    return select_dmarc(txt_data(facts.txt(f"_dmarc.{facts.domain}"))).record is not None


def _prefetch_tree(facts: DomainFacts, record: Optional[SpfRecord]) -> None:
    """Look up the whole include/redirect tree a level at a time, every name of a level at once.

    Counting and evaluating walk the tree term by term, one lookup after the other; with the answers
    already in the audit's memo that walk costs no round trips, and the tree costs one per level.
    """
    level = [(facts.domain, record)] if record else []
    seen = {facts.domain}
    for _ in range(_PREFETCH_DEPTH):
        queries: Set[Tuple[str, str]] = set()
        includes: List[str] = []
        for domain, current in level:
            for kind, target in _targets(current, domain):
                queries.update((target, rdtype) for rdtype in _PREFETCHED[kind])
                if kind is Kind.INCLUDE and target not in seen:
                    seen.add(target)
                    includes.append(target)
        parallel_map(lambda query: facts.query(*query), sorted(queries))
        level = [(name, found) for name in includes
                 for found in [select_spf(txt_data(facts.txt(name)), domain=name).record] if found is not None]
        if not level:
            return


_PREFETCH_DEPTH = 10  # deeper trees break the lookup limit anyway
_PREFETCHED = {Kind.INCLUDE: ("TXT",), Kind.A: ("A", "AAAA"), Kind.MX: ("MX",), Kind.EXISTS: ("A",)}


def _targets(record: SpfRecord, domain: str) -> List[Tuple[Kind, str]]:
    """The names the record's terms look up, where written out; a redirect counts as an include."""
    terms = [(term.kind, _plain_target(term.domain, domain)) for term in record.evaluated if term.kind in _PREFETCHED]
    redirect = record.effective_redirect
    if redirect is not None:
        terms.append((Kind.INCLUDE, _plain_target(redirect.value, domain)))
    return [(kind, target) for kind, target in terms if target]


def _plain_target(spec: Optional[MacroString], domain: str) -> Optional[str]:
    """The name a term looks up when it is written out (no macros), else None."""
    if spec is None:
        return domain
    return None if spec.has_macros else normalize_host(spec.text)


def _lookups(facts: DomainFacts) -> Finding:
    counted = count_lookups(facts.domain, FactsDns(facts))
    domain = facts.domain
    costs = ", ".join(f"{term.term} {term.total}" for term in counted.tree.terms)
    summary = f"{counted.total} of {SPF_DNS_LOOKUP_LIMIT} DNS lookups ({costs or 'none'}), " \
              f"{counted.void_lookups} void"
    fix = "Replace include: chains by ip4:/ip6: ranges, or drop senders you no longer use."
    if counted.total > SPF_DNS_LOOKUP_LIMIT:
        return Finding(LOOKUPS, Status.FAIL, domain, f"{summary}: over the limit of {SPF_DNS_LOOKUP_LIMIT}, so "
                       "receivers return permerror and treat the domain as having no usable SPF", fix)
    if counted.void_lookups > SPF_VOID_LOOKUP_LIMIT:
        void = ", ".join(f"`{term}`" for term in _void_terms(counted.tree))
        return Finding(LOOKUPS, Status.FAIL, domain,
                       f"{summary}: more than {SPF_VOID_LOOKUP_LIMIT} terms look up names that do not exist or have "
                       f"no records ({void}), so receivers return permerror and treat the domain as having no "
                       "usable SPF", "Remove the terms for names that are gone.")
    if not counted.complete:
        return Finding(LOOKUPS, Status.ERROR, domain,
                       f"{summary} so far; part of the tree could not be read: {issue_list(counted.issues)}", "")
    broken = [issue for issue in counted.issues if issue.severity is Severity.ERROR]
    if broken:
        return Finding(LOOKUPS, Status.FAIL, domain, f"{summary}, but the tree is broken: {issue_list(broken)}",
                       "Fix or remove the terms named.")
    if counted.total >= SPF_DNS_LOOKUP_LIMIT - 1:
        return Finding(LOOKUPS, Status.WARN, domain, f"{summary}: at the edge of the limit", fix)
    return passed(LOOKUPS, domain, summary)


def _void_terms(tree: SpfTree) -> List[str]:
    return [found for term in tree.terms
            for found in ([term.term] if term.void else []) + (_void_terms(term.subtree) if term.subtree else [])]


def _mail_host(facts: DomainFacts, address: str) -> Finding:
    result = check_host(address, facts.domain, f"postmaster@{facts.domain}", FactsDns(facts))
    subject = f"{address} (MX)"
    if result.verdict == SpfVerdict.PASS:
        return passed(MAIL_HOSTS, subject, f"SPF permits the MX address (by {result.mechanism})")
    if result.verdict == SpfVerdict.TEMPERROR:
        return _temperror(subject, result.reason)
    status = Status.FAIL if result.verdict in (SpfVerdict.FAIL, SpfVerdict.PERMERROR) else Status.WARN
    return Finding(MAIL_HOSTS, status, subject,
                   f"SPF gives {result.verdict.value} for the MX address ({result.reason}); MailPlus Server sends "
                   "from it unless it relays through a provider",
                   "Add `mx` (or `ip4:`/`ip6:` with this address) to the SPF record before the `all` term.")


def _temperror(subject: str, reason: str) -> Finding:
    return Finding(MAIL_HOSTS, Status.ERROR, subject, f"SPF could not be evaluated: {reason}",
                   "Make sure the name servers answer, then run the audit again.")
