"""The report store: one transaction per report, deduplication, schema versions, damaged files."""

import io
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from mailsec.reports.dmarc import read_dmarc
from mailsec.reports.errors import ReportError
from mailsec.reports.store import SCHEMA_VERSION, STORE_FILE, ReportStore, Stored, StoreError
from mailsec.reports.tlsrpt import parse_tlsrpt
from tests.reports.corpus import MAY_1, dmarc_row, dmarc_xml, tls_json, tls_report


def add_dmarc(store: ReportStore, data: bytes):
    return store.add_dmarc(read_dmarc(io.BytesIO(data), "r.xml"), "r.xml", MAY_1)


def add_tls(store: ReportStore, report) -> object:
    return store.add_tlsrpt(parse_tlsrpt(tls_json(report), "r.json"), "r.json", MAY_1)


def test_a_report_is_stored_once_per_organization_and_id(store):
    assert add_dmarc(store, dmarc_xml(rows=[dmarc_row(), dmarc_row("192.0.2.26")])).status == Stored.IMPORTED
    assert add_dmarc(store, dmarc_xml()).status == Stored.DUPLICATE
    assert add_dmarc(store, dmarc_xml(organization="yahoo.com")).status == Stored.IMPORTED
    assert add_tls(store, tls_report(report_id="dmarc-1")).status == Stored.IMPORTED  # another kind, another id space
    assert store.counts().dmarc_reports == 2
    assert len(list(store.dmarc_records(0))) == 3


def test_a_malformed_record_rolls_the_whole_report_back(store):
    broken = dmarc_xml(rows=[dmarc_row()] * 700 + [dmarc_row(source_ip="not-an-ip")])
    with pytest.raises(ReportError, match="record 701"):
        add_dmarc(store, broken)
    assert store.counts().dmarc_reports == 0
    assert list(store.dmarc_records(0)) == []
    assert add_dmarc(store, dmarc_xml()).status == Stored.IMPORTED  # the id is free: nothing half-written remains


def test_stored_reports_read_back_as_they_were(store):
    add_tls(store, tls_report())
    add_dmarc(store, dmarc_xml(rows=[dmarc_row(reasons=["forwarded"])], pct=50))
    policy = store.tls_policies(0)[0]
    assert policy.result == parse_tlsrpt(tls_json(tls_report()), "r.json").policies[0]
    record = next(store.dmarc_records(0))
    original = next(read_dmarc(io.BytesIO(dmarc_xml(rows=[dmarc_row(reasons=["forwarded"])])), "r").records())
    assert record.record == original
    assert record.policy.pct == 50


def test_queries_keep_to_the_period(store):
    add_dmarc(store, dmarc_xml(report_id="old", begin=MAY_1 - 40 * 86400))
    add_dmarc(store, dmarc_xml(report_id="new"))
    assert [r.origin.report_id for r in store.dmarc_records(MAY_1 - 86400)] == ["new"]


def test_the_file_is_private_to_the_package_and_in_wal_mode(state_dir, store):
    path = state_dir / STORE_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    with sqlite3.connect(str(path)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_store_from_a_newer_mailsec_is_left_alone(state_dir):
    ReportStore.open(state_dir).close()
    with sqlite3.connect(str(state_dir / STORE_FILE)) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="written by a newer mailsec"):
        ReportStore.open(state_dir)


def test_a_damaged_file_is_reported_with_what_to_do(state_dir):
    state_dir.mkdir()
    (state_dir / STORE_FILE).write_bytes(b"this is no database" * 100)
    with pytest.raises(StoreError, match="move it away and import the reports again"):
        ReportStore.open(state_dir)


def test_an_unwritable_state_folder_is_reported(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot create"):
        ReportStore.open(blocker / "state")


def test_a_concurrent_writer_is_waited_for_then_reported(state_dir, store, monkeypatch):
    monkeypatch.setattr("mailsec.reports.store.BUSY_TIMEOUT_SECONDS", 0.2)
    other = sqlite3.connect(str(state_dir / STORE_FILE), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with ReportStore.open(state_dir) as impatient, pytest.raises(StoreError, match="Another mailsec run"):
            add_dmarc(impatient, dmarc_xml())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert add_dmarc(store, dmarc_xml()).status == Stored.IMPORTED


def test_processed_mailbox_messages_are_remembered(store):
    assert not store.message_seen("reports@mail", 7, 1)
    store.remember_message("reports@mail", 7, 1, "imported", MAY_1)
    assert store.message_seen("reports@mail", 7, 1)
    assert not store.message_seen("reports@mail", 8, 1)  # a new UIDVALIDITY means new messages


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create a file as another owner")
def test_root_creates_the_file_owned_like_its_folder(tmp_path: Path):
    folder = tmp_path / "state"
    folder.mkdir()
    os.chown(str(folder), 1234, 1234)
    ReportStore.open(folder).close()
    assert (folder / STORE_FILE).stat().st_uid == 1234
