"""The state refresh keeps: read back as written, written only when it changed, corrupt files reported."""

from datetime import datetime, timedelta, timezone

import pytest

from mailsec.findings import Finding, Status
from mailsec.refresh.state import (
    LAST_RUN_FILE,
    STATE_FILE,
    CertificateFacts,
    RefreshState,
    StateError,
    load_refresh_state,
    record_run,
    save_refresh_state,
)
from mailsec.tlsa import TlsaRecord
from tests.refresh.conftest import run_job

STATE = RefreshState(
    certificate=CertificateFacts("Mp7Q2a", "/x/fullchain.pem", "CN=mail.example.nl", "2026-08-01T00:00:00Z",
                                 "ECDSA P-256", "ab" * 32, "CN=R1", "cd" * 32),
    certificate_change="renewed with the same key",
    records=(TlsaRecord("_25._tcp.mail.example.nl.", 3, 1, 1, "ab" * 32),),
    policy_id="abc123",
    exit_code=1,
    findings=(Finding("refresh.tlsa.dns", Status.FAIL, "mail.example.nl", "stale", "remove it"),),
)


def test_before_the_first_run_the_state_is_empty(tmp_path):
    assert load_refresh_state(tmp_path) == RefreshState()
    assert load_refresh_state(tmp_path).last_run is None


def test_state_reads_back_as_written_and_is_written_only_when_changed(tmp_path):
    assert save_refresh_state(tmp_path, STATE) is True
    inode = (tmp_path / STATE_FILE).stat().st_ino
    assert save_refresh_state(tmp_path, STATE) is False
    assert (tmp_path / STATE_FILE).stat().st_ino == inode
    assert load_refresh_state(tmp_path) == STATE


def test_the_last_run_time_is_the_stamp_files_modification_time(tmp_path):
    when = datetime(2026, 5, 1, 4, 30, tzinfo=timezone.utc)
    record_run(tmp_path, when)
    record_run(tmp_path, when + timedelta(days=1))
    assert load_refresh_state(tmp_path).last_run == when + timedelta(days=1)
    assert (tmp_path / LAST_RUN_FILE).read_bytes() == b""


@pytest.mark.parametrize("content", [b"{", b'{"format": 99}', b'{"format": 1}', b"\xff"])
def test_a_corrupt_state_file_is_reported(tmp_path, content):
    (tmp_path / STATE_FILE).write_bytes(content)
    with pytest.raises(StateError, match="is corrupt"):
        load_refresh_state(tmp_path)


def test_a_corrupt_state_file_makes_the_next_run_start_afresh(demo, resolver):
    (demo.layout.state_dir() / STATE_FILE).write_text("{")
    outcome = run_job(demo.layout, resolver)
    assert outcome.state.findings[0].id == "refresh.state" and outcome.state.findings[0].status == Status.WARN
    assert load_refresh_state(demo.layout.state_dir()).certificate is not None
