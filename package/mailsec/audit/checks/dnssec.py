"""`dnssec.domain`, and the DNSSEC verdict of any lookup that DANE checks reuse.

A validating resolver sets the AD bit on answers it validated. Without AD the answer is either from an
unsigned zone, from a signed zone whose parent lacks the DS record (no chain of trust), or from a
resolver that does not validate; the RRSIGs that come with the answer (DO bit) and a DS query tell them
apart. SERVFAIL that disappears when validation is switched off (CD bit) means bogus (RFC 4035 §5.5).
"""

from dataclasses import dataclass
from enum import Enum
from typing import List

from mailsec.audit.facts import DomainFacts
from mailsec.findings import Finding, Status
from mailsec.resolver import Lookup, Outcome

ID = "dnssec.domain"


class Security(str, Enum):
    SECURE = "secure"
    INSECURE = "insecure"  # the zone is not signed
    BROKEN_CHAIN = "broken-chain"  # signed, but the parent has no DS record
    BOGUS = "bogus"  # signed, and validation fails
    UNVALIDATED = "unvalidated"  # signed with a DS, but the resolver did not validate
    UNKNOWN = "unknown"  # the lookups failed


@dataclass(frozen=True)
class Verdict:
    security: Security
    zone: str = ""
    detail: str = ""


def security_of(facts: DomainFacts, lookup: Lookup) -> Verdict:
    """The DNSSEC state of one lookup's answer."""
    if lookup.failed:
        if lookup.outcome == Outcome.SERVFAIL and not facts.query(lookup.name, lookup.rdtype, True).failed:
            return Verdict(Security.BOGUS, facts.zone_of(lookup.name) or "",
                           "the resolver answers SERVFAIL, yet with validation off the records are there: their "
                           "signatures do not validate")
        return Verdict(Security.UNKNOWN, detail=lookup.describe())
    if lookup.secure:
        return Verdict(Security.SECURE)
    if not lookup.signed:
        return Verdict(Security.INSECURE, facts.zone_of(lookup.name) or "")
    zone = facts.zone_of(lookup.name)
    if zone is None:
        return Verdict(Security.UNKNOWN, detail=f"could not find the zone of {lookup.name}")
    delegation = facts.query(zone, "DS")
    if delegation.failed:
        return Verdict(Security.UNKNOWN, zone, delegation.describe())
    if delegation.absent:
        return Verdict(Security.BROKEN_CHAIN, zone)
    return Verdict(Security.UNVALIDATED, zone)


@dataclass(frozen=True)
class Explanation:
    status: Status
    message: str
    fix: str


def explain(verdict: Verdict, what: str) -> Explanation:
    """What a DNSSEC state means for `what` (e.g. "the zone example.nl") and what to do about it."""
    zone = verdict.zone or "the zone"
    texts = {
        Security.SECURE: (Status.PASS, f"{what} is DNSSEC-signed and validates", ""),
        Security.INSECURE: (Status.FAIL, f"{what} is not DNSSEC-signed",
                            f"Turn on DNSSEC for {zone} at your DNS provider, then publish the DS record it "
                            "gives you at your registrar."),
        Security.BROKEN_CHAIN: (Status.FAIL, f"{zone} is signed, but its parent zone has no DS record, so "
                                "validators treat it as unsigned",
                                f"Publish the DS record of {zone} at your registrar."),
        Security.BOGUS: (Status.FAIL, f"{what} fails DNSSEC validation (bogus): {verdict.detail}; validating "
                         "senders treat it as unreachable and defer mail",
                         f"Re-sign {zone} (expired or wrong signatures), or make the DS at the registrar match "
                         "its DNSKEY."),
        Security.UNVALIDATED: (Status.ERROR, f"{zone} is signed, but the resolver did not validate the answer "
                               "(no AD bit), so mailsec cannot tell whether it is secure",
                               "Audit through a validating resolver (mailsec --nameserver with a resolver that "
                               "does DNSSEC validation)."),
        Security.UNKNOWN: (Status.ERROR, f"the DNSSEC state of {what} could not be determined: {verdict.detail}",
                           "Make sure the name servers answer, then run the audit again."),
    }
    return Explanation(*texts[verdict.security])


def check(facts: DomainFacts) -> List[Finding]:
    verdict = security_of(facts, facts.query(facts.domain, "SOA"))
    explanation = explain(verdict, f"the zone {facts.domain}")
    # DNSSEC is not required for mail as such; it is for DANE, whose check fails on it.
    status = Status.WARN if verdict.security == Security.INSECURE else explanation.status
    return [Finding(ID, status, facts.domain, explanation.message, explanation.fix)]
