"""The DANE rollover as a pure state machine: state, what the name servers show and the time go in; the
next state and what to publish or remove come out. `rollover_store` keeps the state, `dns_publishing`
observes and acts, `rollover_report` puts it in words.

Each MX host has one TLSA record set. mailsec wants it to hold the records of the certificate MailPlus
presents (role `current`, and `issuer` for the CA that issued it) and of a certificate staged in DSM's
store for later (`next`). When a renewal brings a new key, the records of the previous certificate become
`old`: they stay until every record of the certificate in use has been on every authoritative server for
two TTLs (RFC 7671 §8.1) or the owner's longer hold, so that no resolver can still hold a cached record
set without a match for the certificate in use. Then they go. Records mailsec never published are
`other`: shown, never touched.

| phase      | the record set                                   | action            | next                          |
|------------|--------------------------------------------------|-------------------|-------------------------------|
| publishing | lacks a wanted record on some server, or unknown | publish wanted    | all on every server: waiting  |
| waiting    | has every wanted record everywhere; old ones too | none              | now >= safe_at: retiring      |
| retiring   | safe to lose its old records                     | remove old        | no server has them: stable    |
| stable     | has every wanted record, nothing old             | none              | new key or CA: publishing     |

The invariant, kept here and nowhere else: removal is planned only when every authoritative server
answered, each shows every wanted record (among them one that matches the certificate in use), the hold
has passed, and no record to remove matches that certificate. An answer that is missing or failed stops
no clock it did not start and removes nothing.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Dict, Iterable, Optional, Sequence, Tuple

from mailsec.limits import TLSA_ROLLOVER_TTL_FACTOR
from mailsec.tlsa import TlsaRecord, Usage, tlsa_owner

if TYPE_CHECKING:  # the answers are plain data; the app reads saved states without loading a DNS client
    from mailsec.publish.authoritative import ServerAnswer


class Role(str, Enum):
    CURRENT = "current"  # matches the certificate MailPlus presents
    NEXT = "next"  # matches a certificate staged in DSM's store, not in use yet
    ISSUER = "issuer"  # matches the CA that issued the certificate in use
    OLD = "old"  # matched a certificate that was in use before; removed once safe
    OTHER = "other"  # published by someone else; left alone


LIVE_ROLES = (Role.CURRENT, Role.ISSUER)
WANTED_ROLES = (Role.CURRENT, Role.NEXT, Role.ISSUER)


class Phase(str, Enum):
    PUBLISHING = "publishing"
    WAITING = "waiting"
    RETIRING = "retiring"
    STABLE = "stable"


@dataclass(frozen=True)
class RoleRecord:
    """A record, its role, and what the authoritative servers said of it when last asked."""

    record: TlsaRecord
    role: Role
    seen_on: int = 0  # servers that published it
    visible_since: Optional[datetime] = None  # since when every server has published it (wanted records)


@dataclass(frozen=True)
class HostRollover:
    """The rollover state of one MX host's TLSA record set."""

    host: str
    phase: Phase
    records: Tuple[RoleRecord, ...]
    servers: int = 0  # authoritative servers that answered when last asked
    unconfirmed: str = ""  # why the last look at the servers was incomplete
    ttl: int = 0  # the longest TTL the record set had while old records were in it

    def having(self, *roles: Role) -> Tuple[RoleRecord, ...]:
        return tuple(entry for entry in self.records if entry.role in roles)

    def records_with(self, *roles: Role) -> Tuple[TlsaRecord, ...]:
        return tuple(entry.record for entry in self.having(*roles))


@dataclass(frozen=True)
class HoldRules:
    """How long old records stay once the records of the certificate in use are everywhere."""

    minimum: int = 0  # seconds, the owner's setting
    ttl_factor: int = TLSA_ROLLOVER_TTL_FACTOR
    assumed_ttl: int = 3600  # for estimates before any server told the record set's TTL

    def hold(self, ttl: int) -> timedelta:
        return timedelta(seconds=max(ttl * self.ttl_factor, self.minimum))


@dataclass(frozen=True)
class Observation:
    """Every authoritative server's answer for the host's TLSA record set, or why there are none."""

    answers: Tuple["ServerAnswer", ...] = ()
    problem: str = ""

    @property
    def complete(self) -> bool:
        return not self.problem and bool(self.answers) and all(a.values is not None for a in self.answers)

    def seen_on(self, record: TlsaRecord) -> int:
        return sum(1 for answer in self.answers if answer.values is not None and record.rdata in answer.values)

    def everywhere(self, record: TlsaRecord) -> bool:
        return self.complete and self.seen_on(record) == len(self.answers)

    def reason(self) -> str:
        if self.problem:
            return self.problem
        failed = [f"{a.server}: {a.error}" for a in self.answers if a.values is None]
        return "; ".join(failed) or ("" if self.answers else "no authoritative server answered")


@dataclass(frozen=True)
class HostStep:
    state: HostRollover
    publish: Tuple[TlsaRecord, ...]  # to be in the record set (publishing them again changes nothing)
    remove: Tuple[TlsaRecord, ...]  # safe to remove now


def step(previous: Optional[HostRollover], host: str, wanted: Sequence[RoleRecord], seen: Observation,
         now: datetime, rules: HoldRules) -> HostStep:
    """The next state of `host`'s rollover and what to do now."""
    before = _by_record(previous.records if previous else ())
    wanted_records = {entry.record for entry in wanted}
    records = tuple(_observed(entry, before.get(entry.record), seen, now) for entry in wanted)
    records += _old(previous, wanted_records, seen)
    known = {entry.record for entry in records}
    records += tuple(RoleRecord(record, Role.OTHER, seen.seen_on(record)) for record in _published(host, seen)
                     if record not in known)
    state = HostRollover(host, Phase.PUBLISHING, records, _answered(seen), "" if seen.complete else seen.reason(),
                         _ttl(previous, seen, records))
    state = replace(state, phase=_phase(state, now, rules))
    removable = state.records_with(Role.OLD) if state.phase == Phase.RETIRING and _may_remove(state, seen) else ()
    return HostStep(state, tuple(entry.record for entry in wanted), removable)


def safe_at(state: HostRollover, rules: HoldRules) -> Optional[datetime]:
    """When the old records may go: the hold after the last record of the certificate in use became
    visible everywhere; None while one is not yet visible everywhere."""
    return _held_since(state.having(*LIVE_ROLES), state.ttl, rules)


def next_ready_at(state: HostRollover, rules: HoldRules) -> Optional[datetime]:
    """When a staged certificate may be put in use: the hold after its records became visible everywhere."""
    return _held_since(state.having(Role.NEXT), state.ttl, rules)


def _held_since(entries: Sequence[RoleRecord], ttl: int, rules: HoldRules) -> Optional[datetime]:
    since = [entry.visible_since for entry in entries]
    if not since or any(moment is None for moment in since):
        return None
    return max(moment for moment in since if moment is not None) + rules.hold(ttl)


def seeded(host: str, records: Iterable[TlsaRecord]) -> HostRollover:
    """A state for a host that refresh knew before the rollover existed: the records it told the owner to
    publish then are what it wanted last, so a key change since is rolled over like any other."""
    owned = tuple(RoleRecord(r, Role.CURRENT if r.usage == Usage.DANE_EE else Role.ISSUER) for r in records)
    return HostRollover(host, Phase.PUBLISHING, owned)


def _observed(entry: RoleRecord, before: Optional[RoleRecord], seen: Observation, now: datetime) -> RoleRecord:
    """A wanted record with its visibility; unknown visibility keeps what was known."""
    since = before.visible_since if before else None
    if seen.complete:
        since = (since or now) if seen.everywhere(entry.record) else None
    return replace(entry, seen_on=seen.seen_on(entry.record), visible_since=since)


def _old(previous: Optional[HostRollover], wanted: set, seen: Observation) -> Tuple[RoleRecord, ...]:
    """Records mailsec published for a certificate no longer wanted, while any server may still have them."""
    if previous is None:
        return ()
    candidates = dict.fromkeys(e.record for e in previous.records if e.role in (*WANTED_ROLES, Role.OLD))
    old = [record for record in candidates if record not in wanted]
    if seen.complete:
        old = [record for record in old if seen.seen_on(record)]
    return tuple(RoleRecord(record, Role.OLD, seen.seen_on(record)) for record in old)


def _published(host: str, seen: Observation) -> Tuple[TlsaRecord, ...]:
    owner = tlsa_owner(host)
    values = dict.fromkeys(v for answer in seen.answers if answer.values is not None for v in answer.values)
    return tuple(_record(owner, value) for value in values)


def _record(owner: str, value: str) -> TlsaRecord:
    usage, selector, mtype, data = value.split(" ", 3)
    return TlsaRecord(owner, int(usage), int(selector), int(mtype), data)


def _phase(state: HostRollover, now: datetime, rules: HoldRules) -> Phase:
    """The phase the records' visibility puts the host in (visibility not confirmed this time is as last known)."""
    if any(entry.visible_since is None for entry in state.having(*WANTED_ROLES)):
        return Phase.PUBLISHING
    if not state.having(Role.OLD):
        return Phase.STABLE
    safe = safe_at(state, rules)
    return Phase.RETIRING if safe is not None and now >= safe else Phase.WAITING


def _may_remove(state: HostRollover, seen: Observation) -> bool:
    """The invariant: every server answered and still has a record of the certificate in use besides
    the ones to remove."""
    live = {entry.record.rdata for entry in state.having(*LIVE_ROLES)}
    leaving = {entry.record.rdata for entry in state.having(Role.OLD)}
    if not seen.complete or not live or live & leaving:
        return False
    return all(live & set(answer.values or ()) for answer in seen.answers)


def _answered(seen: Observation) -> int:
    return sum(1 for answer in seen.answers if answer.values is not None)


def _ttl(previous: Optional[HostRollover], seen: Observation, records: Tuple[RoleRecord, ...]) -> int:
    """The longest TTL of the record set while old records may be cached with it; once none are, the
    TTL it has now (or had when last seen)."""
    observed = max((answer.ttl for answer in seen.answers if answer.values), default=0)
    if previous is None:
        return observed
    if any(entry.role == Role.OLD for entry in records):
        return max(previous.ttl, observed)
    return observed or previous.ttl


def _by_record(records: Iterable[RoleRecord]) -> Dict[TlsaRecord, RoleRecord]:
    return {entry.record: entry for entry in records}
