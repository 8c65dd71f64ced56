"""What needs the owner's attention first, per domain, from what the app already knows (no network).

Each item has a level the page shows in colour and in words: `fail` (mail is or will be refused; act
now), `warn` (act soon), `info` (the next step), or a single `pass` when nothing is left to do. Items are
ordered by level, so the first one is the one to do first.
"""

from datetime import datetime
from typing import List, NamedTuple, Optional, Sequence, Tuple

from mailsec.findings import Finding, Status
from mailsec.mtasts.policy import Mode
from mailsec.settings import DomainSettings
from mailsec.web.certificate import CertificateReading
from mailsec.web.enforce import enforce_blockers
from mailsec.web.i18n import Text, text
from mailsec.web.served import FileState, ServedPolicy
from mailsec.web.sources import AuditOutcome, RefreshOutcome

LEVELS = ("fail", "warn", "info", "pass")
DANE = "dane.index"
SEVERITY = (Status.FAIL, Status.ERROR, Status.WARN, Status.SKIP, Status.PASS)  # worst first
_POLICY_FILE = {  # without a policy, mail flows as it did before MTA-STS: worth doing, not urgent
    FileState.DIFFERENT: "attention.policy_different",
    FileState.MISSING: "attention.policy_missing",
    FileState.UNREADABLE: "attention.policy_unreadable",
}
_AUDIT_COUNTS = (
    (Status.ERROR, "warn", "attention.audit_errors"),
    (Status.WARN, "info", "attention.audit_warnings"),
)
_REFRESH = {1: ("warn", "attention.refresh_action"), 2: ("fail", "attention.refresh_failed")}


class Attention(NamedTuple):
    level: str
    message: Text
    endpoint: str  # the page where it is dealt with


def attention(
    entry: DomainSettings,
    reading: CertificateReading,
    served: ServedPolicy,
    audit: Optional[AuditOutcome],
    refresh: Optional[RefreshOutcome],
    *,
    now: datetime,
) -> List[Attention]:
    items = [
        *_certificate(reading, now),
        *_policy(served),
        *_audit(audit),
        *_refresh(refresh),
    ]
    testing = entry.mode != Mode.ENFORCE.value
    if testing and audit is not None and not enforce_blockers(audit, served, entry.mx):
        items.append(Attention("info", text("attention.ready_for_enforce"), "mtasts.index"))
    items.sort(key=lambda item: LEVELS.index(item.level))
    return items or [Attention("pass", text("attention.all_well"), "audit.index")]


def _certificate(reading: CertificateReading, now: datetime) -> List[Attention]:
    certificate = reading.certificate
    if certificate is None:
        if reading.needs_root:  # the usual case on the NAS: the scheduled task reads it (see _refresh)
            return []
        return [Attention("fail", text("attention.certificate_unreadable", problem=reading.problem), DANE)]
    items = []
    days = certificate.days_left(now)
    if days < 0:
        expired = f"{certificate.not_after:%Y-%m-%d}"
        items.append(Attention("fail", text("attention.certificate_expired", date=expired), DANE))
    elif certificate.expiring(now):
        items.append(Attention("warn", text("attention.certificate_expiring", days=days), DANE))
    if certificate.uncovered:
        hosts = ", ".join(certificate.uncovered)
        items.append(Attention("fail", text("attention.certificate_uncovered", hosts=hosts), DANE))
    return items


def _policy(served: ServedPolicy) -> List[Attention]:
    if served.state == FileState.CURRENT:
        return []
    return [Attention("warn", text(_POLICY_FILE[served.state]), "mtasts.index")]


def _audit(audit: Optional[AuditOutcome]) -> List[Attention]:
    if audit is None:
        return [Attention("info", text("attention.run_audit"), "audit.index")]
    items = []
    failed = [finding for finding in audit.findings if finding.status == Status.FAIL]
    if failed:
        first = failed[0]
        message = text("attention.audit_failed", count=len(failed), subject=first.subject,
                       message=first.message)
        items.append(Attention("fail", message, "audit.index"))
    for status, level, key in _AUDIT_COUNTS:
        count = sum(1 for finding in audit.findings if finding.status == status)
        if count:
            items.append(Attention(level, text(key, count=count), "audit.index"))
    return items


def _refresh(refresh: Optional[RefreshOutcome]) -> List[Attention]:
    if refresh is None:
        return [Attention("info", text("attention.create_task"), "schedule.index")]
    if refresh.exit_status == 0:
        return []
    level, key = _REFRESH.get(refresh.exit_status, _REFRESH[2])
    return [Attention(level, text(key), "schedule.index")]


def counts(findings: Sequence[Finding]) -> List[Tuple[str, int]]:
    """How many findings have each status, worst first, statuses without findings left out."""
    tally = [(status, sum(1 for finding in findings if finding.status == status)) for status in SEVERITY]
    return [(status.value, count) for status, count in tally if count]


def worst(findings: Sequence[Finding], check: str) -> Optional[str]:
    """The worst status among the findings of `check`, or None when there are none."""
    statuses = {finding.status for finding in findings if finding.id == check}
    return next((status.value for status in SEVERITY if status in statuses), None)
