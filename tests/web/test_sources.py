"""The app's seam to saved state: the last refresh and the last audit, as the scheduled job and the CLI left them."""

from datetime import datetime, timezone
from pathlib import Path

from mailsec.audit.report import AuditReport
from mailsec.audit.store import save_audit
from mailsec.cli.common import Context
from mailsec.findings import Finding, Status
from mailsec.nas import NasLayout
from mailsec.refresh.state import RefreshState, record_run, save_refresh_state
from mailsec.tlsa import TlsaRecord
from mailsec.web.sources import saved_sources

WHEN = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)


def _sources(tmp_path: Path):
    return saved_sources(Context(NasLayout(tmp_path), tmp_path))


def test_no_refresh_yet_reads_as_not_run(tmp_path: Path) -> None:
    assert _sources(tmp_path).last_refresh() is None


def test_the_last_refresh_shows_its_time_exit_status_records_and_problems(tmp_path: Path) -> None:
    record = TlsaRecord("_25._tcp.mail.example.nl.", 3, 1, 1, "ab" * 32)
    save_refresh_state(tmp_path, RefreshState(records=(record,), exit_code=1, findings=(
        Finding("refresh.tlsa.dns", Status.FAIL, "mail.example.nl", "DNS lacks the new record"),
        Finding("refresh.policy", Status.PASS, "policy", "unchanged"),
    )))
    record_run(tmp_path, WHEN)

    refresh = _sources(tmp_path).last_refresh()

    assert refresh.finished == WHEN
    assert refresh.exit_status == 1
    assert refresh.records == [record.zone_line()]
    assert refresh.messages == ["DNS lacks the new record"]


def test_the_last_audit_is_read_back_as_saved(tmp_path: Path) -> None:
    finding = Finding("mx.present", Status.PASS, "example.nl", "MX records: 10 mail.example.nl")
    save_audit(tmp_path, AuditReport("example.nl", WHEN, 1.5, (finding,)))

    audit = _sources(tmp_path).last_audit("example.nl")

    assert audit.findings == (finding,)
    assert audit.started == WHEN
