"""Publishing refresh's records and rolling TLSA records over: the I/O around the pure rollover.

One run:

1. Every record set involved is asked of every authoritative server of its zone (`publish.authoritative`).
2. Each MX host's rollover takes a step (`rollover.step`) and the state is saved (`rollover_store`).
3. With a publisher: what the provider holds is read, the changes are planned (`publish.records`) and
   applied. The servers are asked again (a few times, while a change has not reached all of them yet) and
   the rollover steps again on what they say. A removal is only ever planned from an observation that
   allowed it (the additions were seen on every server, and the hold has passed, in an earlier run), and
   only from a record set whose copy at the provider holds every record of the certificate in use.
4. The `_mta-sts` TXT record changes only once the new policy is being served (`served`); `_smtp._tls`
   is published when the owner configured it.

Without a publisher only steps 1 and 2 run, and the plan becomes the owner's steps. A dry run asks and
plans, and changes nothing: not DNS, not a file.
"""

import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from mailsec.findings import Finding, Status
from mailsec.mtasts.publish import PublishedPolicy
from mailsec.publish.authoritative import ZoneView, read_zone, zone_of
from mailsec.publish.publisher import Publisher, PublishError
from mailsec.publish.records import RecordChange, RecordKey, RecordSet, Wanted, plan_changes
from mailsec.records.ststxt import STS_VERSION
from mailsec.records.tlsrpt import TLSRPT_VERSION
from mailsec.refresh.plan import HostPlan
from mailsec.refresh.rollover import LIVE_ROLES, HoldRules, HostRollover, HostStep, Observation, seeded, step
from mailsec.refresh.rollover_store import RolloverState, RolloverStoreError, load_rollover, save_rollover
from mailsec.refresh.served import ServedPolicy, Serving, served_policy
from mailsec.settings import Settings
from mailsec.tlsa import TlsaRecord, tlsa_owner

PUBLISH_FINDING = "refresh.publish"
STS_SERVED_FINDING = "refresh.mta-sts.served"
ROLLOVER_STATE_FINDING = "refresh.rollover.state"
MAX_ROUNDS = 3  # add, then see them; or remove, then see them gone
SETTLE_ATTEMPTS = 5
SETTLE_PAUSE = 2.0  # seconds between looks while a change reaches the secondaries


@dataclass(frozen=True)
class PublishingJob:
    state_dir: Path
    settings: Settings
    hosts: Tuple[HostPlan, ...]
    certificate_known: bool  # False: the store could not be read; the rollover waits
    policy: Optional[PublishedPolicy]  # the policy in Web Station's folder (None: none)
    seed: Tuple[TlsaRecord, ...]  # the last run's records, for the first run after an upgrade
    now: datetime
    dry_run: bool = False
    ca_bundle: Optional[str] = None


@dataclass(frozen=True)
class PublishingOutcome:
    rollover: RolloverState
    changes: Tuple[RecordChange, ...]  # made, or planned in a dry run
    findings: Tuple[Finding, ...]
    automatic_hosts: Tuple[str, ...]  # hosts whose records mailsec publishes
    rules: HoldRules


def run_publishing(job: PublishingJob, resolver, publisher: Optional[Publisher],
                   served: Callable[..., ServedPolicy] = served_policy,
                   pause: Callable[[float], None] = time.sleep) -> PublishingOutcome:
    """Step the rollover, and publish with `publisher` when there is one (see the module docstring)."""
    return _Run(job, resolver, publisher, served, pause).run()


class _Run:
    def __init__(self, job: PublishingJob, resolver, publisher: Optional[Publisher],
                 served: Callable[..., ServedPolicy], pause: Callable[[float], None]) -> None:
        self.job, self.resolver, self.publisher = job, resolver, publisher
        self.served, self.pause = served, pause
        publishing = job.settings.publishing
        self.rules = HoldRules(minimum=publishing.hold, assumed_ttl=publishing.ttl)
        self.findings: List[Finding] = []
        self.states: Dict[str, HostRollover] = {}
        self.zones, self.zone_problems = self._zones()
        self.automatic = tuple(h.host for h in job.hosts if publisher and self.zones[h.host] == publisher.zone)

    def run(self) -> PublishingOutcome:
        self._load()
        self._check_publisher()
        views = self._observe(())
        txt = self._txt_wanted() if self.publisher and not self._failures() else []
        changes: Tuple[RecordChange, ...] = ()
        made: List[RecordChange] = []
        for _ in range(MAX_ROUNDS):
            steps = self._step(views)
            self._save()
            if self.publisher is None or self._failures():
                break
            try:
                changes = self._plan(steps, txt)
                if not changes or self.job.dry_run:
                    break
                self.publisher.apply(changes)
            except PublishError as exc:
                self._failed(exc)
                break
            made += changes
            views = self._observe(changes)
        done = tuple(changes) if self.job.dry_run else tuple(made)
        if self.publisher and not self._failures():
            self.findings.append(self._published(done, views))
        # A provider that failed publishes nothing: the owner gets the steps to take by hand meanwhile.
        automatic = () if self._failures() else self.automatic
        return PublishingOutcome(self._state(), done, tuple(self.findings), automatic, self.rules)

    def _check_publisher(self) -> None:
        """The provider's own test first: a wrong zone, key or server is then named in one sentence."""
        if self.publisher is None:
            return
        try:
            self.publisher.check()
        except PublishError as exc:
            self._failed(exc)
            return
        if not self.automatic and not self._txt_values():
            self._failed(PublishError(f"none of the records mailsec publishes lies in the zone "
                                      f"{self.publisher.zone.rstrip('.')}; check the zone name in the settings."))

    def _state(self) -> RolloverState:
        """The hosts of the plan in its order; while the certificate cannot be read, the saved hosts."""
        order = [h.host for h in self.job.hosts] if self.job.certificate_known else list(self.states)
        return RolloverState(tuple(self.states[host] for host in order if host in self.states), bool(self.publisher))

    def _zones(self) -> Tuple[Dict[str, str], Dict[str, str]]:
        """The zone of each host's TLSA record set: the configured one when it holds the name, else the
        zone DNS says (asked, for hosts mailsec only observes)."""
        zones, problems = {}, {}
        configured = self.publisher.zone if self.publisher else ""
        for host in self.job.hosts:
            owner = tlsa_owner(host.host)
            if configured and _within(owner, configured):
                zones[host.host] = configured
            else:
                zones[host.host], problems[host.host] = zone_of(self.resolver, owner)
        return zones, problems

    def _load(self) -> None:
        """The saved state by host; before the first rollover run, seeded from the last run's records."""
        try:
            saved = load_rollover(self.job.state_dir)
        except RolloverStoreError as exc:
            self.findings.append(Finding(ROLLOVER_STATE_FINDING, Status.WARN, "rollover", str(exc)))
            saved = RolloverState()
        if saved is not None:
            self.states = {host.host: host for host in saved.hosts}
        else:
            seeds = {h.host: [r for r in self.job.seed if r.name == tlsa_owner(h.host)] for h in self.job.hosts}
            self.states = {host: seeded(host, records) for host, records in seeds.items() if records}

    def _observe(self, changes: Sequence[RecordChange]) -> Dict[str, ZoneView]:
        """Each zone's record sets on every authoritative server, once `changes` reached them all (or the
        attempts ran out)."""
        keys: Dict[str, List[RecordKey]] = {}
        for host in self.job.hosts:
            if self.zones[host.host]:
                keys.setdefault(self.zones[host.host], []).append(_tlsa_key(host.host))
        if self.publisher:
            keys.setdefault(self.publisher.zone, []).extend(self._txt_keys())
        views: Dict[str, ZoneView] = {}
        for attempt in range(SETTLE_ATTEMPTS):
            views = {zone: read_zone(self.resolver, zone, zone_keys) for zone, zone_keys in keys.items()}
            if not changes or _settled(views, changes) or attempt == SETTLE_ATTEMPTS - 1:
                break
            self.pause(SETTLE_PAUSE)
        return views

    def _step(self, views: Dict[str, ZoneView]) -> Dict[str, HostStep]:
        """One step of each host's rollover; none while the certificate in use is unknown."""
        if not self.job.certificate_known:
            return {}
        steps = {}
        for host in self.job.hosts:
            problem = self.zone_problems.get(host.host, "")
            view = views.get(self.zones[host.host], ZoneView({}, problem))
            seen = Observation(view.of(_tlsa_key(host.host)), view.problem or problem)
            previous = self.states.get(host.host)
            steps[host.host] = step(previous, host.host, host.wanted(), seen, self.job.now, self.rules)
            self.states[host.host] = steps[host.host].state
        return steps

    def _save(self) -> None:
        """Save the state before anything is changed in DNS, so a crash resumes from here (an error stops
        the run: nothing is published from a state that could not be kept)."""
        if not self.job.dry_run and self.job.certificate_known:
            save_rollover(self.job.state_dir, self._state())

    def _plan(self, steps: Dict[str, HostStep], txt: List[Wanted]) -> Tuple[RecordChange, ...]:
        assert self.publisher is not None
        ttl = self.job.settings.publishing.ttl
        wanted = [Wanted(_tlsa_key(host), _rdata(taken.publish), ttl, absent=_rdata(taken.remove))
                  for host, taken in steps.items() if host in self.automatic]
        current = self.publisher.read([want.key for want in wanted + txt])
        return plan_changes([self._keep_a_match(want, steps, current) for want in wanted] + txt, current)

    def _keep_a_match(self, want: Wanted, steps: Dict[str, HostStep], current: Dict[RecordKey, RecordSet]) -> Wanted:
        """The invariant on the provider's own copy: nothing is removed from a record set that lacks a record
        of the certificate in use there (its name servers may not have caught up with a deletion); the
        record is put back first, and the removal waits for a run that sees it everywhere."""
        host = next(host for host in steps if _tlsa_key(host) == want.key)
        live = set(_rdata(steps[host].state.records_with(*LIVE_ROLES)))
        if not want.absent or live <= set(current[want.key].values):
            return want
        self.findings.append(Finding(
            ROLLOVER_STATE_FINDING, Status.WARN, host, "the provider's copy of the zone lacks a record of the "
            "certificate in use that the name servers still serve; it is published again, and the old records "
            "wait until every server shows it", "Nothing to do; mailsec looks again at its next run."))
        return replace(want, absent=())

    def _txt_keys(self) -> List[RecordKey]:
        return [key for key, _ in self._txt_values()]

    def _txt_values(self) -> List[Tuple[RecordKey, str]]:
        """(record set, value) of the `_mta-sts` and `_smtp._tls` records of the domains in the zone."""
        assert self.publisher is not None
        values = []
        for entry in self.job.settings.domains:
            if not _within(f"{entry.domain}.", self.publisher.zone):
                continue
            if self.job.policy is not None:
                values.append((RecordKey.of(f"_mta-sts.{entry.domain}", "TXT"), self.job.policy.txt_value))
            if entry.tls_rpt:
                values.append((RecordKey.of(f"_smtp._tls.{entry.domain}", "TXT"), entry.tls_rpt_value()))
        return values

    def _txt_wanted(self) -> List[Wanted]:
        ttl = self.job.settings.publishing.ttl
        wanted = []
        for key, value in self._txt_values():
            if key.name.startswith("_mta-sts.") and not self._may_announce(key, value):
                continue
            prefix = STS_VERSION if key.name.startswith("_mta-sts.") else TLSRPT_VERSION
            wanted.append(Wanted(key, (value,), ttl, exclusive_prefix=prefix))
        return wanted

    def _may_announce(self, key: RecordKey, value: str) -> bool:
        """Whether the `_mta-sts` record may announce the policy id now (see `served`)."""
        assert self.publisher is not None and self.job.policy is not None
        if self._failures():
            return False
        try:
            if self.publisher.read([key])[key].values == (value,):
                return True
        except PublishError as exc:
            self._failed(exc)
            return False
        domain = key.name[len("_mta-sts."):].rstrip(".")
        expected = self.job.policy.policy.render().encode("ascii")
        seen = self.served(self.resolver, domain, expected, self.job.ca_bundle)
        status = {Serving.NEW_POLICY: Status.PASS, Serving.UNREACHABLE: Status.WARN}.get(seen.verdict, Status.FAIL)
        on_disk = " once this run writes it" if self.job.dry_run and self.job.policy.changed else ""
        message = {Status.PASS: f"{seen.detail}: the new id is announced",
                   Status.WARN: f"{seen.detail}; the new id is announced because the policy file on disk is the "
                                f"new one{on_disk}",
                   Status.FAIL: f"{seen.detail}: the id stays as it is until the new policy is served, or senders "
                                "would cache the old policy under the new id"}[status]
        fix = "" if status == Status.PASS else "Check that Web Station serves the mta-sts folder for this host."
        self.findings.append(Finding(STS_SERVED_FINDING, status, domain, message, fix))
        return seen.may_announce

    def _failures(self) -> bool:
        """Whether the provider already failed this run (asking it again would only fail slower)."""
        return any(f.id == PUBLISH_FINDING and f.status == Status.FAIL for f in self.findings)

    def _failed(self, exc: PublishError) -> None:
        zone = self.publisher.zone.rstrip(".") if self.publisher else ""
        self.findings.append(Finding(PUBLISH_FINDING, Status.FAIL, zone, f"could not publish: {exc}",
                                     "Nothing was removed. Check the publishing settings ('mailsec configure', or "
                                     "Test connection on the app's DANE page)."))

    def _published(self, changes: Tuple[RecordChange, ...], views: Dict[str, ZoneView]) -> Finding:
        assert self.publisher is not None
        zone = self.publisher.zone.rstrip(".")
        added = sum(len(change.add) for change in changes)
        removed = sum(len(change.remove) for change in changes)
        if not changes:
            return Finding(PUBLISH_FINDING, Status.PASS, zone, f"{zone} already holds every record mailsec publishes "
                           f"({self.publisher.describe()})")
        if self.job.dry_run:
            return Finding(PUBLISH_FINDING, Status.PASS, zone, f"dry run: {added} records would be added and "
                           f"{removed} removed through {self.publisher.describe()}; nothing was changed")
        done = f"added {added} and removed {removed} records through {self.publisher.describe()}"
        if _settled(views, changes):
            return Finding(PUBLISH_FINDING, Status.PASS, zone, f"{done}; every authoritative server shows the change")
        return Finding(PUBLISH_FINDING, Status.WARN, zone, f"{done}; not every authoritative server shows the change "
                       "yet", "Nothing to do; mailsec looks again at its next run.")


def _settled(views: Dict[str, ZoneView], changes: Sequence[RecordChange]) -> bool:
    """Every server of every zone shows each change: the added values, none of the removed ones."""
    for change in changes:
        answers = [answer for view in views.values() for answer in view.of(change.key)]
        if not answers or any(answer.values is None for answer in answers):
            return False
        for answer in answers:
            values = set(answer.values or ())
            if not set(change.add) <= values or values & set(change.remove):
                return False
    return True


def _within(name: str, zone: str) -> bool:
    name, zone = name.lower().rstrip(".") + ".", zone.lower().rstrip(".") + "."
    return name == zone or name.endswith("." + zone)


def _tlsa_key(host: str) -> RecordKey:
    return RecordKey.of(tlsa_owner(host), "TLSA")


def _rdata(records: Sequence[TlsaRecord]) -> Tuple[str, ...]:
    return tuple(record.rdata for record in records)
