"""The DMARC rollout advisor on crafted report sets whose right answer is known."""

from typing import Dict, Iterable, Optional, Sequence, Tuple

import pytest

from mailsec.reports.dmarc import PublishedPolicy
from mailsec.reports.dmarc_sources import tally_domains
from mailsec.reports.ingest import import_file
from mailsec.reports.rollout import (
    MIN_MESSAGES,
    MIN_REPORT_DAYS,
    Level,
    Role,
    RolloutAdvice,
    Verdict,
    advise,
    level_of,
)
from tests.reports.corpus import DAY, MAY_1, dmarc_row, dmarc_xml

OWN_SERVER = "192.0.2.25"  # the NAS, whose address the MX record gives
ISP_RELAY = "198.51.100.5"  # the seed's owner relays outbound mail through the provider
NEWSLETTER = "203.0.113.9"
SPOOFER = "233.252.0.66"
FORWARDER = "192.0.2.200"

SIGNED = dict(dkim="pass", spf="fail", spf_result="fail")  # DKIM aligned, SPF not: mail through the relay
OWN_UNSIGNED = dict(dkim="fail", spf="fail", dkim_domain=None, spf_result="fail")
SPOOFED = dict(dkim="fail", spf="fail", dkim_domain=None, spf_domain="example.nl", spf_result="fail")
THIRD_PARTY = dict(dkim="fail", spf="fail", dkim_domain="mcsv.net", spf_domain="mcsv.net")


def advice_for(store, write, days: int, rows: Sequence[Tuple], p: str = "none", pct: Optional[int] = None,
               testing: str = "", ptr: Optional[Dict[str, str]] = None, own: Iterable[str] = (OWN_SERVER,),
               earlier: Sequence[Tuple[int, str, Optional[int]]] = ()) -> RolloutAdvice:
    """Import one report a day for `days` days with `rows`, after `earlier` (days, p, pct) periods."""
    start = MAY_1
    for period_days, period_p, period_pct in earlier:
        for day in range(period_days):
            _import_day(store, write, start + day * DAY, rows, period_p, period_pct, "")
        start += period_days * DAY
    for day in range(days):
        _import_day(store, write, start + day * DAY, rows, p, pct, testing)
    (tally,) = tally_domains(store.dmarc_records(0))
    return advise(tally, ptr or {}, own)


def _import_day(store, write, begin: int, rows, p: str, pct: Optional[int], testing: str) -> None:
    path = write(f"{begin}.xml", dmarc_xml(f"r{begin}", begin, rows, p=p, pct=pct, testing=testing))
    assert import_file(store, path, 0)[0].outcome.value == "imported"


def steps(advice: RolloutAdvice):
    return [(step.level, step.verdict) for step in advice.steps]


def roles(advice: RolloutAdvice):
    return {source.source_ip: source.role for source in advice.sources}


@pytest.fixture
def scenario(store, write):
    def run(*args, **kwargs) -> RolloutAdvice:
        return advice_for(store, write, *args, **kwargs)

    return run


def test_aligned_own_mail_and_spoofing_only_is_ready(scenario):
    advice = scenario(20, [dmarc_row(OWN_SERVER, 10), dmarc_row(ISP_RELAY, 5, **SIGNED),
                           dmarc_row(SPOOFER, 3, **SPOOFED)])
    assert advice.current == Level.NONE
    assert steps(advice) == [(Level.QUARANTINE_TESTING, Verdict.READY), (Level.QUARANTINE, Verdict.READY),
                             (Level.REJECT, Verdict.NOT_YET)]
    assert advice.verdict == Verdict.READY
    assert roles(advice) == {OWN_SERVER: Role.ALIGNED, ISP_RELAY: Role.ALIGNED, SPOOFER: Role.UNAUTHENTICATED}
    assert advice.fix_first == ()
    assert advice.steps[0].change == "p=quarantine; t=y; pct=0"
    assert "0 days under full p=quarantine" in advice.steps[2].reasons[0]
    assert (advice.messages, advice.dmarc_pass, advice.report_days) == (360, 300, 20)


def test_own_server_sending_unsigned_mail_blocks_quarantine(scenario):
    advice = scenario(20, [dmarc_row(OWN_SERVER, 7), dmarc_row(OWN_SERVER, 3, **OWN_UNSIGNED)])
    assert steps(advice) == [(Level.QUARANTINE_TESTING, Verdict.READY), (Level.QUARANTINE, Verdict.NOT_YET),
                             (Level.REJECT, Verdict.NOT_YET)]
    (blocker,) = advice.fix_first
    assert (blocker.source_ip, blocker.role, blocker.failing, blocker.messages) == (OWN_SERVER, Role.OWN, 60, 200)
    assert "ip4:192.0.2.25" in blocker.fix
    assert advice.steps[1].would_block == 60
    assert advice.steps[1].reasons[0] == "60 messages from 1 of your own sources would be quarantined; fix them first"


def test_a_source_known_only_by_its_reverse_name_counts_as_own(scenario):
    advice = scenario(20, [dmarc_row(ISP_RELAY, 4, **OWN_UNSIGNED)], ptr={ISP_RELAY: "nas.example.nl"}, own=())
    assert roles(advice) == {ISP_RELAY: Role.OWN}
    assert advice.fix_first[0].ptr == "nas.example.nl"


def test_a_relay_that_sometimes_loses_the_signature_is_partial_and_blocks(scenario):
    advice = scenario(20, [dmarc_row(ISP_RELAY, 8, **SIGNED), dmarc_row(ISP_RELAY, 2, **OWN_UNSIGNED)], own=())
    assert roles(advice) == {ISP_RELAY: Role.PARTIAL}
    assert advice.steps[1].verdict == Verdict.NOT_YET
    assert advice.steps[1].would_block == 40


def test_a_third_party_sender_asks_for_review(scenario):
    advice = scenario(20, [dmarc_row(OWN_SERVER, 10), dmarc_row(NEWSLETTER, 4, **THIRD_PARTY)])
    assert roles(advice)[NEWSLETTER] == Role.THIRD_PARTY
    assert steps(advice)[1] == (Level.QUARANTINE, Verdict.REVIEW)
    assert advice.steps[1].may_block == 80
    assert "mcsv.net" in advice.sources[0].fix


def test_forwarded_failures_do_not_block(scenario):
    advice = scenario(20, [dmarc_row(OWN_SERVER, 10), dmarc_row(FORWARDER, 2, **OWN_UNSIGNED, reasons=["forwarded"])])
    assert roles(advice)[FORWARDER] == Role.FORWARDER
    assert steps(advice)[1] == (Level.QUARANTINE, Verdict.READY)


def test_a_source_passing_98_percent_is_aligned(scenario):
    assert roles(scenario(20, [dmarc_row(OWN_SERVER, 49), dmarc_row(OWN_SERVER, 1, **OWN_UNSIGNED)]))[OWN_SERVER] \
        == Role.ALIGNED


def test_97_percent_is_not_aligned(scenario):
    assert roles(scenario(20, [dmarc_row(OWN_SERVER, 97), dmarc_row(OWN_SERVER, 3, **OWN_UNSIGNED)]))[OWN_SERVER] \
        == Role.OWN


@pytest.mark.parametrize(("days", "per_day", "verdict"), [
    (MIN_REPORT_DAYS, -(-MIN_MESSAGES // MIN_REPORT_DAYS), Verdict.READY),
    (MIN_REPORT_DAYS - 1, 10, Verdict.MORE_DATA),
    (MIN_REPORT_DAYS, 3, Verdict.MORE_DATA),  # 42 messages
])
def test_enough_days_and_messages_are_needed(scenario, days, per_day, verdict):
    advice = scenario(days, [dmarc_row(OWN_SERVER, per_day)])
    assert advice.steps[0].verdict == verdict
    assert advice.steps[1].verdict == verdict


def test_after_two_weeks_at_quarantine_reject_is_ready(scenario):
    advice = scenario(14, [dmarc_row(OWN_SERVER, 10), dmarc_row(SPOOFER, 2, **SPOOFED, disposition="quarantine")],
                      p="quarantine", earlier=[(10, "none", None)])
    assert advice.current == Level.QUARANTINE
    assert steps(advice) == [(Level.REJECT, Verdict.READY)]
    assert advice.report_days == 24


def test_quarantine_with_pct_below_100_is_a_trial(scenario):
    advice = scenario(20, [dmarc_row(OWN_SERVER, 10)], p="quarantine", pct=50)
    assert advice.current == Level.QUARANTINE_TESTING
    assert steps(advice) == [(Level.QUARANTINE, Verdict.READY), (Level.REJECT, Verdict.NOT_YET)]


def test_at_reject_the_rollout_is_done_yet_failing_own_mail_is_still_listed(scenario):
    advice = scenario(20, [dmarc_row(OWN_SERVER, 10), dmarc_row(OWN_SERVER, 1, **OWN_UNSIGNED, disposition="reject")],
                      p="reject")
    assert (advice.current, advice.steps, advice.verdict) == (Level.REJECT, (), Verdict.DONE)
    assert [source.source_ip for source in advice.fix_first] == [OWN_SERVER]


@pytest.mark.parametrize(("policy", "level"), [
    (PublishedPolicy("example.nl", ""), Level.NONE),
    (PublishedPolicy("example.nl", "none", pct=0), Level.NONE),
    (PublishedPolicy("example.nl", "quarantine"), Level.QUARANTINE),
    (PublishedPolicy("example.nl", "quarantine", pct=100), Level.QUARANTINE),
    (PublishedPolicy("example.nl", "quarantine", pct=0), Level.QUARANTINE_TESTING),
    (PublishedPolicy("example.nl", "quarantine", testing="y"), Level.QUARANTINE_TESTING),
    (PublishedPolicy("example.nl", "reject", testing="y"), Level.REJECT_TESTING),
    (PublishedPolicy("example.nl", "reject"), Level.REJECT),
    (PublishedPolicy("example.nl", "bogus"), Level.NONE),
])
def test_published_policies_map_onto_the_ladder(policy, level):
    assert level_of(policy) == level


def test_reject_on_trial_moves_straight_to_reject(scenario):
    advice = scenario(20, [dmarc_row(OWN_SERVER, 10)], p="reject", testing="y")
    assert steps(advice) == [(Level.REJECT, Verdict.READY)]


def test_sources_to_fix_come_first_busiest_first(scenario):
    advice = scenario(20, [dmarc_row(SPOOFER, 50, **SPOOFED), dmarc_row(OWN_SERVER, 10),
                           dmarc_row(NEWSLETTER, 5, **THIRD_PARTY), dmarc_row(ISP_RELAY, 1, **SIGNED),
                           dmarc_row(ISP_RELAY, 1, **OWN_UNSIGNED), dmarc_row(OWN_SERVER, 2, **OWN_UNSIGNED)])
    assert [(s.source_ip, s.role) for s in advice.sources] == [
        (OWN_SERVER, Role.OWN), (ISP_RELAY, Role.PARTIAL), (NEWSLETTER, Role.THIRD_PARTY),
        (SPOOFER, Role.UNAUTHENTICATED)]
