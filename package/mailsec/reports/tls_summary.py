"""TLS-RPT reports summed up: per policy and MX, sessions over time and failures by kind.

Senders report per policy they applied (`sts` for MTA-STS, `tlsa` for DANE) and per MX pattern or
host. The summary keeps that split, so an owner sees at once whether DANE or MTA-STS is failing and
for which MX, counts sessions per UTC day (a report is counted on the day its period starts), and
groups the failures by result type, each with its likely cause checked against today's deployment.
"""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Dict, Iterable, List, Tuple

from mailsec.reports.deployment import Deployment
from mailsec.reports.store import StoredTlsPolicy
from mailsec.reports.tls_causes import Diagnosis, FailureContext, diagnose
from mailsec.reports.tlsrpt import TlsFailure

MAX_LISTED = 5  # addresses and names listed per failure kind; the counts cover all of them


@dataclass(frozen=True)
class DayCounts:
    day: str  # YYYY-MM-DD, UTC
    successes: int
    failures: int


@dataclass(frozen=True)
class FailureGroup:
    """All failures of one result type under one policy and MX, with what they probably mean."""

    result_type: str
    sessions: int
    first_seen: datetime  # start of the first report period with this failure
    last_seen: datetime  # end of the last one
    reporters: Tuple[str, ...]
    receiving_mx: Tuple[str, ...]
    receiving_ips: Tuple[str, ...]
    sending_ips: Tuple[str, ...]
    reason_codes: Tuple[str, ...]
    diagnosis: Diagnosis


@dataclass(frozen=True)
class TlsPolicySummary:
    policy_type: str
    policy_domain: str
    mx: Tuple[str, ...]
    successes: int
    failures: int
    reports: int
    days: Tuple[DayCounts, ...]
    failure_groups: Tuple[FailureGroup, ...]

    @property
    def failure_share(self) -> float:
        total = self.successes + self.failures
        return self.failures / total if total else 0.0


def summarize_tls(policies: Iterable[StoredTlsPolicy], deployment: Deployment, now: datetime) -> List[TlsPolicySummary]:
    """One summary per (policy type, policy domain, MX), busiest first."""
    grouped: Dict[Tuple[str, str, Tuple[str, ...]], List[StoredTlsPolicy]] = OrderedDict()
    for entry in policies:
        result = entry.result
        grouped.setdefault((result.policy_type, result.policy_domain, result.mx_hosts), []).append(entry)
    summaries = [_summary(key, entries, deployment, now) for key, entries in grouped.items()]
    return sorted(summaries, key=lambda s: (-s.failures, -(s.successes + s.failures), s.policy_domain))


def _summary(key: Tuple[str, str, Tuple[str, ...]], entries: List[StoredTlsPolicy], deployment: Deployment,
             now: datetime) -> TlsPolicySummary:
    policy_type, domain, mx = key
    days: Dict[str, List[int]] = {}
    for entry in entries:
        counts = days.setdefault(_day(entry.origin.begin), [0, 0])
        counts[0] += entry.result.successes
        counts[1] += entry.result.failures
    strings = tuple(dict.fromkeys(s for entry in entries for s in entry.result.policy_strings))
    groups = [_failure_group(result_type, members, FailureContext(policy_type, domain, mx, strings, deployment, now))
              for result_type, members in _by_result_type(entries).items()]
    return TlsPolicySummary(
        policy_type=policy_type, policy_domain=domain, mx=mx,
        successes=sum(entry.result.successes for entry in entries),
        failures=sum(entry.result.failures for entry in entries),
        reports=len({(entry.origin.organization, entry.origin.report_id) for entry in entries}),
        days=tuple(DayCounts(day, ok, failed) for day, (ok, failed) in sorted(days.items())),
        failure_groups=tuple(sorted(groups, key=lambda group: -group.sessions)),
    )


def _by_result_type(entries: List[StoredTlsPolicy]) -> Dict[str, List[Tuple[StoredTlsPolicy, TlsFailure]]]:
    grouped: Dict[str, List[Tuple[StoredTlsPolicy, TlsFailure]]] = OrderedDict()
    for entry in entries:
        for failure in entry.result.failure_details:
            grouped.setdefault(failure.result_type, []).append((entry, failure))
    return grouped


def _failure_group(result_type: str, members: List[Tuple[StoredTlsPolicy, TlsFailure]],
                   context: FailureContext) -> FailureGroup:
    failures = [failure for _entry, failure in members]
    receiving_mx = _distinct(failure.receiving_mx for failure in failures)
    first_seen = min(entry.origin.begin for entry, _failure in members)
    return FailureGroup(
        result_type=result_type,
        sessions=sum(failure.sessions for failure in failures),
        first_seen=_moment(first_seen),
        last_seen=_moment(max(entry.origin.end for entry, _failure in members)),
        reporters=_distinct(entry.origin.organization for entry, _failure in members)[:MAX_LISTED],
        receiving_mx=receiving_mx[:MAX_LISTED],
        receiving_ips=_distinct(failure.receiving_ip for failure in failures)[:MAX_LISTED],
        sending_ips=_distinct(failure.sending_ip for failure in failures)[:MAX_LISTED],
        reason_codes=_distinct(failure.reason_code for failure in failures)[:MAX_LISTED],
        diagnosis=diagnose(result_type, receiving_mx, first_seen, context),
    )


def _distinct(values: Iterable[str]) -> Tuple[str, ...]:
    return tuple(value for value in dict.fromkeys(values) if value)


def _moment(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc)


def _day(timestamp: int) -> str:
    return _moment(timestamp).strftime("%Y-%m-%d")
