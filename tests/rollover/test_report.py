"""The rollover in words: the steps in order with their earliest times, and the findings refresh records."""

from datetime import datetime, timedelta, timezone

from mailsec.findings import Status
from mailsec.refresh.rollover import HoldRules, Observation, Role, RoleRecord, step
from mailsec.refresh.rollover_report import (
    ISSUER_CHANGED_FINDING,
    KEY_CHANGED_FINDING,
    ROLLOVER_FINDING,
    describe_steps,
    owner_steps,
    rollover_findings,
)
from mailsec.tlsa import TlsaRecord
from tests.rollover.test_machine import HOST, ISSUER, OWNER, RULES, TTL, A, B, seen, stable_on, wanted

T0 = datetime(2026, 5, 1, 4, 30, tzinfo=timezone.utc)
SAFE = (T0 + timedelta(seconds=2 * TTL)).strftime("%Y-%m-%d %H:%M UTC")


def key_change(observation):
    return step(stable_on(A), HOST, wanted(B), observation, T0, RULES).state


def test_steps_add_before_they_remove_and_give_the_earliest_time():
    state = key_change(seen({A, ISSUER}))
    steps = owner_steps([state], RULES, T0)
    assert [(s.verb, s.records) for s in steps] == [("add", (B,)), ("remove", (A,))]
    assert steps[1].not_before == T0 + timedelta(seconds=2 * TTL) and steps[1].estimated
    text = describe_steps(steps, automatic=False, rules=RULES)
    assert text[0] == f"Now: add to the zone, next to the records already there:\n   {B.zone_line()}"
    assert text[1].startswith(f"Not before {SAFE} at the earliest (2 x TTL after the records above are on every "
                              "name server; mailsec confirms that at its next run): remove from the zone:")


def test_once_the_new_record_is_everywhere_the_time_is_known_and_said_as_what_mailsec_does():
    state = key_change(seen({A, B, ISSUER}))
    [remove] = owner_steps([state], RULES, T0)
    assert not remove.estimated
    assert describe_steps([remove], automatic=True, rules=RULES) == [
        f"mailsec removes, at its first run from {SAFE}:\n   {A.zone_line()}"]


def test_by_hand_a_pending_step_is_a_failure_and_a_stable_host_passes():
    [pending] = rollover_findings([key_change(seen({A, B, ISSUER}))], RULES, T0, automatic_hosts=())
    assert pending.id == KEY_CHANGED_FINDING and pending.status == Status.FAIL
    assert pending.fix.startswith(f"1. Not before {SAFE}: remove from the zone:")
    assert f"  old  {A.zone_line()}" in pending.message and f"  new  {B.zone_line()}" in pending.message
    [done] = rollover_findings([stable_on(A)], RULES, T0, automatic_hosts=())
    assert (done.id, done.status) == (ROLLOVER_FINDING, Status.PASS)
    assert done.message == f"the TLSA records at {OWNER} (current 3 1 1, issuer 2 1 1) are on all 1 authoritative " \
                           "server"


def test_automatic_rollovers_pass_while_they_run_and_are_unconfirmed_errors_when_dns_cannot_be_asked():
    [running] = rollover_findings([key_change(seen({A, B, ISSUER}))], RULES, T0, automatic_hosts=[HOST])
    assert running.status == Status.PASS and "the old ones stay until" in running.message
    blind = step(stable_on(A), HOST, wanted(A), Observation(problem="no name server answered"), T0, RULES).state
    [unconfirmed] = rollover_findings([blind], RULES, T0, automatic_hosts=[HOST])
    assert unconfirmed.status == Status.ERROR and "no name server answered" in unconfirmed.message


def test_a_new_ca_is_a_warning_when_automatic():
    new_issuer = RoleRecord(TlsaRecord(OWNER, 2, 1, 1, "e" * 64), Role.ISSUER)
    want = [RoleRecord(A, Role.CURRENT), new_issuer]
    state = step(stable_on(A), HOST, want, seen({A, ISSUER, new_issuer.record}), T0, RULES).state
    [finding] = rollover_findings([state], RULES, T0, automatic_hosts=[HOST])
    assert (finding.id, finding.status) == (ISSUER_CHANGED_FINDING, Status.WARN)
    assert "now comes from another CA" in finding.message


def test_a_foreign_ca_pin_is_a_warning():
    foreign = TlsaRecord(OWNER, 2, 1, 1, "d" * 64)
    state = step(stable_on(A), HOST, wanted(A), seen({A, ISSUER, foreign}), T0, RULES).state
    findings = rollover_findings([state], RULES, T0, automatic_hosts=[HOST])
    pin = next(f for f in findings if f.id == "refresh.tlsa.issuer-pin")
    assert pin.status == Status.WARN and foreign.zone_line() in pin.fix


def test_the_owners_hold_is_used_for_estimates():
    state = key_change(seen({A, ISSUER}))
    [_, remove] = owner_steps([state], HoldRules(minimum=86400), T0)
    assert remove.not_before == T0 + timedelta(days=1)
