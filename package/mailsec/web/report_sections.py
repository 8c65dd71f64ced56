"""The Reports page's reading of a `ReportsSummary`: one section per mail domain, with a chart for every
TLS-RPT policy and, for DMARC, the next record of the rollout.

The summary lists TLS-RPT policies and DMARC domains apart; an owner thinks per domain. Configured domains
come first, in the order of the settings, then any other domain that reports arrived for.
"""

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from mailsec.reports.rollout import Level, RolloutAdvice
from mailsec.reports.summary import ReportsSummary
from mailsec.reports.tls_summary import TlsPolicySummary
from mailsec.settings import Settings
from mailsec.web.charts import DayChart, day_chart
from mailsec.web.dns_plan import planned_records

# The rungs of the rollout ladder as stages of the DMARC record on the DNS records page (`DMARC_STAGES`).
DMARC_STAGE = {Level.QUARANTINE_TESTING: 2, Level.QUARANTINE: 3, Level.REJECT: 4}


@dataclass(frozen=True)
class TlsPanel:
    policy: TlsPolicySummary
    chart: DayChart


@dataclass(frozen=True)
class DomainReports:
    domain: str
    configured: bool
    tls: Tuple[TlsPanel, ...]
    dmarc: Optional[RolloutAdvice]
    next_record: str  # the zone line of the next DMARC stage; "" when the domain is not configured, or done


def domain_sections(summary: ReportsSummary, settings: Settings) -> List[DomainReports]:
    first, last = summary.since.date(), summary.until.date()
    tls: Dict[str, List[TlsPanel]] = {}
    for policy in summary.tlsrpt:
        tls.setdefault(policy.policy_domain, []).append(TlsPanel(policy, day_chart(policy.days, first, last)))
    dmarc = {advice.domain: advice for advice in summary.dmarc}
    configured = [entry.domain for entry in settings.domains]
    others = sorted((set(tls) | set(dmarc)) - set(configured))
    return [
        DomainReports(domain, domain in configured, tuple(tls.get(domain, ())), dmarc.get(domain),
                      next_dmarc_record(settings, dmarc.get(domain)))
        for domain in configured + others
    ]


def next_dmarc_record(settings: Settings, advice: Optional[RolloutAdvice]) -> str:
    """The `_dmarc` record of the rollout's next rung, as the DNS records page writes it."""
    entry = settings.domain(advice.domain) if advice else None
    if entry is None or not advice.steps:
        return ""
    stage = DMARC_STAGE[advice.steps[0].level]
    return next(record.zone_line for record in planned_records(entry, entry.policy(), ())
                if record.topic == "dmarc" and record.stage == stage)
