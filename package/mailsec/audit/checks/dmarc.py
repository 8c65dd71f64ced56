"""`dmarc.record`, `dmarc.policy`, `dmarc.report-auth`: the domain's DMARC policy (RFC 7489, RFC 9989)."""

from typing import List

from mailsec.audit.checks.common import issue_list, judge_record, passed
from mailsec.audit.concurrency import parallel_map
from mailsec.audit.facts import DomainFacts
from mailsec.audit.maildns import FactsDns, txt_data
from mailsec.findings import Finding, Status
from mailsec.records.dmarc import (
    Authorization,
    DestinationCheck,
    Disposition,
    DmarcRecord,
    RolloutStage,
    check_report_destinations,
    discover_policy,
    policy_advice,
    select_dmarc,
)
from mailsec.records.dmarc.treewalk import walk_targets

RECORD, POLICY, REPORT_AUTH = "dmarc.record", "dmarc.policy", "dmarc.report-auth"


def check(facts: DomainFacts) -> List[Finding]:
    name = f"_dmarc.{facts.domain}"
    # The tree walks ask their names one after the other; asking them all at once first costs one round trip.
    parallel_map(facts.txt, [f"_dmarc.{target}" for target in walk_targets(facts.domain)])
    lookup = facts.txt(name)
    own = select_dmarc(txt_data(lookup))
    discovery = discover_policy(facts.domain, FactsDns(facts))
    first_step = f'Publish {name}. IN TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@{facts.domain}"'
    if discovery.record is not None and not discovery.own_record:
        absent = Finding(RECORD, Status.WARN, name,
                         f"the domain has no DMARC record of its own; the record of {discovery.policy_domain} "
                         "applies to it (its sp= or np= policy)", first_step)
    else:
        absent = Finding(RECORD, Status.FAIL, name, "no DMARC record: receivers apply no policy to forged mail",
                         first_step)
    findings = [judge_record(RECORD, name, lookup, own, "DMARC", absent, "a valid DMARC record")]
    record = discovery.record
    if record is None:
        return findings
    findings.append(_policy(name, record) if discovery.own_record else
                    _inherited(name, record, discovery.policy_domain))
    _prefetch_destinations(facts, discovery.policy_domain, record)
    destinations = check_report_destinations(discovery.policy_domain, record, FactsDns(facts))
    findings += [_destination(name, destination) for destination in destinations]
    return findings


def _inherited(name: str, record: DmarcRecord, parent: str) -> Finding:
    """The verdict for a domain without a record of its own: its parent's subdomain policy applies."""
    applied = record.effective_subdomain_policy
    tag = "sp" if record.subdomain_policy else "p"
    message = (f"the record of {parent} applies, and its policy for subdomains is {applied.value} "
               f"(`{tag}={applied.value}` at _dmarc.{parent})")
    if applied is Disposition.REJECT and not record.testing:
        return passed(POLICY, name, message)
    return Finding(POLICY, Status.WARN, name, f"{message}: mail failing DMARC is not yet refused",
                   f"Raise `sp=` at _dmarc.{parent}, or publish a record of its own at {name}, once the aggregate "
                   "reports show this domain's mail passing DMARC.")


def _prefetch_destinations(facts: DomainFacts, policy_domain: str, record: DmarcRecord) -> None:
    """Every name the report destination checks will ask, at once: each host's tree walk and, for a host
    outside the policy domain, its authorisation record."""
    names = []
    for uri in (*record.rua, *record.ruf):
        if not uri.host:
            continue
        names += [f"_dmarc.{target}" for target in walk_targets(uri.host)]
        if uri.host != policy_domain and not uri.host.endswith(f".{policy_domain}"):
            names.append(f"{policy_domain}._report._dmarc.{uri.host}")
    parallel_map(facts.txt, sorted(set(names)))


def _policy(name: str, record: DmarcRecord) -> Finding:
    advice = policy_advice(record)
    remarks = f" ({issue_list(advice.issues)})" if advice.issues else ""
    next_step = f'Next step: {name}. IN TXT "{advice.next_record}"' if advice.next_record else ""
    if advice.stage in (RolloutStage.MONITORING, RolloutStage.TESTING):
        return Finding(POLICY, Status.WARN, name,
                       f"the policy is at the {advice.stage.value} step: mail failing DMARC is not yet "
                       f"{'refused' if advice.stage == RolloutStage.TESTING else 'stopped'}{remarks}",
                       next_step + " once the aggregate reports show all of your own mail passing DMARC.")
    status = Status.PASS if advice.stage == RolloutStage.REJECT and not advice.issues else Status.WARN
    return Finding(POLICY, status, name, f"the policy is {advice.stage.value}{remarks}", next_step)


def _destination(name: str, destination: DestinationCheck) -> Finding:
    subject = f"{destination.tag}={destination.uri.uri}"
    if destination.status in (Authorization.SAME_ORGANIZATION, Authorization.AUTHORIZED):
        return passed(REPORT_AUTH, subject, destination.reason)
    if destination.status == Authorization.UNKNOWN:
        return Finding(REPORT_AUTH, Status.ERROR, subject, destination.reason, destination.fix or
                       "Make sure the name servers answer (and the resolver mailsec uses can reach them), then run "
                       "the audit again.")
    return Finding(REPORT_AUTH, Status.FAIL, subject, destination.reason, destination.fix)
