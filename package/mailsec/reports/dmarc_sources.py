"""DMARC reports summed up per policy domain and per sending address.

For each domain that receivers reported on: how many messages, from which IP addresses, how many
passed DMARC (SPF or DKIM aligned with the From: domain), what the unaligned passes were for (a
newsletter service passing SPF for its own bounce domain shows up here), and which policy receivers
found on which days. The rollout advisor works from this tally alone, plus reverse names.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Dict, Iterable, List, Set, Tuple

from mailsec.reports.dmarc import DmarcRecord, PublishedPolicy
from mailsec.reports.store import StoredDmarcRecord

FORWARDING_REASONS = frozenset({"forwarded", "mailing_list", "trusted_forwarder"})  # RFC 7489 §6.6.2 overrides
MAX_DAYS_PER_REPORT = 31  # a report claiming a longer period counts for a month of coverage at most


@dataclass(frozen=True)
class SourceTally:
    """Everything the reports say about one sending address."""

    source_ip: str
    messages: int
    dmarc_pass: int
    dkim_aligned: int
    spf_aligned: int
    forwarded: int  # failing messages the receiver let through as forwarded or from a mailing list
    quarantined: int
    rejected: int
    dkim_domains: Tuple[str, ...]  # domains a DKIM signature passed for, aligned or not
    spf_domains: Tuple[str, ...]  # domains SPF passed for, aligned or not
    header_from: Tuple[str, ...]
    reporters: Tuple[str, ...]

    @property
    def failing(self) -> int:
        return self.messages - self.dmarc_pass

    @property
    def pass_share(self) -> float:
        return self.dmarc_pass / self.messages if self.messages else 0.0


@dataclass(frozen=True)
class PolicyPeriod:
    """A policy receivers reported finding, and on how many distinct days."""

    policy: PublishedPolicy
    days: int
    last_end: int


@dataclass(frozen=True)
class DomainTally:
    domain: str
    reports: int
    report_days: int  # distinct UTC days covered by the reports
    messages: int
    dmarc_pass: int
    policies: Tuple[PolicyPeriod, ...]  # latest first
    sources: Tuple[SourceTally, ...]  # busiest first

    @property
    def current_policy(self) -> PublishedPolicy:
        return self.policies[0].policy


def tally_domains(records: Iterable[StoredDmarcRecord]) -> List[DomainTally]:
    """One tally per reported policy domain, busiest first."""
    domains: Dict[str, _DomainCounter] = {}
    for stored in records:
        domains.setdefault(stored.policy.domain, _DomainCounter(stored.policy.domain)).add(stored)
    tallies = [counter.freeze() for counter in domains.values()]
    return sorted(tallies, key=lambda tally: (-tally.messages, tally.domain))


@dataclass
class _SourceCounter:
    source_ip: str
    counts: Dict[str, int] = field(default_factory=dict)
    dkim_domains: Dict[str, None] = field(default_factory=dict)
    spf_domains: Dict[str, None] = field(default_factory=dict)
    header_from: Dict[str, None] = field(default_factory=dict)
    reporters: Dict[str, None] = field(default_factory=dict)

    def add(self, record: DmarcRecord, reporter: str) -> None:
        count = record.count
        self._bump("messages", count)
        self._bump("dmarc_pass", count if record.dmarc_pass else 0)
        self._bump("dkim_aligned", count if record.dkim_aligned == "pass" else 0)
        self._bump("spf_aligned", count if record.spf_aligned == "pass" else 0)
        overridden = not record.dmarc_pass and bool(FORWARDING_REASONS.intersection(record.reasons))
        self._bump("forwarded", count if overridden else 0)
        self._bump("quarantined", count if record.disposition == "quarantine" else 0)
        self._bump("rejected", count if record.disposition == "reject" else 0)
        for result in record.auth_results:
            if result.result == "pass" and result.domain:
                (self.dkim_domains if result.method == "dkim" else self.spf_domains)[result.domain] = None
        self.header_from[record.header_from] = None
        self.reporters[reporter] = None

    def _bump(self, name: str, count: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + count

    def freeze(self) -> SourceTally:
        counts = self.counts
        return SourceTally(
            self.source_ip, counts["messages"], counts["dmarc_pass"], counts["dkim_aligned"], counts["spf_aligned"],
            counts["forwarded"], counts["quarantined"], counts["rejected"], tuple(self.dkim_domains),
            tuple(self.spf_domains), tuple(name for name in self.header_from if name), tuple(self.reporters))


class _DomainCounter:
    def __init__(self, domain: str) -> None:
        self.domain = domain
        self.sources: Dict[str, _SourceCounter] = {}
        self.reports: Set[Tuple[str, str]] = set()
        self.days: Set[str] = set()
        self.policy_days: Dict[PublishedPolicy, Set[str]] = {}
        self.policy_ends: Dict[PublishedPolicy, int] = {}

    def add(self, stored: StoredDmarcRecord) -> None:
        origin = stored.origin
        report = (origin.organization, origin.report_id)
        if report not in self.reports:
            self.reports.add(report)
            days = _days(origin.begin, origin.end)
            self.days |= days
            self.policy_days.setdefault(stored.policy, set()).update(days)
            self.policy_ends[stored.policy] = max(self.policy_ends.get(stored.policy, 0), origin.end)
        source = self.sources.setdefault(stored.record.source_ip, _SourceCounter(stored.record.source_ip))
        source.add(stored.record, origin.organization)

    def freeze(self) -> DomainTally:
        sources = sorted((counter.freeze() for counter in self.sources.values()),
                         key=lambda source: (-source.messages, source.source_ip))
        periods = sorted((PolicyPeriod(policy, len(days), self.policy_ends[policy])
                          for policy, days in self.policy_days.items()), key=lambda period: -period.last_end)
        return DomainTally(
            domain=self.domain, reports=len(self.reports), report_days=len(self.days),
            messages=sum(source.messages for source in sources),
            dmarc_pass=sum(source.dmarc_pass for source in sources),
            policies=tuple(periods), sources=tuple(sources),
        )


def _days(begin: int, end: int) -> Set[str]:
    """The UTC dates a report period touches (a period ending exactly at midnight does not touch the next day)."""
    first = datetime.fromtimestamp(begin, timezone.utc).date()
    last = datetime.fromtimestamp(max(begin, end - 1), timezone.utc).date()
    span = min((last - first).days, MAX_DAYS_PER_REPORT - 1)
    return {(first + timedelta(days=offset)).isoformat() for offset in range(span + 1)}
