"""`mailsec refresh` on a demo NAS: first run, quiet reruns, renewals, broken stores and folders, locking."""

import datetime as dt
import fcntl
import os
import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path

from mailsec.findings import Status
from mailsec.mtasts.policy import parse_policy
from mailsec.mtasts.publish import policy_file
from mailsec.refresh.job import LOCK_FILE
from mailsec.refresh.state import LAST_RUN_FILE, load_refresh_state
from mailsec.settings import update_settings
from tests.refresh.conftest import renew, run_job, spki_sha256
from tests.support.demo_nas import MAIL_HOST, build_demo_nas
from tests.support.pki import make_intermediate

OWNER = f"_25._tcp.{MAIL_HOST}."


def findings_by_id(outcome):
    found = {}
    for finding in outcome.state.findings:
        found.setdefault(finding.id, []).append(finding)
    return found


def snapshot(*folders: Path) -> dict:
    """(inode, modification time, bytes) of every file below `folders`."""
    return {path: (path.stat().st_ino, path.stat().st_mtime_ns, path.read_bytes())
            for folder in folders for path in sorted(folder.rglob("*")) if path.is_file()}


def test_first_run_publishes_the_policy_and_records_the_certificate(demo, resolver):
    outcome = run_job(demo.layout, resolver)
    policy = policy_file(demo.layout.web_share)
    assert parse_policy(policy.read_bytes()).valid
    assert outcome.policy.changed
    state = load_refresh_state(demo.layout.state_dir())
    assert state.certificate.spki_sha256 == spki_sha256(demo.mail)
    assert [(r.name, r.usage, r.data) for r in state.records] == [
        (OWNER, 3, spki_sha256(demo.mail)), (OWNER, 2, spki_sha256(demo.issuer))]
    assert state.policy_id == outcome.policy.policy.policy_id
    assert state.last_run is not None
    statuses = {f.id: f.status for f in outcome.state.findings}
    assert statuses == {"refresh.certificate": Status.PASS, "refresh.tlsa.rollover": Status.ERROR,
                        "refresh.tlsa.dns": Status.ERROR, "refresh.policy": Status.PASS,
                        "refresh.mta-sts.dns": Status.ERROR}
    assert outcome.exit_code == 1  # DNS could not be confirmed: reported, owner must look


def test_a_second_run_with_nothing_changed_rewrites_no_file(demo, resolver):
    first = dt.datetime.now(dt.timezone.utc)
    run_job(demo.layout, resolver, now=first)
    state_dir, web = demo.layout.state_dir(), demo.layout.web_share
    before = snapshot(state_dir, web)
    later = first + dt.timedelta(hours=24)
    outcome = run_job(demo.layout, resolver, now=later)
    after = snapshot(state_dir, web)
    stamp = state_dir / LAST_RUN_FILE
    assert {k: v for k, v in after.items() if k != stamp} == {k: v for k, v in before.items() if k != stamp}
    assert after[stamp][0] == before[stamp][0] and after[stamp][2] == b""  # same empty file, only touched
    assert abs(load_refresh_state(state_dir).last_run - later) < dt.timedelta(milliseconds=1)
    assert not outcome.state_changed and not outcome.policy.changed


def test_changed_settings_rewrite_the_policy_with_a_new_id(demo, resolver):
    first = run_job(demo.layout, resolver)
    update_settings(demo.layout.state_dir(), lambda s: s.with_domain(
        replace(s.domains[0], mode="enforce", max_age=604800)))
    second = run_job(demo.layout, resolver)
    text = policy_file(demo.layout.web_share).read_text()
    assert "mode: enforce" in text and "max_age: 604800" in text
    assert second.policy.changed
    assert second.policy.policy.policy_id != first.policy.policy.policy_id
    assert load_refresh_state(demo.layout.state_dir()).policy_id == second.policy.policy.policy_id


def test_renewal_with_the_same_key_needs_nothing(demo, resolver):
    run_job(demo.layout, resolver)
    renew(demo, key=demo.mail.key)
    outcome = run_job(demo.layout, resolver)
    found = findings_by_id(outcome)
    assert "renewed with the same key" in found["refresh.certificate"][0].message
    assert "nothing to do" in found["refresh.certificate"][0].message
    assert "refresh.tlsa.key-changed" not in found
    assert outcome.state.records[0].data == spki_sha256(demo.mail)


def test_renewal_with_a_new_key_shows_old_and_new_records_and_the_order(demo, resolver):
    run_job(demo.layout, resolver)
    renewed = renew(demo)
    outcome = run_job(demo.layout, resolver)
    rollover = findings_by_id(outcome)["refresh.tlsa.key-changed"][0]
    old, new = spki_sha256(demo.mail), spki_sha256(renewed)
    assert rollover.status == Status.FAIL and rollover.subject == MAIL_HOST
    assert f"old  {OWNER} IN TLSA 3 1 1 {old}" in rollover.message
    assert f"new  {OWNER} IN TLSA 3 1 1 {new}" in rollover.message
    steps = rollover.fix
    assert steps.index("1. Now: add") < steps.index(new) < steps.index("2. Not before") < steps.index(old)
    assert "2 x TTL after the records above are on every name server" in steps
    # The advice survives runs that cannot see DNS, and is not rewritten by them.
    again = run_job(demo.layout, resolver)
    assert again.state.findings == outcome.state.findings and not again.state_changed


def test_renewal_from_rsa_to_an_ecdsa_key(tmp_path, resolver, unreachable_nameserver):
    demo = build_demo_nas(tmp_path / "rsa", mail_key_kind="rsa2048")
    update_settings(demo.layout.state_dir(), lambda s: replace(s, nameservers=(unreachable_nameserver,)))
    run_job(demo.layout, resolver)
    renewed = renew(demo, key_kind="p384")
    outcome = run_job(demo.layout, resolver)
    assert outcome.state.certificate.key == "ECDSA P-384"
    assert outcome.state.records[0].data == spki_sha256(renewed)
    certificate = findings_by_id(outcome)["refresh.certificate"][0].message
    assert "new key" in certificate and "before: Mp7Q2a, RSA 2048" in certificate
    assert findings_by_id(outcome)["refresh.tlsa.key-changed"][0].status == Status.FAIL


def test_a_new_issuing_ca_asks_for_the_new_2_1_1_record(demo, resolver):
    run_job(demo.layout, resolver)
    new_ca = make_intermediate(demo.root_ca, "mailsec Demo R2")
    renew(demo, key=demo.mail.key, issuer=new_ca)
    outcome = run_job(demo.layout, resolver)
    change = findings_by_id(outcome)["refresh.tlsa.issuer-changed"][0]
    assert f"new  {OWNER} IN TLSA 2 1 1 {spki_sha256(new_ca)}" in change.message
    assert f"old  {OWNER} IN TLSA 2 1 1 {spki_sha256(demo.issuer)}" in change.message
    assert "refresh.tlsa.key-changed" not in findings_by_id(outcome)


def test_corrupt_certificate_index_is_mailsecs_failure_but_the_policy_is_still_published(demo, resolver):
    first = run_job(demo.layout, resolver)
    demo.layout.certificate_index.write_text('{"Mp7Q2a": {"desc": ')
    shutil.rmtree(policy_file(demo.layout.web_share).parent.parent)
    outcome = run_job(demo.layout, resolver)
    certificate = findings_by_id(outcome)["refresh.certificate"][0]
    assert certificate.status == Status.ERROR and "is corrupt" in certificate.message
    assert outcome.exit_code == 2
    assert policy_file(demo.layout.web_share).exists()
    assert outcome.state.records == first.state.records  # what the owner was told stays known


def test_missing_web_folder_is_mailsecs_failure_and_tlsa_is_still_done(demo, resolver):
    shutil.rmtree(demo.layout.web_share)
    outcome = run_job(demo.layout, resolver)
    policy = findings_by_id(outcome)["refresh.policy"][0]
    assert policy.status == Status.ERROR and "does not exist" in policy.message
    assert outcome.exit_code == 2
    assert outcome.state.records[0].data == spki_sha256(demo.mail)
    assert "refresh.mta-sts.dns" not in findings_by_id(outcome)  # no TXT advice for a policy not served


def test_no_domain_configured_asks_the_owner_to_configure(tmp_path, resolver):
    demo = build_demo_nas(tmp_path / "nas")
    update_settings(demo.layout.state_dir(), lambda s: replace(s, domains=()))
    outcome = run_job(demo.layout, resolver)
    assert findings_by_id(outcome)["refresh.settings"][0].status == Status.FAIL
    assert outcome.exit_code == 1
    assert not policy_file(demo.layout.web_share).exists()


def test_concurrent_runs_take_turns(demo, resolver):
    outcomes = []
    start = threading.Barrier(2)

    def run():
        start.wait()
        outcomes.append(run_job(demo.layout, resolver))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.policy.changed for o in outcomes) == [False, True]
    assert sorted(o.state_changed for o in outcomes) == [False, True]


def test_a_run_waits_while_another_holds_the_lock(demo, resolver):
    lock_path = demo.layout.state_dir() / LOCK_FILE
    holder = os.open(str(lock_path), os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    done = []
    waiting = threading.Thread(target=lambda: done.append(run_job(demo.layout, resolver)))
    try:
        waiting.start()
        time.sleep(0.5)
        assert waiting.is_alive() and not done
        assert not policy_file(demo.layout.web_share).exists()
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
        os.close(holder)
    waiting.join(timeout=30)
    assert done and done[0].policy.changed
