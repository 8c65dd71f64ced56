"""When DNS publishing fails, nothing is removed; when refresh stops half-way, the next run resumes; bad
settings are named in one sentence each. Against BIND 9 on loopback, the time given in $MAILSEC_NOW."""

import socket
import subprocess
import sys

import pytest

from mailsec.refresh.rollover_store import ROLLOVER_FILE
from tests.refresh.conftest import renew, run_job
from tests.rollover.conftest import (
    HOUR,
    START,
    assert_presented_certificate_matches,
    presented_records,
    spki_sha256,
)
from tests.support.cli import assert_cannot_run
from tests.support.servers import make_tsig_key

pytestmark = pytest.mark.servers

HOLD = 2 * HOUR
RETIRE = START + HOUR + HOLD  # when the old record of the renewal below may go


def renewed_and_waiting(nas):
    """First publication, then a renewal with a new key whose record is added: the old one waits."""
    assert nas.configure_rfc2136().code == 0
    assert nas.refresh(START).code == 0
    old = f"3 1 1 {spki_sha256(nas.demo.mail.cert)}"
    renew(nas.demo)
    assert nas.refresh(START + HOUR).phase == "waiting"
    return old


@pytest.mark.parametrize(("key_name", "says"), [
    ("update.example.nl", "rejected the TSIG signature: the secret in the key file is not the one"),
    ("intruder.example.nl", "does not know the TSIG key intruder.example.nl"),
])
def test_a_refused_update_removes_nothing_and_the_right_key_finishes_the_job(nas, tmp_path, key_name, says):
    old = renewed_and_waiting(nas)
    wrong = make_tsig_key(tmp_path / "wrong.key", key_name)
    configured = nas.configure_rfc2136(wrong.path)
    assert configured.code == 1 and "Test connection failed: 127" in configured.stdout and says in configured.stdout

    refused = nas.refresh(RETIRE)

    assert refused.code == 1 and says in refused.finding("refresh.publish")["message"]
    assert old in nas.published() and refused.phase == "retiring"
    assert_presented_certificate_matches(nas)
    assert nas.configure_rfc2136().code == 0
    assert nas.refresh(RETIRE).phase == "stable" and old not in nas.published()


def test_an_update_that_times_out_removes_nothing(nas, servers):
    old = renewed_and_waiting(nas)
    silent = servers.silent_host([53])
    nas.configure("--dns-server", silent.address)

    timed_out = nas.refresh(RETIRE)

    message = timed_out.finding("refresh.publish")["message"]
    assert timed_out.code == 1 and f"no answer from {silent.address}" in message and "within 10 s" in message
    assert old in nas.published()
    assert_presented_certificate_matches(nas)


CRASHING_RUN = """
import os, sys
from mailsec.publish.rfc2136 import Rfc2136Publisher
real_apply = Rfc2136Publisher.apply

def apply_then_crash(self, changes):
    if sys.argv[2] == "after":
        real_apply(self, changes)
    os._exit(137)

Rfc2136Publisher.apply = apply_then_crash
from mailsec.cli.main import main
sys.exit(main(["--root", sys.argv[1], "refresh"]))
"""


def crash(nas, at: int, when: str) -> None:
    """A refresh that stops dead when it changes DNS: before the update is sent, or right after."""
    result = subprocess.run([sys.executable, "-c", CRASHING_RUN, nas.root, when], capture_output=True, text=True,
                            timeout=120, check=False, env={**_clean_env(), "MAILSEC_NOW": str(at)})
    assert result.returncode == 137, result.stderr


def _clean_env():
    import os

    return {key: value for key, value in os.environ.items() if not key.startswith("MAILSEC_")}


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_crash_while_adding_the_new_record_resumes(nas, when):
    assert nas.configure_rfc2136().code == 0
    assert nas.refresh(START).code == 0
    old = f"3 1 1 {spki_sha256(nas.demo.mail.cert)}"
    new = f"3 1 1 {spki_sha256(renew(nas.demo).cert)}"

    crash(nas, START + HOUR, when)
    assert (new in nas.published()) == (when == "after") and old in nas.published()
    assert_presented_certificate_matches(nas)

    resumed = nas.refresh(START + 2 * HOUR)
    assert resumed.phase == "waiting" and {old, new} <= nas.published()
    early = nas.refresh(START + 2 * HOUR + HOLD - 1)  # the hold counts from when the record was seen
    assert early.phase == "waiting" and old in nas.published()
    assert nas.refresh(START + 2 * HOUR + HOLD).phase == "stable" and old not in nas.published()


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_crash_while_removing_the_old_record_resumes(nas, when):
    old = renewed_and_waiting(nas)

    crash(nas, RETIRE, when)
    assert (old in nas.published()) == (when == "before")
    assert_presented_certificate_matches(nas)

    resumed = nas.refresh(RETIRE + 60)
    assert resumed.phase == "stable" and old not in nas.published()
    assert resumed.code == 0


def test_a_lost_state_file_leaves_old_records_alone(nas):
    old = renewed_and_waiting(nas)
    (nas.demo.layout.state_dir() / ROLLOVER_FILE).write_text("{ not json")

    restarted = nas.refresh(RETIRE)

    assert old in nas.published() and restarted.roles()[old.split()[-1]] == "other"
    assert "starts afresh" in restarted.finding("refresh.rollover.state")["message"]
    assert_presented_certificate_matches(nas)


def test_an_unknown_zone_is_one_sentence(nas):
    run = nas.configure("--publish", "rfc2136", "--dns-server", str(nas.bind.address), "--zone", "example.org",
                        "--tsig-keyfile", str(nas.zone.key.path))
    assert run.code == 1
    failed = run.stdout.splitlines()[-1]
    assert failed == (f"Test connection failed: {nas.bind.address.host} does not serve the zone example.org (it "
                      "answered NXDOMAIN without the zone's SOA record); check the zone name and the server.")
    refreshed = nas.refresh(START)
    assert "does not serve the zone example.org (it" in refreshed.finding("refresh.publish")["message"]


def test_a_malformed_key_file_is_one_sentence_and_saves_nothing(nas, tmp_path):
    broken = tmp_path / "broken.key"
    broken.write_text('key "update.example.nl" {\n\talgorithm hmac-sha256;\n\tsecret "not base64!";\n};\n')
    run = nas.configure("--publish", "rfc2136", "--dns-server", str(nas.bind.address), "--zone", "example.nl",
                        "--tsig-keyfile", str(broken))
    line = assert_cannot_run(run, str(broken), "not a BIND key file as tsig-keygen writes it: its secret is not base64")
    assert "not base64!" not in line
    assert "publishing none" in nas.mailsec("configure", "--domain", "example.nl").stdout


def test_an_unreachable_server_is_one_sentence(nas):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = nas.configure("--publish", "rfc2136", "--dns-server", f"127.0.0.1:{port}", "--zone", "example.nl",
                        "--tsig-keyfile", str(nas.zone.key.path))
    assert run.code == 1
    assert run.stdout.splitlines()[-1] == f"Test connection failed: cannot reach 127.0.0.1:{port}: Connection refused."


def test_old_records_stay_while_the_providers_copy_lacks_the_record_in_use(nas, monkeypatch):
    """The name servers still serve the new record, the primary's copy lost it: it is put back, nothing goes."""
    from mailsec.publish.records import RecordSet
    from mailsec.publish.rfc2136 import Rfc2136Publisher

    old = renewed_and_waiting(nas)
    [new] = [record for record in presented_records(nas.demo) if record.startswith("3 ")]
    real_read = Rfc2136Publisher.read

    def forgetful_read(self, keys):
        held = real_read(self, keys)
        return {key: RecordSet(key, tuple(v for v in found.values if v != new), found.ttl)
                for key, found in held.items()}

    monkeypatch.setattr(Rfc2136Publisher, "read", forgetful_read)
    outcome = run_job(nas.demo.layout, nas_resolver(nas), now=datetime_at(RETIRE))
    assert old in nas.published() and new in nas.published()
    warning = next(f for f in outcome.state.findings if f.id == "refresh.rollover.state")
    assert "lacks a record of the certificate in use" in warning.message
    assert_presented_certificate_matches(nas)


def nas_resolver(nas):
    from mailsec.nameservers import parse_nameserver
    from mailsec.resolver import DnsResolver

    return DnsResolver([parse_nameserver(str(nas.bind.address))])


def datetime_at(moment: int):
    import datetime as dt

    return dt.datetime.fromtimestamp(moment, dt.timezone.utc)


def test_after_an_upgrade_the_last_runs_records_seed_the_rollover(nas):
    """A state folder from before the rollover existed: refresh.json knows the records it asked for."""
    assert nas.configure_rfc2136().code == 0
    assert nas.refresh(START).code == 0
    (nas.demo.layout.state_dir() / ROLLOVER_FILE).unlink()
    old = f"3 1 1 {spki_sha256(nas.demo.mail.cert)}"
    renew(nas.demo)

    upgraded = nas.refresh(START + HOUR)

    assert upgraded.roles()[old.rsplit(maxsplit=1)[-1]] == "old" and upgraded.phase == "waiting"
    assert nas.refresh(RETIRE).phase == "stable" and old not in nas.published()
