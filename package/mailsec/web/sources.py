"""What the pages show of the audit, the scheduled refresh and the DANE rollover: the one place to wire them.

Those parts of mailsec are built apart from the app. The pages only ever ask the `Sources` below, and
`saved_sources()` is where each is connected to the real thing; until then it answers "not run yet"
(None) or "not available yet" (`run_audit` is None), and the pages say so. Tests pass their own
`Sources` to `create_app`.

Everything here reads saved state, so a page never waits for the network, except `run_audit`, which runs
when the owner presses "Run the audit".
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping, Optional, Protocol, Sequence

from mailsec import clock
from mailsec.audit.store import load_audit
from mailsec.cli.common import Context
from mailsec.errors import MailsecError
from mailsec.findings import Finding, Status
from mailsec.refresh.rollover import HoldRules, HostRollover, safe_at
from mailsec.refresh.rollover_report import describe_steps, owner_steps
from mailsec.refresh.rollover_store import load_rollover
from mailsec.refresh.state import load_refresh_state
from mailsec.settings import load_settings


class AuditOutcome(Protocol):
    """An audit's report for one domain; `mailsec.audit.report.AuditReport` is one."""

    domain: str
    started: datetime
    findings: Sequence[Finding]


class RefreshOutcome(Protocol):
    """The scheduled `mailsec refresh` job's last run."""

    finished: datetime
    exit_status: int  # 0 in sync, 1 the owner must act, 2 mailsec could not do its part
    records: Sequence[str]  # the TLSA records it computed, as zone lines (`TlsaRecord.zone_line()`)
    messages: Sequence[str]  # what it told the owner


@dataclass(frozen=True)
class RolloverView:
    """The DANE rollover as the last refresh left it: each host's phase and records with their roles,
    when the old records may go, and the steps still to take (with their earliest times, as of now)."""

    automatic: bool
    hosts: Sequence[HostRollover]
    safe_at: Mapping[str, Optional[datetime]]  # by host
    steps: Sequence[str]


def _not_run() -> Optional[RolloverView]:
    return None


@dataclass(frozen=True)
class Sources:
    last_audit: Callable[[str], Optional[AuditOutcome]]  # domain -> its last saved report
    run_audit: Optional[Callable[[str], AuditOutcome]]  # runs and saves one; None: not available yet
    last_refresh: Callable[[], Optional[RefreshOutcome]]
    rollover_steps: Callable[[], Optional[Sequence[str]]]  # the DANE rollover plan, in owner's words
    rollover: Callable[[], Optional[RolloverView]] = _not_run


def saved_sources(context: Context) -> Sources:
    """The sources for the NAS and `make run`, reading the state folder of `context`."""
    return Sources(
        last_audit=lambda domain: _last_audit(context, domain),
        run_audit=lambda domain: _run_audit(context, domain),
        last_refresh=lambda: _last_refresh(context),
        rollover_steps=lambda: _rollover_steps(context),
        rollover=lambda: _rollover(context),
    )


def _last_audit(context: Context, domain: str) -> Optional[AuditOutcome]:
    return load_audit(context.state_dir, domain)


def _run_audit(context: Context, domain: str) -> AuditOutcome:
    from mailsec.audit.owner import audit_for_owner  # noqa: PLC0415 - dnspython and probes, only when asked

    return audit_for_owner(context.layout, context.state_dir, domain)


@dataclass(frozen=True)
class _RefreshSummary:
    finished: datetime
    exit_status: int
    records: Sequence[str]
    messages: Sequence[str]


def _last_refresh(context: Context) -> Optional[RefreshOutcome]:
    """The last run of `mailsec refresh`, from its state file and the time stamp it touches."""
    try:
        state = load_refresh_state(context.state_dir)
    except MailsecError:
        return None
    if state.exit_code is None or state.last_run is None:
        return None
    return _RefreshSummary(
        finished=state.last_run,
        exit_status=state.exit_code,
        records=[record.zone_line() for record in state.records],
        messages=[finding.message for finding in state.findings if finding.status != Status.PASS],
    )


def _rollover(context: Context) -> Optional[RolloverView]:
    """The rollover state refresh saved, with its steps worded as of now; None before its first run."""
    try:
        saved = load_rollover(context.state_dir)
        publishing = load_settings(context.state_dir).publishing
    except MailsecError:
        return None
    if saved is None:
        return None
    rules = HoldRules(minimum=publishing.hold, assumed_ttl=publishing.ttl)
    steps = describe_steps(owner_steps(saved.hosts, rules, clock.now()), saved.automatic, rules)
    return RolloverView(saved.automatic, saved.hosts, {host.host: safe_at(host, rules) for host in saved.hosts}, steps)


def _rollover_steps(context: Context) -> Optional[Sequence[str]]:
    view = _rollover(context)
    return None if view is None else view.steps
