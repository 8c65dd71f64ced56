"""`mailsec refresh`, the job Task Scheduler runs as root every day and at boot.

One run, under a lock so that two runs never overlap:

1. observe: the last run's state, the certificate MailPlus Server uses and one staged for later
   (`observe`, `staged`);
2. plan: the TLSA records of every MX host and the shared MTA-STS policy (`plan`);
3. apply: publish the policy into Web Station's folder when it changed (`apply`); step the DANE rollover
   and, when the owner configured a DNS provider, publish the records (`dns_publishing`); then ask DNS
   what senders are given now (`observe`);
4. compare: the certificate against the last run, the plan against DNS (`compare`, `rollover_report`);
5. record: the new state, written only when it differs, and the time of the run (`state`); tell the owner
   what is new (`alert`).

Mailsec's own failures (unreadable certificate store, policy not writable) are findings with exit 2, and
the run still does the rest of its work; only a missing root privilege stops it at once. A dry run does
all the asking and planning, and writes nothing, in DNS or on the NAS.
"""

import os
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
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
from mailsec.publish.providers import saved_publisher
from mailsec.refresh.alert import notice_for
from mailsec.refresh.apply import publish_planned_policy
from mailsec.refresh.compare import (
    certificate_change,
    certificate_finding,
    exit_code,
    mta_sts_dns_finding,
    tlsa_dns_finding,
)
from mailsec.refresh.dns_publishing import PUBLISH_FINDING, PublishingJob, PublishingOutcome, run_publishing
from mailsec.refresh.observe import DnsView, mta_sts_name, observe_dns, read_mail_certificate
from mailsec.refresh.plan import MailCertificate, RefreshPlan, mx_hosts, plan_refresh
from mailsec.refresh.rollover import Role
from mailsec.refresh.rollover_report import rollover_findings
from mailsec.refresh.staged import find_staged
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
    dry_run: bool = False
    ca_bundle: Optional[str] = None  # replaces the system's CAs when checking the served policy


@dataclass(frozen=True)
class RefreshOutcome:
    state: RefreshState  # as recorded: certificate, records, findings, exit code
    plan: RefreshPlan
    policy: Optional[PublishedPolicy]
    state_changed: bool
    publishing: PublishingOutcome
    inputs: RefreshInputs

    @property
    def dry_run(self) -> bool:
        return self.inputs.dry_run

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
    if notice is not None and not inputs.dry_run:
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
    staged = None
    if certificate is not None:
        staged = find_staged(inputs.layout, certificate.chain, certificate.facts.cert_id,
                             mx_hosts(inputs.settings), inputs.now)
    plan = plan_refresh(inputs.settings, certificate, staged)
    published, policy_finding = publish_planned_policy(plan.policy, inputs.web_root, inputs.dry_run)
    publishing = _publish(inputs, plan, certificate is not None, published, previous, resolver)
    view = observe_dns(resolver, [host.host for host in plan.hosts], plan.domains if published else ())
    seen = _Seen(certificate, error, published, policy_finding, view, publishing)
    state = _next_state(previous, seen, plan, [*notes, *plan.problems], inputs.now)
    changed = False
    if not inputs.dry_run:
        changed = save_refresh_state(inputs.state_dir, state)
        record_run(inputs.state_dir, inputs.now)
    return RefreshOutcome(state, plan, published, changed, publishing, inputs), previous


def _publish(inputs: RefreshInputs, plan: RefreshPlan, certificate_known: bool,
             published: Optional[PublishedPolicy], previous: RefreshState, resolver) -> PublishingOutcome:
    """The rollover and DNS publishing; a publisher that cannot be built is reported and the plan shown."""
    job = PublishingJob(inputs.state_dir, inputs.settings, plan.hosts, certificate_known, published,
                        previous.records, inputs.now, inputs.dry_run, inputs.ca_bundle)
    try:
        publisher = saved_publisher(inputs.settings.publishing, inputs.state_dir)
    except MailsecError as exc:
        outcome = run_publishing(job, resolver, None)
        failure = Finding(PUBLISH_FINDING, Status.FAIL, inputs.settings.publishing.zone, f"could not publish: {exc}",
                          "Nothing was changed in DNS; follow the steps below, or fix the publishing settings.")
        return replace(outcome, findings=(failure, *outcome.findings))
    return run_publishing(job, resolver, publisher)


@dataclass(frozen=True)
class _Seen:
    """What this run read and did before judging it."""

    certificate: Optional[MailCertificate]
    error: Optional[MailsecError]  # why the certificate could not be read
    published: Optional[PublishedPolicy]
    policy_finding: Optional[Finding]
    dns: DnsView
    publishing: PublishingOutcome


def _next_state(previous: RefreshState, seen: _Seen, plan: RefreshPlan, notes: List[Finding],
                now: datetime) -> RefreshState:
    """The compare phase: what this run found, in the order the owner should read it, as the state to keep."""
    certificate, published, publishing = seen.certificate, seen.published, seen.publishing
    rolling = {host.host: host.records_with(Role.OLD, Role.NEXT) for host in publishing.rollover.hosts}
    tlsa = [tlsa_dns_finding(host, seen.dns.tlsa[host.host], certificate.chain, rolling.get(host.host, ()))
            for host in plan.hosts] if certificate else []
    change = certificate_change(previous.certificate, certificate.facts, now) if certificate else None
    change = change or previous.certificate_change
    rollover = rollover_findings(publishing.rollover.hosts, publishing.rules, now,
                                 publishing.automatic_hosts) if certificate else []
    findings = [
        *notes,
        certificate_finding(certificate, seen.error, change, now),
        *publishing.findings,
        *rollover,
        *tlsa,
        *([seen.policy_finding] if seen.policy_finding else []),
        *(mta_sts_dns_finding(domain, mta_sts_name(domain), published, lookup)
          for domain, lookup in seen.dns.mta_sts.items() if published),
    ]
    return RefreshState(
        certificate=certificate.facts if certificate else previous.certificate,
        certificate_change=change,
        records=plan.records if certificate else previous.records,
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
