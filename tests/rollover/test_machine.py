"""The rollover state machine, pure: states, observations and time in; the next state and actions out.

The property test at the end drives it through random renewals, lagging and failing name servers and
clocks, applying what it asks to a simulated zone, and checks the invariant at every step.
"""

from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional, Set

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailsec.publish.authoritative import ServerAnswer
from mailsec.refresh.rollover import (
    LIVE_ROLES,
    HoldRules,
    HostRollover,
    Observation,
    Phase,
    Role,
    RoleRecord,
    safe_at,
    step,
)
from mailsec.tlsa import TlsaRecord

HOST = "mail.example.nl"
OWNER = f"_25._tcp.{HOST}."
T0 = datetime(2026, 5, 1, 4, 30, tzinfo=timezone.utc)
TTL = 3600
RULES = HoldRules()
HOLD = timedelta(seconds=2 * TTL)


def ee(digit: str) -> TlsaRecord:
    return TlsaRecord(OWNER, 3, 1, 1, digit * 64)


ISSUER = TlsaRecord(OWNER, 2, 1, 1, "f" * 64)
A, B, C = ee("a"), ee("b"), ee("c")


def wanted(current: TlsaRecord, staged: Optional[TlsaRecord] = None) -> List[RoleRecord]:
    roles = [RoleRecord(current, Role.CURRENT), RoleRecord(ISSUER, Role.ISSUER)]
    return roles + ([RoleRecord(staged, Role.NEXT)] if staged else [])


def seen(*servers: Optional[Set[TlsaRecord]], ttl: int = TTL) -> Observation:
    """One answer per server: its records, or None for a server that did not answer."""
    return Observation(tuple(
        ServerAnswer(f"ns{n}", None if records is None else tuple(r.rdata for r in records),
                     ttl if records else 0, "timed out" if records is None else "")
        for n, records in enumerate(servers, start=1)))


def run(previous, want, observation, at, rules=RULES):
    return step(previous, HOST, want, observation, at, rules)


def stable_on(current: TlsaRecord) -> HostRollover:
    published = run(None, wanted(current), seen(set()), T0).state
    return run(published, wanted(current), seen({current, ISSUER}), T0).state


def test_first_publication_publishes_every_wanted_record_and_removes_nothing():
    taken = run(None, wanted(A), seen(set()), T0)
    assert taken.state.phase == Phase.PUBLISHING
    assert set(taken.publish) == {A, ISSUER} and taken.remove == ()


def test_records_on_every_server_are_stable_from_the_moment_they_were_seen():
    state = stable_on(A)
    assert state.phase == Phase.STABLE
    assert {entry.visible_since for entry in state.records} == {T0}


def test_a_new_key_keeps_the_old_record_until_two_ttls_after_the_new_one_is_everywhere():
    changed = run(stable_on(A), wanted(B), seen({A, ISSUER}), T0 + timedelta(days=1))
    assert changed.state.phase == Phase.PUBLISHING and changed.state.records_with(Role.OLD) == (A,)
    assert B in changed.publish and changed.remove == ()

    visible_at = T0 + timedelta(days=1, hours=1)
    waiting = run(changed.state, wanted(B), seen({A, B, ISSUER}), visible_at)
    assert waiting.state.phase == Phase.WAITING and safe_at(waiting.state, RULES) == visible_at + HOLD
    assert waiting.remove == ()

    early = run(waiting.state, wanted(B), seen({A, B, ISSUER}), visible_at + HOLD - timedelta(seconds=1))
    assert early.state.phase == Phase.WAITING and early.remove == ()

    due = run(early.state, wanted(B), seen({A, B, ISSUER}), visible_at + HOLD)
    assert due.state.phase == Phase.RETIRING and due.remove == (A,)

    gone = run(due.state, wanted(B), seen({B, ISSUER}), visible_at + HOLD)
    assert gone.state.phase == Phase.STABLE and gone.state.records_with(Role.OLD) == ()


def retiring_after_a_key_change() -> HostRollover:
    changed = run(stable_on(A), wanted(B), seen({A, B, ISSUER}), T0)
    return changed.state


def test_nothing_is_removed_while_a_server_does_not_answer():
    state = retiring_after_a_key_change()
    later = T0 + 2 * HOLD
    failing = run(state, wanted(B), seen({A, B, ISSUER}, None), later)
    assert failing.remove == () and failing.state.unconfirmed == "ns2: timed out"
    unknown = run(state, wanted(B), Observation(problem="could not find the name servers"), later)
    assert unknown.remove == () and unknown.state.records_with(Role.OLD) == (A,)


def test_nothing_is_removed_while_one_server_lacks_the_new_record():
    state = retiring_after_a_key_change()
    lagging = run(state, wanted(B), seen({A, B, ISSUER}, {A, ISSUER}), T0 + 2 * HOLD)
    assert lagging.state.phase == Phase.PUBLISHING and lagging.remove == ()
    assert dict((e.record, e.seen_on) for e in lagging.state.records)[B] == 1


def test_a_record_that_vanished_from_a_server_restarts_the_hold():
    state = retiring_after_a_key_change()
    vanished = run(state, wanted(B), seen({A, ISSUER}), T0 + HOLD / 2)
    back = run(vanished.state, wanted(B), seen({A, B, ISSUER}), T0 + HOLD)
    assert back.remove == () and safe_at(back.state, RULES) == T0 + 2 * HOLD


def test_an_unanswered_look_keeps_what_was_known():
    state = retiring_after_a_key_change()
    blind = run(state, wanted(B), Observation(problem="no answer"), T0 + HOLD / 2)
    assert safe_at(blind.state, RULES) == T0 + HOLD and blind.state.phase == Phase.WAITING


def test_the_hold_uses_the_longest_ttl_seen_while_old_records_exist_and_the_owners_longer_hold():
    state = run(stable_on(A), wanted(B), seen({A, B, ISSUER}, ttl=7200), T0)
    lowered = run(state.state, wanted(B), seen({A, B, ISSUER}, ttl=60), T0 + timedelta(minutes=1))
    assert safe_at(lowered.state, RULES) == T0 + timedelta(seconds=2 * 7200)
    assert safe_at(lowered.state, HoldRules(minimum=86400)) == T0 + timedelta(days=1)


def test_going_back_to_the_old_key_keeps_its_record():
    state = retiring_after_a_key_change()
    back = run(state, wanted(A), seen({A, B, ISSUER}), T0 + 2 * HOLD)
    assert A not in back.remove and back.state.records_with(Role.OLD) == (B,)
    assert back.state.records_with(Role.CURRENT) == (A,)


def test_records_mailsec_did_not_publish_are_shown_and_never_removed():
    state = stable_on(A)
    foreign = run(state, wanted(A), seen({A, C, ISSUER}), T0 + 10 * HOLD)
    assert foreign.state.records_with(Role.OTHER) == (C,) and foreign.remove == ()
    assert foreign.state.phase == Phase.STABLE


def test_a_staged_record_is_published_as_next_and_its_switch_can_retire_the_old_key_at_once():
    staged = run(stable_on(A), wanted(A, staged=B), seen({A, B, ISSUER}), T0)
    assert staged.state.records_with(Role.NEXT) == (B,) and staged.state.phase == Phase.STABLE
    switched = run(staged.state, wanted(B), seen({A, B, ISSUER}), T0 + HOLD)
    assert switched.remove == (A,)  # B was everywhere for the whole hold before it went live


def test_a_new_ca_retires_the_old_issuer_record_with_the_old_key():
    new_issuer = TlsaRecord(OWNER, 2, 1, 1, "e" * 64)
    state = stable_on(A)
    want = [RoleRecord(B, Role.CURRENT), RoleRecord(new_issuer, Role.ISSUER)]
    everywhere = seen({A, B, ISSUER, new_issuer})
    changed = run(state, want, everywhere, T0)
    assert set(changed.state.records_with(Role.OLD)) == {A, ISSUER}
    assert set(run(changed.state, want, everywhere, T0 + HOLD).remove) == {A, ISSUER}


# The invariant under random histories.

KEYS = [ee(d) for d in "0123456789"]

event = st.one_of(
    st.tuples(st.just("renew"), st.integers(0, len(KEYS) - 1)),
    st.tuples(st.just("sync"), st.integers(1, 2)),  # a secondary copies the primary
    st.tuples(st.just("wait"), st.integers(1, 3 * 2 * TTL)),
    st.tuples(st.just("fail"), st.integers(0, 2)),  # a server does not answer the next look
    st.tuples(st.just("owner"), st.integers(0, len(KEYS) - 1)),  # someone else adds a record
)


@settings(max_examples=400)  # cheap, and histories are many
@given(st.lists(event, min_size=1, max_size=40))
@example([("sync", 1), ("sync", 2), ("renew", 1), ("sync", 1), ("sync", 2), ("wait", 2 * TTL)])  # one removal
def test_no_removal_ever_leaves_a_server_or_a_cache_without_a_record_for_the_certificate_in_use(events):
    servers: List[Set[TlsaRecord]] = [set(), set(), set()]  # the primary and two secondaries
    current, now, state = KEYS[0], T0, None
    everywhere_since: Optional[datetime] = None  # since when every look showed every live record everywhere
    failing: Set[int] = set()
    for kind, value in [("look", 0), *events]:
        if kind == "renew" and KEYS[value] != current:  # a renewal with the same key changes nothing
            current, everywhere_since = KEYS[value], None
        elif kind == "sync":
            servers[value] = set(servers[0])
        elif kind == "wait":
            now += timedelta(seconds=value)
        elif kind == "fail":
            failing.add(value)
        elif kind == "owner":
            servers[0].add(KEYS[value])
        want = wanted(current)
        live = {entry.record for entry in want if entry.role in LIVE_ROLES}
        observation = seen(*(None if n in failing else set(records) for n, records in enumerate(servers)))
        failing.clear()
        if observation.complete and all(live <= records for records in servers):
            everywhere_since = everywhere_since or now
        elif observation.complete:
            everywhere_since = None
        taken = run(state, want, observation, now)
        state = taken.state
        assert not set(taken.remove) & live, "a record of the certificate in use was to be removed"
        if taken.remove:
            assert observation.complete and everywhere_since is not None
            assert now - everywhere_since >= HOLD, "removed before the new records were everywhere for the hold"
            assert all((records - set(taken.remove)) & live for records in servers)
        servers[0] = (servers[0] | set(taken.publish)) - set(taken.remove)
        _assert_seen_counts(state, observation)


def _assert_seen_counts(state: HostRollover, observation: Observation) -> None:
    counts: Dict[TlsaRecord, int] = {entry.record: entry.seen_on for entry in state.records}
    for record, count in counts.items():
        assert count == observation.seen_on(record)
