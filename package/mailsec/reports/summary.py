"""The reports summary: TLS-RPT per policy and MX, DMARC per domain with rollout advice.

`load_summary()` is what the CLI (`mailsec reports summary`) and the app's Reports page call: it reads
the stored reports of the last days, looks up what needs looking up (certificate, TLSA records and
MX addresses; reverse names of DMARC sources) concurrently, and returns one typed `ReportsSummary`.
`summary_json()` turns it into the `--json` document.
"""

from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Dict, Iterable, Optional, Set, Tuple

from mailsec.audit.concurrency import parallel_map
from mailsec.nas import NasLayout
from mailsec.reports.dmarc_sources import tally_domains
from mailsec.reports.lookups import look_up_deployment, reverse_names
from mailsec.reports.rollout import RolloutAdvice, advise
from mailsec.reports.store import ReportStore, StoreCounts, StoredTlsPolicy
from mailsec.reports.tls_summary import TlsPolicySummary, summarize_tls
from mailsec.resolver import DnsResolver
from mailsec.settings import Settings

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class ReportsSummary:
    since: datetime
    until: datetime
    stored: StoreCounts
    tlsrpt: Tuple[TlsPolicySummary, ...]
    dmarc: Tuple[RolloutAdvice, ...]
    notes: Tuple[str, ...]

    @property
    def needs_action(self) -> bool:
        """TLS failures were reported, or own mail fails DMARC."""
        return any(policy.failures for policy in self.tlsrpt) or any(advice.fix_first for advice in self.dmarc)


def load_summary(store: ReportStore, layout: NasLayout, settings: Settings, resolver: Optional[DnsResolver],
                 now: datetime, days: int = DEFAULT_DAYS) -> ReportsSummary:
    """Summarize the reports of the `days` before `now`; without a resolver, DNS is not consulted."""
    since = now - timedelta(days=days)
    start = int(since.timestamp())
    policies = store.tls_policies(start)
    tallies = tally_domains(store.dmarc_records(start))
    sources = [source.source_ip for tally in tallies for source in tally.sources]
    deployment, names = parallel_map(lambda job: job(), [
        lambda: look_up_deployment(layout, settings, resolver, _mx_hosts(policies)),
        lambda: reverse_names(resolver, sources) if resolver is not None else {},
    ])
    return ReportsSummary(
        since=since, until=now, stored=store.counts(),
        tlsrpt=tuple(summarize_tls(policies, deployment, now)),
        dmarc=tuple(advise(tally, names, deployment.own_addresses) for tally in tallies),
        notes=deployment.notes,
    )


def summary_json(summary: ReportsSummary) -> Dict[str, Any]:
    document = _jsonable(summary)
    document["needs_action"] = summary.needs_action
    return document


def _mx_hosts(policies: Iterable[StoredTlsPolicy]) -> Set[str]:
    hosts: Set[str] = set()
    for entry in policies:
        if entry.result.policy_type == "tlsa":
            hosts.update(entry.result.mx_hosts)
        hosts.update(failure.receiving_mx for failure in entry.result.failure_details)
    return hosts


def _jsonable(value: Any) -> Any:
    if is_dataclass(value):
        return {field.name: _jsonable(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (frozenset, set)):
        return sorted(_jsonable(item) for item in value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value
