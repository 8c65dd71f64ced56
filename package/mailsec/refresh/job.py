"""`mailsec refresh`, the job Task Scheduler runs as root every day and at boot.

One run, under a lock so that two runs never overlap:

1. observe: the last run's state, the certificate MailPlus Server uses (`observe`);
2. plan: the TLSA records of every MX host and the shared MTA-STS policy (`plan`);
3. apply: publish the policy into Web Station's folder when it changed (`apply`), then ask DNS what it
   publishes now (`observe`);
4. compare: the certificate against the last run, the plan against DNS (`compare`);
5. record: the new state, written only when it differs, and the time of the run (`state`); tell the owner
   what is new (`alert`).

Mailsec's own failures (unreadable certificate store, policy not writable) are findings with exit 2, and
the run still does the rest of its work; only a missing root privilege stops it at once.
"""

import os
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from mailsec.atomicfile import ensure_folder
from mailsec.errors import MailsecError, NeedsRootError
from mailsec.filelock import exclusive_lock
from mailsec.findings import Finding, Status
from mailsec.mtasts.publish import PublishedPolicy
from mailsec.nas import NasLayout
from mailsec.notify import DsmNotifier
from mailsec.refresh.alert import notice_for
from mailsec.refresh.apply import publish_planned_policy
from mailsec.refresh.compare import (
    certificate_change,
    certificate_finding,
    exit_code,
    mta_sts_dns_finding,
    rollover_findings,
    superseded_records,
    tlsa_dns_finding,
)
from mailsec.refresh.observe import DnsView, mta_sts_name, observe_dns, read_mail_certificate
from mailsec.refresh.plan import MailCertificate, RefreshPlan, plan_refresh
from mailsec.refresh.state import RefreshState, StateError, load_refresh_state, record_run, save_refresh_state
from mailsec.settings import Settings

LOCK_FILE = "refresh.lock"
STATE_FINDING = "refresh.state"
NEEDS_ROOT = ("mailsec refresh must run as root, because only root may read DSM's certificate store; run it "
              "from the Task Scheduler task that 'mailsec refresh --show-task' describes.")


@dataclass(frozen=True)
class RefreshInputs:
    layout: NasLayout
    state_dir: Path
    settings: Settings
    web_root: Path
    now: datetime


@dataclass(frozen=True)
class RefreshOutcome:
    state: RefreshState  # as recorded: certificate, records, findings, exit code
    plan: RefreshPlan
    policy: Optional[PublishedPolicy]
    state_changed: bool

    @property
    def exit_code(self) -> int:
        assert self.state.exit_code is not None
        return self.state.exit_code


def run_refresh(inputs: RefreshInputs, resolver, notifier: DsmNotifier) -> RefreshOutcome:
    """One refresh run; `resolver` answers `query(name, rdtype) -> Lookup` (see `mailsec.resolver`)."""
    try:
        with _refresh_lock(inputs.state_dir):
            outcome, previous = _refresh(inputs, resolver)
    except NeedsRootError:
        if os.geteuid() == 0:
            raise
        raise NeedsRootError(NEEDS_ROOT) from None
    notice = notice_for(previous.findings, outcome.state.findings, outcome.exit_code, outcome.state_changed)
    if notice is not None:
        notifier.send(notice)
    return outcome


@contextmanager
def _refresh_lock(state_dir: Path) -> Iterator[None]:
    """The lock that keeps two runs apart; failing to take it as an unprivileged user means "not root"."""
    with ExitStack() as stack:
        try:
            ensure_folder(state_dir, 0o755)
            stack.enter_context(exclusive_lock(state_dir / LOCK_FILE))
        except (OSError, MailsecError) as exc:
            if os.geteuid() != 0:
                raise NeedsRootError(NEEDS_ROOT) from None
            raise MailsecError(f"cannot lock {state_dir / LOCK_FILE}: {exc}") from None
        yield


def _refresh(inputs: RefreshInputs, resolver) -> Tuple[RefreshOutcome, RefreshState]:
    previous, notes = _previous_state(inputs.state_dir)
    certificate, error = _mail_certificate(inputs.layout)
    plan = plan_refresh(inputs.settings, certificate)
    published, policy_finding = publish_planned_policy(plan.policy, inputs.web_root)
    view = observe_dns(resolver, [host.host for host in plan.hosts], plan.domains if published else ())
    seen = _Seen(certificate, error, published, policy_finding, view)
    state = _next_state(previous, seen, plan, [*notes, *plan.problems], inputs.now)
    changed = save_refresh_state(inputs.state_dir, state)
    record_run(inputs.state_dir, inputs.now)
    return RefreshOutcome(state, plan, published, changed), previous


@dataclass(frozen=True)
class _Seen:
    """What this run read and did before judging it."""

    certificate: Optional[MailCertificate]
    error: Optional[MailsecError]  # why the certificate could not be read
    published: Optional[PublishedPolicy]
    policy_finding: Optional[Finding]
    dns: DnsView


def _next_state(previous: RefreshState, seen: _Seen, plan: RefreshPlan, notes: List[Finding],
                now: datetime) -> RefreshState:
    """The compare phase: what this run found, in the order the owner should read it, as the state to keep."""
    certificate, published = seen.certificate, seen.published
    tlsa = [tlsa_dns_finding(host, seen.dns.tlsa[host.host], certificate.chain)
            for host in plan.hosts] if certificate else []
    superseded, since = _superseded(previous, plan, certificate, tlsa, now)
    change = certificate_change(previous.certificate, certificate.facts, now) if certificate else None
    change = change or previous.certificate_change
    findings = [
        *notes,
        certificate_finding(certificate, seen.error, change, now),
        *rollover_findings(superseded, plan.hosts, since),
        *tlsa,
        *([seen.policy_finding] if seen.policy_finding else []),
        *(mta_sts_dns_finding(domain, mta_sts_name(domain), published, lookup)
          for domain, lookup in seen.dns.mta_sts.items() if published),
    ]
    return RefreshState(
        certificate=certificate.facts if certificate else previous.certificate,
        certificate_change=change,
        records=plan.records if certificate else previous.records,
        superseded=superseded,
        superseded_since=since,
        policy_id=published.policy.policy_id if published else previous.policy_id,
        exit_code=exit_code(findings),
        findings=tuple(findings),
    )


def _previous_state(state_dir: Path) -> Tuple[RefreshState, List[Finding]]:
    try:
        return load_refresh_state(state_dir), []
    except StateError as exc:
        return RefreshState(), [Finding(STATE_FINDING, Status.WARN, "state", str(exc))]


def _mail_certificate(layout: NasLayout) -> Tuple[Optional[MailCertificate], Optional[MailsecError]]:
    try:
        return read_mail_certificate(layout), None
    except NeedsRootError:
        raise
    except MailsecError as exc:
        return None, exc


def _superseded(previous: RefreshState, plan: RefreshPlan, certificate: Optional[MailCertificate],
                tlsa: List[Finding], now: datetime) -> Tuple[Tuple, str]:
    """The records a renewal replaced, and since when; kept until DNS shows the current records cleanly."""
    if certificate is None:
        return previous.superseded, previous.superseded_since
    superseded = superseded_records(previous.records + previous.superseded, plan.records)
    if not superseded or all(finding.status in (Status.PASS, Status.WARN) for finding in tlsa):
        return (), ""
    return superseded, previous.superseded_since or now.strftime("%Y-%m-%d %H:%M UTC")
