"""The Reports page's sections: one per domain, configured domains first, and the next DMARC record."""

from datetime import datetime, timedelta, timezone

from mailsec.reports.dmarc import PublishedPolicy
from mailsec.reports.rollout import Level, RolloutAdvice, StepAssessment, Verdict
from mailsec.reports.store import StoreCounts
from mailsec.reports.summary import ReportsSummary
from mailsec.reports.tls_summary import DayCounts, TlsPolicySummary
from mailsec.settings import DomainSettings, Settings
from mailsec.web.dns_plan import DMARC_STAGES
from mailsec.web.report_sections import DMARC_STAGE, domain_sections, next_dmarc_record

NOW = datetime(2024, 5, 21, tzinfo=timezone.utc)
SETTINGS = Settings(domains=(DomainSettings("example.nl", ("mail.example.nl",)),
                             DomainSettings("example.org", ("mail.example.nl",))))


def advice(domain: str, *levels: Level) -> RolloutAdvice:
    steps = tuple(StepAssessment(level, "change", Verdict.READY, 0, 0, ()) for level in levels)
    return RolloutAdvice(domain, Level.NONE, PublishedPolicy(domain, "none"), 10, 10, 3, steps, (),
                         steps[0].verdict if steps else Verdict.DONE)


def tls(domain: str) -> TlsPolicySummary:
    return TlsPolicySummary("sts", domain, ("mail.example.nl",), 10, 0, 1, (DayCounts("2024-05-20", 10, 0),), ())


def summary(tlsrpt=(), dmarc=()) -> ReportsSummary:
    return ReportsSummary(NOW - timedelta(days=30), NOW, StoreCounts(0, 0, None, None), tuple(tlsrpt), tuple(dmarc),
                          ())


def test_configured_domains_come_first_in_their_order_then_the_others_by_name():
    sections = domain_sections(summary([tls("zz.example"), tls("example.org")],
                                       [advice("aa.example", Level.QUARANTINE_TESTING)]), SETTINGS)
    assert [(section.domain, section.configured) for section in sections] == [
        ("example.nl", True), ("example.org", True), ("aa.example", False), ("zz.example", False)]
    assert not sections[0].tls and not sections[0].dmarc
    assert sections[1].tls[0].chart.last_day == "2024-05-21" and len(sections[1].tls[0].chart.bars) == 31


def test_each_rung_of_the_ladder_is_its_stage_on_the_dns_records_page():
    for level, stage in DMARC_STAGE.items():
        record = next_dmarc_record(SETTINGS, advice("example.nl", level))
        assert record == (f'_dmarc.example.nl. IN TXT "v=DMARC1; {DMARC_STAGES[stage - 1]}; '
                          'rua=mailto:postmaster@example.nl"')
    assert DMARC_STAGES[DMARC_STAGE[Level.QUARANTINE_TESTING] - 1] == "p=quarantine; t=y; pct=0"
    assert DMARC_STAGES[DMARC_STAGE[Level.REJECT] - 1] == "p=reject"


def test_no_next_record_when_done_or_for_a_domain_mailsec_does_not_manage():
    assert next_dmarc_record(SETTINGS, advice("example.nl")) == ""
    assert next_dmarc_record(SETTINGS, advice("elsewhere.example", Level.QUARANTINE)) == ""
    assert next_dmarc_record(SETTINGS, None) == ""
