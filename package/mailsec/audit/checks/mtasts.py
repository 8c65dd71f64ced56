"""MTA-STS (RFC 8461) as a sender applies it: the TXT record, the policy fetch, its syntax, the MX hosts
it covers, and whether the id changed along with the policy.

Finding ids: `mta-sts.txt`, `mta-sts.policy-fetch`, `mta-sts.policy-syntax`, `mta-sts.mx-coverage`,
`mta-sts.mx-certificate`, `mta-sts.id-changed`. Each fetch failure is named (redirect, status, content
type, size, TLS), because "FETCH_ERROR" teaches an owner nothing.
"""

import hashlib
from datetime import datetime
from typing import List, Optional, Tuple

from mailsec import clock
from mailsec.audit.checks.common import judge_record, lookup_failed, passed
from mailsec.audit.checks.smtp import certificate_fix, subject_of
from mailsec.audit.concurrency import parallel_map
from mailsec.audit.facts import DomainFacts
from mailsec.audit.maildns import txt_data
from mailsec.audit.report import TIME_FORMAT, PolicySighting
from mailsec.findings import Finding, Status
from mailsec.limits import STS_POLICY_MAX_BYTES
from mailsec.mtasts.matching import mx_matches
from mailsec.mtasts.policy import Mode, PolicyParse, parse_policy
from mailsec.probe.https import HttpsFetch
from mailsec.records.issues import Parsed
from mailsec.records.ststxt import StsTxtRecord, select_sts_txt
from mailsec.resolver import Lookup

TXT, FETCH, SYNTAX, COVERAGE, CERTIFICATE, ID_CHANGED = (
    "mta-sts.txt", "mta-sts.policy-fetch", "mta-sts.policy-syntax", "mta-sts.mx-coverage", "mta-sts.mx-certificate",
    "mta-sts.id-changed")
HOSTING_FIX = ("Serve the policy from Web Station: a virtual host mta-sts.{domain} whose document root is "
               "web/mta-sts, with a certificate that names mta-sts.{domain}, answering directly (no redirect).")


def check(facts: DomainFacts) -> List[Finding]:
    # The TXT record and the policy (address lookup, then HTTPS) do not depend on each other: fetch both at once.
    (lookup, record), _ = parallel_map(lambda fact: fact(), [lambda: txt_record(facts), facts.policy_fetches])
    findings = [_txt(facts, lookup, record)]
    policy_host = facts.addresses(facts.policy_host)
    if not lookup.found and not policy_host.addresses and not policy_host.failures:
        reason = "MTA-STS is not in use" if lookup.absent else \
            "the _mta-sts lookup failed, so whether MTA-STS is in use is not known"
        return [*findings, Finding(FETCH, Status.SKIP, facts.policy_host, f"{reason} (see mta-sts.txt)")]
    findings += _fetch_findings(facts)
    body = served_policy(facts)
    if body is None:
        return findings
    parsed = parse_policy(body)
    findings += [_syntax(facts, parsed), _id_changed(facts)]
    if parsed.fields.mode in (Mode.ENFORCE.value, Mode.TESTING.value):
        findings += _coverage(facts, parsed)
        findings += facts.for_each_endpoint(lambda host, address: _certificate(facts, parsed, host, address))
    return findings


def txt_record(facts: DomainFacts) -> Tuple[Lookup, Parsed[StsTxtRecord]]:
    lookup = facts.txt(f"_mta-sts.{facts.domain}")
    return lookup, select_sts_txt(txt_data(lookup))


def sighting_of(facts: DomainFacts, when: datetime) -> Optional[PolicySighting]:
    """The id and policy senders would see now, when both exist."""
    record = txt_record(facts)[1].record
    body = served_policy(facts) if record else None
    if record is None or body is None:
        return None
    return PolicySighting(record.id, hashlib.sha256(body).hexdigest(), when.strftime(TIME_FORMAT))


def served_policy(facts: DomainFacts) -> Optional[bytes]:
    """The policy body a sender would use: the first address that served it correctly."""
    good = [fetched for fetched in facts.policy_fetches() if _fetch_problem(fetched) is None]
    return good[0].body if good else None


def _txt(facts: DomainFacts, lookup: Lookup, parsed: Parsed[StsTxtRecord]) -> Finding:
    name = lookup.name
    served = served_policy(facts) if facts.addresses(facts.policy_host).addresses else None
    policy = parse_policy(served).policy if served else None
    value = f'"v=STSv1; id={policy.policy_id}"' if policy else '"v=STSv1; id=..." (mailsec policy write prints it)'
    absent = Finding(TXT, Status.WARN, name,
                     "no _mta-sts record: MTA-STS is not in use, so senders deliver even to a forged MX",
                     f"Publish the policy (mailsec policy write), then {name}. IN TXT {value}")
    record = parsed.record
    return judge_record(TXT, name, lookup, parsed, "MTA-STS", absent, f"policy id {record.id if record else ''}")


def _id_changed(facts: DomainFacts) -> Finding:
    current, previous = sighting_of(facts, clock.now()), facts.options.previous_sighting
    subject = f"_mta-sts.{facts.domain}"
    if current is None:
        return Finding(ID_CHANGED, Status.SKIP, subject, "no valid _mta-sts record and policy to compare")
    if previous is None:
        return passed(ID_CHANGED, subject, f"id {current.txt_id} and its policy recorded for the next audit")
    if previous.txt_id == current.txt_id and previous.policy_sha256 != current.policy_sha256:
        return Finding(ID_CHANGED, Status.FAIL, subject,
                       f"the policy changed since {previous.seen} but the id stayed {current.txt_id}: senders keep "
                       "their cached copy until its max_age runs out",
                       "Publish a new id in the _mta-sts TXT record (mailsec policy write prints the right one).")
    if previous.txt_id != current.txt_id:
        return passed(ID_CHANGED, subject, f"the id changed from {previous.txt_id} to {current.txt_id} since "
                                           f"{previous.seen}")
    return passed(ID_CHANGED, subject, f"the policy and its id {current.txt_id} are unchanged since {previous.seen}")


def _fetch_findings(facts: DomainFacts) -> List[Finding]:
    host_addresses = facts.addresses(facts.policy_host)
    fix = HOSTING_FIX.format(domain=facts.domain)
    if not host_addresses.addresses:
        if host_addresses.failures:
            return [lookup_failed(FETCH, facts.policy_host, host_addresses.failures[0])]
        return [Finding(FETCH, Status.FAIL, facts.policy_host,
                        f"{facts.policy_host} has no address, so senders cannot fetch the policy",
                        f"Publish mta-sts.{facts.domain}. IN CNAME {facts.domain}. (the NAS), then: {fix}")]
    findings = []
    for fetched in facts.policy_fetches():
        problem = _fetch_problem(fetched)
        subject = f"{fetched.url} via {fetched.address}"
        if problem is None:
            findings.append(passed(FETCH, subject, f"served {len(fetched.body)} bytes as {fetched.content_type}"))
        else:
            status = Status.ERROR if fetched.error and fetched.trust is None else Status.FAIL
            findings.append(Finding(FETCH, status, subject, problem, fix))
    return findings


def _fetch_problem(fetched: HttpsFetch) -> Optional[str]:
    """Why a sender would not accept this fetch (RFC 8461 §3.2, §3.3), or None."""
    if fetched.trust is not None and not fetched.trust.valid:
        return fetched.trust.describe(fetched.url.split("/")[2])
    if fetched.error:
        return f"the fetch failed: {fetched.error}"
    if fetched.status is not None and 300 <= fetched.status < 400:
        return (f"the server answers with a redirect ({fetched.status} to {fetched.location or '?'}); senders "
                "must not follow redirects (RFC 8461 §3.3)")
    if fetched.status != 200:
        return f"the server answers HTTP {fetched.status}; only 200 counts"
    media_type = fetched.content_type.split(";")[0].strip().lower()
    if media_type != "text/plain":
        return f"the Content-Type is {fetched.content_type or 'missing'!s}; it must be text/plain (RFC 8461 §3.2)"
    if fetched.truncated:
        return f"the policy is larger than {STS_POLICY_MAX_BYTES} bytes; senders stop reading there"
    return None


def _syntax(facts: DomainFacts, parsed: PolicyParse) -> Finding:
    subject = f"https://{facts.policy_host}/.well-known/mta-sts.txt"
    if parsed.errors:
        return Finding(SYNTAX, Status.FAIL, subject,
                       "the policy is invalid, so senders ignore it: " + "; ".join(map(str, parsed.errors)),
                       "Publish a valid policy with `mailsec policy write` (or fix the lines named).")
    if parsed.warnings:
        return Finding(SYNTAX, Status.WARN, subject,
                       "the policy is valid, with remarks: " + "; ".join(map(str, parsed.warnings)),
                       "Fix the lines named.")
    mode = parsed.fields.mode
    return passed(SYNTAX, subject, f"a valid policy in mode {mode} with max_age {parsed.fields.max_age}")


def _coverage(facts: DomainFacts, parsed: PolicyParse) -> List[Finding]:
    patterns = parsed.fields.mx
    findings = []
    for host in facts.mx_hosts():
        matching = [pattern for pattern in patterns if mx_matches(pattern, host.name)]
        if matching:
            findings.append(passed(COVERAGE, host.name, f"matched by mx: {matching[0]}"))
        else:
            findings.append(Finding(
                COVERAGE, Status.FAIL, host.name,
                f"no mx pattern of the policy ({', '.join(patterns)}) matches the MX host {host.name}; senders "
                "match the name in the MX record itself (a CNAME does not help), so in enforce mode they refuse it",
                f"Add `mx: {host.name}` to the policy (mailsec configure --mx {host.name}), or point the MX record "
                f"at a host the policy names.",
            ))
    hosts = [host.name for host in facts.mx_hosts()]
    for pattern in patterns:
        if not any(mx_matches(pattern, host) for host in hosts):
            findings.append(Finding(COVERAGE, Status.WARN, f"mx: {pattern}",
                                    "this pattern matches none of the MX hosts",
                                    "Remove it from the policy, or publish the MX record it is meant for."))
    return findings


def _certificate(facts: DomainFacts, parsed: PolicyParse, host: str, address: str) -> Finding:
    session = facts.smtp(host, address)
    subject = subject_of(session)
    enforce = parsed.fields.mode == Mode.ENFORCE.value
    if session.leaf is None or session.trust is None:
        return Finding(CERTIFICATE, Status.ERROR, subject,
                       f"could not see the certificate: {session.error or 'no TLS session'}",
                       "Make sure the MX answers STARTTLS on port 25 (see smtp.starttls).")
    if session.trust.valid:
        return passed(CERTIFICATE, subject, f"the certificate is valid for {host} under the WebPKI rules")
    consequence = ("senders refuse to deliver to this MX now" if enforce
                   else "switching the policy to enforce would make senders refuse this MX")
    return Finding(CERTIFICATE, Status.FAIL if enforce else Status.WARN, subject,
                   f"{session.trust.describe(host)}: {consequence}",
                   certificate_fix(session))
