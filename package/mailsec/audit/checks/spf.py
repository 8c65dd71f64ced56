"""`spf.record`, `spf.lookups`, `spf.mail-hosts`: the domain's SPF policy (RFC 7208)."""

from typing import List

from mailsec.audit.checks.common import issue_list, judge_record, passed
from mailsec.audit.concurrency import parallel_map
from mailsec.audit.facts import DomainFacts
from mailsec.audit.maildns import FactsDns, txt_data
from mailsec.findings import Finding, Status
from mailsec.limits import SPF_DNS_LOOKUP_LIMIT, SPF_VOID_LOOKUP_LIMIT
from mailsec.records.spf import SpfVerdict, check_host, count_lookups, select_spf

RECORD, LOOKUPS, MAIL_HOSTS = "spf.record", "spf.lookups", "spf.mail-hosts"
PLUS_ALL = "spf.plus-all"


def check(facts: DomainFacts) -> List[Finding]:
    lookup = facts.txt(facts.domain)
    parsed = select_spf(txt_data(lookup), domain=facts.domain)
    findings = [_record(facts, lookup, parsed)]
    if parsed.valid:
        findings.append(_lookups(facts))
        findings += parallel_map(lambda address: _mail_host(facts, address),
                                 sorted({address for _, address in facts.mx_endpoints()}))
    return findings


def _record(facts: DomainFacts, lookup, parsed) -> Finding:
    domain = facts.domain
    if parsed.has(PLUS_ALL):
        return Finding(RECORD, Status.FAIL, domain, "the SPF record ends in +all: it permits every server on the "
                       "internet to send as this domain", f'Publish {domain}. IN TXT "v=spf1 mx ~all"')
    absent = Finding(RECORD, Status.FAIL, domain,
                     "no SPF record: receivers cannot tell which servers may send for the domain",
                     f'Publish {domain}. IN TXT "v=spf1 mx ~all" (add your provider\'s relay if mail goes out '
                     "through it)")
    return judge_record(RECORD, domain, lookup, parsed, "SPF", absent, "a valid SPF record")


def _lookups(facts: DomainFacts) -> Finding:
    counted = count_lookups(facts.domain, FactsDns(facts))
    domain = facts.domain
    costs = ", ".join(f"{term.term} {term.total}" for term in counted.tree.terms)
    summary = f"{counted.total} of {SPF_DNS_LOOKUP_LIMIT} DNS lookups ({costs or 'none'}), " \
              f"{counted.void_lookups} void"
    fix = "Replace include: chains by ip4:/ip6: ranges, or drop senders you no longer use."
    if counted.total > SPF_DNS_LOOKUP_LIMIT or counted.void_lookups > SPF_VOID_LOOKUP_LIMIT:
        return Finding(LOOKUPS, Status.FAIL, domain, f"{summary}: over the limit, so receivers return permerror "
                       "and treat the domain as having no usable SPF", fix)
    if not counted.complete:
        return Finding(LOOKUPS, Status.ERROR, domain,
                       f"{summary} so far; part of the tree could not be read: {issue_list(counted.issues)}", "")
    if counted.total >= SPF_DNS_LOOKUP_LIMIT - 1:
        return Finding(LOOKUPS, Status.WARN, domain, f"{summary}: at the edge of the limit", fix)
    return passed(LOOKUPS, domain, summary)


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
