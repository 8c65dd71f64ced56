"""The DMARC rollout advisor: may the domain move towards `p=reject` without losing its own mail?

The ladder follows RFC 9989 and the reference (standards §6.4):

    p=none  ->  p=quarantine; t=y; pct=0  ->  p=quarantine  ->  p=reject

The second rung blocks nothing: RFC 9989 receivers read `t=y` as "apply one level lower" and RFC 7489
receivers read `pct=0` the same way, so it only announces the intent. The later rungs quarantine,
then reject, every message that fails DMARC. Whether that hurts depends on who the failing senders
are, so each source address gets a role from what the reports show:

- `aligned`: at least `ALIGNED_SHARE` of its messages pass DMARC. The rest is usually forwarding.
- `own`: yours by address or name (one of your MX hosts' addresses, or a reverse name in your domain),
  yet failing. A blocker: fix its SPF or DKIM first.
- `partial`: passes DMARC for some messages and fails for others. Only a sender holding your DKIM key
  or listed in your SPF record can pass at all, so this is your mail taking a path that breaks
  alignment (a second server, a relay that does not sign). A blocker.
- `forwarder`: its failures were all let through by receivers as forwarded or mailing-list mail
  (RFC 7489 §6.6.2). Not a blocker; ARC and the list's settings are on its side.
- `third-party`: never aligned, but SPF or DKIM passed for another domain. A service sending as you
  (newsletter, CRM, ticketing) would look like this, and so would a spammer with its own SPF record:
  only the owner can tell. To review, not a blocker.
- `unauthenticated`: nothing passes. Spoofing, which enforcement is meant to stop.

Advice for a rung that blocks mail needs enough evidence: reports on `MIN_REPORT_DAYS` distinct days
and `MIN_MESSAGES` messages. Moving to `p=reject` also wants `MIN_DAYS_AT_QUARANTINE` days of reports
under full quarantine first.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Iterable, List, Mapping, Tuple

from mailsec.reports.dmarc import PublishedPolicy
from mailsec.reports.dmarc_sources import DomainTally, SourceTally

ALIGNED_SHARE = 0.98  # a source passing this share of its messages is aligned; the rest is forwarding noise
MIN_REPORT_DAYS = 14  # distinct days of reports before advising a rung that blocks mail
MIN_MESSAGES = 50  # reported messages before advising a rung that blocks mail
MIN_DAYS_AT_QUARANTINE = 14  # days of reports under full quarantine before advising p=reject


class Level(str, Enum):
    NONE = "none"
    QUARANTINE_TESTING = "quarantine-testing"  # p=quarantine with t=y or pct below 100
    QUARANTINE = "quarantine"
    REJECT_TESTING = "reject-testing"  # p=reject with t=y or pct below 100: receivers quarantine
    REJECT = "reject"


_LADDER = (Level.NONE, Level.QUARANTINE_TESTING, Level.QUARANTINE, Level.REJECT)
_CHANGES = {
    Level.QUARANTINE_TESTING: "p=quarantine; t=y; pct=0",
    Level.QUARANTINE: "p=quarantine (remove t=y and pct)",
    Level.REJECT: "p=reject (remove t=y and pct)",
}
_BLOCKS = {Level.QUARANTINE: "quarantined", Level.REJECT: "rejected"}


class Role(str, Enum):
    ALIGNED = "aligned"
    OWN = "own"
    PARTIAL = "partial"
    FORWARDER = "forwarder"
    THIRD_PARTY = "third-party"
    UNAUTHENTICATED = "unauthenticated"


_BLOCKERS = (Role.OWN, Role.PARTIAL)


class Verdict(str, Enum):
    READY = "ready"  # no sign that legitimate mail would be blocked
    REVIEW = "review"  # ready unless a listed third-party sender is a service the owner uses
    NOT_YET = "not-yet"  # legitimate mail would be blocked; fix the listed sources first
    MORE_DATA = "more-data"  # too few reports to tell
    DONE = "done"  # already at p=reject


@dataclass(frozen=True)
class SourceVerdict:
    source_ip: str
    ptr: str
    role: Role
    messages: int
    failing: int
    dkim_aligned: int
    spf_aligned: int
    dkim_domains: Tuple[str, ...]
    spf_domains: Tuple[str, ...]
    fix: str


@dataclass(frozen=True)
class StepAssessment:
    level: Level
    change: str  # the tags to set in the _dmarc record
    verdict: Verdict
    would_block: int  # failing messages from own and partial sources this rung would quarantine or reject
    may_block: int  # failing messages from third-party sources
    reasons: Tuple[str, ...]


@dataclass(frozen=True)
class RolloutAdvice:
    domain: str
    current: Level
    policy: PublishedPolicy
    messages: int
    dmarc_pass: int
    report_days: int
    steps: Tuple[StepAssessment, ...]  # the rungs still ahead, the next one first
    sources: Tuple[SourceVerdict, ...]  # blockers first, then sources to review, then the rest
    verdict: Verdict  # for the next rung (DONE at p=reject)

    @property
    def fix_first(self) -> Tuple[SourceVerdict, ...]:
        return tuple(source for source in self.sources if source.role in _BLOCKERS)


def level_of(policy: PublishedPolicy) -> Level:
    """Where a published policy stands on the ladder; a missing or unknown `p` counts as none."""
    trial = policy.testing == "y" or (policy.pct is not None and policy.pct < 100)
    if policy.p == "quarantine":
        return Level.QUARANTINE_TESTING if trial else Level.QUARANTINE
    if policy.p == "reject":
        return Level.REJECT_TESTING if trial else Level.REJECT
    return Level.NONE


def advise(tally: DomainTally, ptr_names: Mapping[str, str], own_addresses: Iterable[str]) -> RolloutAdvice:
    """The rollout advice for one domain, from its tally and the reverse names of its sources."""
    own = frozenset(own_addresses)
    verdicts = [_source_verdict(source, ptr_names.get(source.source_ip, ""), tally.domain, own)
                for source in tally.sources]
    verdicts.sort(key=lambda v: (_role_rank(v.role), -v.failing, -v.messages, v.source_ip))
    current = level_of(tally.current_policy)
    steps = tuple(_assess(level, tally, verdicts) for level in _remaining(current))
    return RolloutAdvice(
        domain=tally.domain, current=current, policy=tally.current_policy, messages=tally.messages,
        dmarc_pass=tally.dmarc_pass, report_days=tally.report_days, steps=steps, sources=tuple(verdicts),
        verdict=steps[0].verdict if steps else Verdict.DONE,
    )


def role_of(source: SourceTally, ptr: str, domain: str, own_addresses: frozenset) -> Role:
    if source.pass_share >= ALIGNED_SHARE:
        return Role.ALIGNED
    if source.source_ip in own_addresses or _in_domain(ptr, domain):
        return Role.OWN
    if source.forwarded >= source.failing:
        return Role.FORWARDER
    if source.dmarc_pass:
        return Role.PARTIAL
    if source.dkim_domains or source.spf_domains:
        return Role.THIRD_PARTY
    return Role.UNAUTHENTICATED


def _source_verdict(source: SourceTally, ptr: str, domain: str, own: frozenset) -> SourceVerdict:
    role = role_of(source, ptr, domain, own)
    return SourceVerdict(
        source_ip=source.source_ip, ptr=ptr, role=role, messages=source.messages, failing=source.failing,
        dkim_aligned=source.dkim_aligned, spf_aligned=source.spf_aligned, dkim_domains=source.dkim_domains,
        spf_domains=source.spf_domains, fix=_fix(role, source, domain),
    )


def _fix(role: Role, source: SourceTally, domain: str) -> str:
    address = source.source_ip
    if role == Role.OWN:
        return (f"Your own server {address} fails DMARC for {source.failing} of {source.messages} messages: sign its "
                f"mail with DKIM for {domain} (MailPlus Server > Security > DKIM) and add {_spf_term(address)} to "
                "the SPF record.")
    if role == Role.PARTIAL:
        return (f"{source.failing} of {source.messages} messages from {address} fail DMARC although others pass: "
                "find the path that sends them unsigned or through another server (a second selector, a relay, a "
                "script on the NAS) and make it sign with DKIM for " + domain + ".")
    if role == Role.THIRD_PARTY:
        passed_for = ", ".join(dict.fromkeys(source.dkim_domains + source.spf_domains))
        return (f"Authenticated as {passed_for}, not as {domain}. If this is a service you use, have it sign "
                f"with DKIM for {domain} (it gives you a selector record to publish); if you do not know it, "
                "enforcement will rightly stop it.")
    if role == Role.FORWARDER:
        return "Receivers let its failures through as forwarded or mailing-list mail; nothing to fix on your side."
    if role == Role.UNAUTHENTICATED:
        return "Passes neither SPF nor DKIM for anyone: most likely spoofing, which enforcement will stop."
    return ""


def _assess(level: Level, tally: DomainTally, sources: List[SourceVerdict]) -> StepAssessment:
    would_block = sum(source.failing for source in sources if source.role in _BLOCKERS)
    may_block = sum(source.failing for source in sources if source.role == Role.THIRD_PARTY)
    reasons: List[str] = []
    verdict = Verdict.READY
    if tally.report_days < MIN_REPORT_DAYS or tally.messages < MIN_MESSAGES:
        reasons.append(f"reports cover {tally.report_days} days and {tally.messages} messages; the advisor wants "
                       f"at least {MIN_REPORT_DAYS} days and {MIN_MESSAGES} messages")
        verdict = Verdict.MORE_DATA
    if level not in _BLOCKS:
        reasons.append("blocks nothing: receivers apply one level lower under t=y (RFC 9989) and pct=0 (RFC 7489)")
        return StepAssessment(level, _CHANGES[level], verdict, 0, 0, tuple(reasons))
    action = _BLOCKS[level]
    if would_block:
        blockers = sum(1 for source in sources if source.role in _BLOCKERS)
        reasons.append(f"{would_block} messages from {blockers} of your own sources would be {action}; fix them first")
        verdict = Verdict.NOT_YET
    if level == Level.REJECT:
        quarantined_days = _days_at_full_quarantine(tally)
        if quarantined_days < MIN_DAYS_AT_QUARANTINE:
            reasons.append(f"reports show {quarantined_days} days under full p=quarantine; wait for "
                           f"{MIN_DAYS_AT_QUARANTINE}")
            verdict = Verdict.NOT_YET if verdict == Verdict.READY else verdict
    if may_block:
        reasons.append(f"{may_block} messages from third-party senders would be {action}: confirm you do not use them")
        verdict = Verdict.REVIEW if verdict == Verdict.READY else verdict
    if verdict == Verdict.READY:
        reasons.append(f"no sign that legitimate mail fails DMARC; failing mail would be {action}")
    return StepAssessment(level, _CHANGES[level], verdict, would_block, may_block, tuple(reasons))


def _remaining(current: Level) -> Tuple[Level, ...]:
    if current == Level.REJECT_TESTING:
        return (Level.REJECT,)
    return _LADDER[_LADDER.index(current) + 1:] if current in _LADDER else ()


def _days_at_full_quarantine(tally: DomainTally) -> int:
    enforcing = (Level.QUARANTINE, Level.REJECT_TESTING, Level.REJECT)
    days = sum(period.days for period in tally.policies if level_of(period.policy) in enforcing)
    return min(days, tally.report_days)


def _role_rank(role: Role) -> int:
    return (Role.OWN, Role.PARTIAL, Role.THIRD_PARTY, Role.UNAUTHENTICATED, Role.FORWARDER, Role.ALIGNED).index(role)


def _in_domain(name: str, domain: str) -> bool:
    host = name.rstrip(".").lower()
    return bool(host) and (host == domain or host.endswith("." + domain))


def _spf_term(address: str) -> str:
    return f"ip6:{address}" if ":" in address else f"ip4:{address}"
