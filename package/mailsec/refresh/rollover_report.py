"""The rollover in the owner's words: the steps, in order, each with the earliest time it is safe, and the
findings `mailsec refresh` records. Pure: rollover states, hold rules and the time in; text out.

With automatic publishing the steps say what mailsec does and when, and the owner has nothing to do but
assign a staged certificate. Without it they are the owner's to take, and refresh exits 1 until DNS shows
them done.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, List, Optional, Sequence, Tuple

from mailsec.findings import Finding, Status
from mailsec.refresh.rollover import (
    LIVE_ROLES,
    WANTED_ROLES,
    HoldRules,
    HostRollover,
    Phase,
    Role,
    next_ready_at,
    safe_at,
)
from mailsec.tlsa import TlsaRecord, Usage

ROLLOVER_FINDING = "refresh.tlsa.rollover"
KEY_CHANGED_FINDING = "refresh.tlsa.key-changed"
ISSUER_CHANGED_FINDING = "refresh.tlsa.issuer-changed"
ISSUER_PIN_FINDING = "refresh.tlsa.issuer-pin"
TIME_FORMAT = "%Y-%m-%d %H:%M UTC"
ADD, SWITCH, REMOVE = "add", "switch", "remove"


@dataclass(frozen=True)
class RolloverStep:
    verb: str  # add, switch (assign the staged certificate), remove
    records: Tuple[TlsaRecord, ...]
    not_before: Optional[datetime]  # None: now
    estimated: bool = False  # the time assumes the step before it is confirmed by mailsec's next run


def owner_steps(hosts: Sequence[HostRollover], rules: HoldRules, now: datetime) -> List[RolloverStep]:
    """What is left to do for every host, in the order it must happen."""
    steps = []
    missing = [e.record for host in hosts for e in host.having(*WANTED_ROLES) if e.visible_since is None]
    if missing:
        steps.append(RolloverStep(ADD, tuple(missing), None))
    staged = [e.record for host in hosts for e in host.having(Role.NEXT)]
    if staged:
        ready = [_when(host, next_ready_at(host, rules), rules, now) for host in hosts if host.having(Role.NEXT)]
        steps.append(RolloverStep(SWITCH, tuple(staged), max(t for t, _ in ready), any(e for _, e in ready)))
    for host in hosts:
        old = host.records_with(Role.OLD)
        if old:
            when, estimated = _when(host, safe_at(host, rules), rules, now)
            steps.append(RolloverStep(REMOVE, old, when, estimated))
    return steps


def describe_steps(steps: Sequence[RolloverStep], automatic: bool, rules: HoldRules) -> List[str]:
    return [_describe(step, automatic, rules) for step in steps]


def rollover_findings(hosts: Sequence[HostRollover], rules: HoldRules, now: datetime,
                      automatic_hosts: Iterable[str]) -> List[Finding]:
    """One finding per host (what the rollover does or needs), and a warning for foreign CA pins."""
    automatic = set(automatic_hosts)
    findings = []
    for host in hosts:
        findings.append(_host_finding(host, rules, now, host.host in automatic))
        pins = [e.record for e in host.having(Role.OTHER) if e.record.usage == Usage.DANE_TA]
        if pins:
            findings.append(Finding(
                ISSUER_PIN_FINDING, Status.WARN, host.host,
                "DNS has a 2 x x record that matches no CA of the certificate in use and that mailsec did not "
                "publish: if it pins an intermediate that issued an earlier certificate, it no longer helps "
                "(Let's Encrypt rotates among several intermediates)",
                "Remove it if nothing else needs it:\n" + _lines(pins)))
    return findings


def _host_finding(host: HostRollover, rules: HoldRules, now: datetime, automatic: bool) -> Finding:
    """Automatic: PASS while it runs its course (WARN for a new CA), ERROR while DNS cannot be confirmed.
    By hand: FAIL while steps are left; ERROR when only the confirmation is missing."""
    finding_id = _finding_id(host)
    numbered = [f"{n}. {text}" for n, text in enumerate(
        describe_steps(owner_steps([host], rules, now), automatic, rules), start=1)]
    message = _situation(host, rules)
    changed = finding_id != ROLLOVER_FINDING
    if host.unconfirmed and (automatic or not changed):
        first, _, records = message.partition("\n")
        text = (f"{first}; could not confirm the TLSA records on every authoritative server ({host.unconfirmed}), "
                "so nothing is removed")
        return Finding(finding_id, Status.ERROR, host.host, "\n".join(filter(None, [text, records])),
                       "\n".join(["Nothing to change now; mailsec looks again at its next run.", *numbered]))
    if automatic:
        status = Status.WARN if finding_id == ISSUER_CHANGED_FINDING else Status.PASS
        return Finding(finding_id, status, host.host, message, "\n".join(numbered))
    if host.phase == Phase.STABLE and not numbered:
        return Finding(finding_id, Status.PASS, host.host, message)
    return Finding(finding_id, Status.FAIL, host.host, message, "\n".join(numbered))


def _finding_id(host: HostRollover) -> str:
    old = host.records_with(Role.OLD)
    if any(record.usage == Usage.DANE_EE for record in old):
        return KEY_CHANGED_FINDING
    if old:
        return ISSUER_CHANGED_FINDING
    return ROLLOVER_FINDING


def _situation(host: HostRollover, rules: HoldRules) -> str:
    """Where the rollover of `host` stands, in one sentence, with the old and new records side by side."""
    owner = _owner(host)
    servers = f"{host.servers} authoritative server" + ("" if host.servers == 1 else "s")
    finding_id = _finding_id(host)
    change = {KEY_CHANGED_FINDING: "the certificate's key changed; ",
              ISSUER_CHANGED_FINDING: "the certificate now comes from another CA, so the 2 1 1 record of the "
                                      "previous one no longer matches; "}.get(finding_id, "")
    if host.phase == Phase.PUBLISHING and host.unconfirmed:
        text = "the records for the certificate in use are not known to be on every authoritative server yet"
    elif host.phase == Phase.PUBLISHING:
        text = f"the records for the certificate in use are not yet on every authoritative server ({_seen(host)})"
    elif host.phase == Phase.WAITING:
        text = (f"the new records are on all {servers}; the old ones stay until {_time(safe_at(host, rules))}, "
                "so that no resolver is left with only them")
    elif host.phase == Phase.RETIRING:
        text = f"the new records have been on all {servers} long enough: the old ones can go"
    else:
        roles = ", ".join(f"{e.role.value} {e.record.usage} {e.record.selector} {e.record.mtype}"
                          for e in host.having(*LIVE_ROLES, Role.NEXT))
        text = f"the TLSA records at {owner} ({roles}) are on all {servers}"
    side_by_side = [f"  old  {r.zone_line()}" for r in host.records_with(Role.OLD)]
    side_by_side += [f"  new  {r.zone_line()}" for r in host.records_with(*WANTED_ROLES)] if side_by_side else []
    return "\n".join([change + text, *side_by_side])


def _seen(host: HostRollover) -> str:
    missing = [e for e in host.having(*WANTED_ROLES) if e.visible_since is None]
    return "; ".join(f"{e.role.value} {e.record.rdata[:16]}... on {e.seen_on} of {host.servers}" for e in missing)


def _when(host: HostRollover, known: Optional[datetime], rules: HoldRules, now: datetime
          ) -> Tuple[datetime, bool]:
    """The known safe time, or the earliest it can be: a hold from now."""
    if known is not None:
        return known, False
    return now + rules.hold(host.ttl or rules.assumed_ttl), True


def _describe(step: RolloverStep, automatic: bool, rules: HoldRules) -> str:
    lines = _lines(step.records, indent="   ")
    when = _time(step.not_before)
    estimate = (f" at the earliest ({rules.ttl_factor} x TTL after the records above are on every name server; "
                "mailsec confirms that at its next run)") if step.estimated else ""
    if step.verb == ADD:
        lead = "mailsec publishes" if automatic else "Now: add to the zone"
        return f"{lead}, next to the records already there:\n{lines}"
    if step.verb == SWITCH:
        return (f"From {when}{estimate}: assign the certificate staged in DSM to MailPlus Server "
                f"(Control Panel > Security > Certificate > Settings); its records are:\n{lines}")
    lead = f"mailsec removes, at its first run from {when}{estimate}" if automatic else (
        f"Not before {when}{estimate}: remove from the zone")
    return f"{lead}:\n{lines}"


def _lines(records: Iterable[TlsaRecord], indent: str = "") -> str:
    return "\n".join(indent + record.zone_line() for record in records)


def _owner(host: HostRollover) -> str:
    return host.records[0].record.name if host.records else host.host


def _time(moment: Optional[datetime]) -> str:
    return moment.strftime(TIME_FORMAT) if moment else "now"
