"""`reports.sqlite`: the imported reports, one SQLite file in the package's state folder.

Every report is written in one transaction (`BEGIN IMMEDIATE ... COMMIT`), so a report is stored whole
or not at all, even when its last record turns out to be malformed, the disk fills up or the power
fails. The database runs in WAL mode: the desktop app can read while the scheduled job imports, and a
commit costs no fsync of the whole file. A report is stored once per (kind, organization, report id);
the same report imported again, from a file or from the mailbox, is recognised as a duplicate.

The schema is versioned with `PRAGMA user_version`; `_MIGRATIONS[n]` takes version n to n + 1, so an
older file is upgraded on open and a newer one (written by a later mailsec) is left untouched.
"""

import contextlib
import json
import os
import sqlite3
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from mailsec.atomicfile import ensure_folder
from mailsec.errors import MailsecError
from mailsec.reports.dmarc import AuthResult, DmarcRecord, DmarcReport, DmarcReportHeader, PublishedPolicy
from mailsec.reports.fields import ReportOrigin
from mailsec.reports.tlsrpt import TlsFailure, TlsPolicyResult, TlsReport

STORE_FILE = "reports.sqlite"
FILE_MODE = 0o640
BUSY_TIMEOUT_SECONDS = 30.0  # a concurrent import holds the write lock for one report at a time
_RECORD_BATCH = 500

_MIGRATIONS: Tuple[str, ...] = (
    """
    CREATE TABLE report (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('tlsrpt', 'dmarc')),
        organization TEXT NOT NULL,
        report_id TEXT NOT NULL,
        contact TEXT NOT NULL,
        begin_time INTEGER NOT NULL,
        end_time INTEGER NOT NULL,
        source TEXT NOT NULL,
        imported_time INTEGER NOT NULL,
        UNIQUE (kind, organization, report_id)
    );
    CREATE INDEX report_period ON report (kind, end_time);
    CREATE TABLE tls_policy (
        id INTEGER PRIMARY KEY,
        report INTEGER NOT NULL REFERENCES report (id) ON DELETE CASCADE,
        policy_type TEXT NOT NULL,
        policy_domain TEXT NOT NULL,
        policy_strings TEXT NOT NULL,
        mx_hosts TEXT NOT NULL,
        successes INTEGER NOT NULL,
        failures INTEGER NOT NULL
    );
    CREATE INDEX tls_policy_report ON tls_policy (report);
    CREATE TABLE tls_failure (
        policy INTEGER NOT NULL REFERENCES tls_policy (id) ON DELETE CASCADE,
        result_type TEXT NOT NULL,
        sessions INTEGER NOT NULL,
        sending_ip TEXT NOT NULL,
        receiving_mx TEXT NOT NULL,
        receiving_helo TEXT NOT NULL,
        receiving_ip TEXT NOT NULL,
        reason_code TEXT NOT NULL,
        additional_info TEXT NOT NULL
    );
    CREATE INDEX tls_failure_policy ON tls_failure (policy);
    CREATE TABLE dmarc_policy (
        report INTEGER PRIMARY KEY REFERENCES report (id) ON DELETE CASCADE,
        domain TEXT NOT NULL,
        p TEXT NOT NULL,
        sp TEXT NOT NULL,
        np TEXT NOT NULL,
        pct INTEGER,
        testing TEXT NOT NULL,
        adkim TEXT NOT NULL,
        aspf TEXT NOT NULL,
        errors TEXT NOT NULL
    );
    CREATE TABLE dmarc_record (
        id INTEGER PRIMARY KEY,
        report INTEGER NOT NULL REFERENCES report (id) ON DELETE CASCADE,
        source_ip TEXT NOT NULL,
        message_count INTEGER NOT NULL,
        disposition TEXT NOT NULL,
        dkim_aligned TEXT NOT NULL,
        spf_aligned TEXT NOT NULL,
        header_from TEXT NOT NULL,
        envelope_from TEXT NOT NULL,
        envelope_to TEXT NOT NULL,
        reasons TEXT NOT NULL,
        auth_results TEXT NOT NULL
    );
    CREATE INDEX dmarc_record_report ON dmarc_record (report);
    CREATE TABLE mail_seen (
        mailbox TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        seen_time INTEGER NOT NULL,
        PRIMARY KEY (mailbox, uidvalidity, uid)
    ) WITHOUT ROWID;
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


class StoreError(MailsecError):
    """The report database cannot be opened, read or written."""


class Stored(str, Enum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class StoreResult:
    status: Stored
    entries: int  # policies (TLS-RPT) or records (DMARC) stored; 0 for a duplicate


@dataclass(frozen=True)
class StoredTlsPolicy:
    origin: ReportOrigin
    result: TlsPolicyResult


@dataclass(frozen=True)
class StoredDmarcRecord:
    origin: ReportOrigin
    policy: PublishedPolicy
    record: DmarcRecord


@dataclass(frozen=True)
class StoreCounts:
    tlsrpt_reports: int
    dmarc_reports: int
    first_begin: Optional[int]
    last_end: Optional[int]


class ReportStore:
    """The report database; use as a context manager, or call `close()`."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, state_dir: Path) -> "ReportStore":
        """Open (creating or upgrading as needed) `reports.sqlite` in `state_dir`."""
        path = state_dir / STORE_FILE
        try:
            ensure_folder(state_dir, 0o755)
            _create_file(path)
            connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except OSError as exc:
            raise StoreError(f"cannot create {path}: {exc.strerror}.") from None
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}.") from None
        store = cls(connection, path)
        try:
            store._prepare()
        except BaseException:
            connection.close()
            raise
        return store

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ReportStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def add_tlsrpt(self, report: TlsReport, source: str, now: int) -> StoreResult:
        """Store a TLS-RPT report unless it is already there."""
        with self._transaction():
            report_key = self._insert_report("tlsrpt", report.origin, source, now)
            if report_key is None:
                return StoreResult(Stored.DUPLICATE, 0)
            for policy in report.policies:
                self._insert_tls_policy(report_key, policy)
            return StoreResult(Stored.IMPORTED, len(report.policies))

    def add_dmarc(self, report: DmarcReport, source: str, now: int) -> StoreResult:
        """Store a DMARC report unless it is already there, reading its records as they are written.

        A record that fails to parse raises `ReportError` and rolls the whole report back.
        """
        with self._transaction():
            report_key = self._insert_report("dmarc", report.header.origin, source, now)
            if report_key is None:
                return StoreResult(Stored.DUPLICATE, 0)
            self._insert_dmarc_policy(report_key, report.header)
            stored, batch = 0, []
            for record in report.records():
                batch.append(_record_row(report_key, record))
                if len(batch) >= _RECORD_BATCH:
                    stored += self._insert_records(batch)
                    batch = []
            stored += self._insert_records(batch)
            return StoreResult(Stored.IMPORTED, stored)

    def tls_policies(self, since: int) -> List[StoredTlsPolicy]:
        """TLS-RPT policy results of reports whose period ends at or after `since`, oldest first."""
        with self._reading():
            failures = self._tls_failures(since)
            rows = self._db.execute(
                "SELECT p.id, r.organization, r.report_id, r.contact, r.begin_time, r.end_time, p.policy_type, "
                "p.policy_domain, p.policy_strings, p.mx_hosts, p.successes, p.failures FROM tls_policy p "
                "JOIN report r ON r.id = p.report WHERE r.end_time >= ? ORDER BY r.begin_time, p.id", (since,))
            return [_tls_policy(row, failures.get(row[0], [])) for row in rows]

    def dmarc_records(self, since: int) -> Iterator[StoredDmarcRecord]:
        """DMARC records of reports whose period ends at or after `since`, read one at a time."""
        with self._reading():
            rows = self._db.execute(
                "SELECT r.id, r.organization, r.report_id, r.contact, r.begin_time, r.end_time, "
                "d.domain, d.p, d.sp, d.np, d.pct, d.testing, d.adkim, d.aspf, "
                "c.source_ip, c.message_count, c.disposition, c.dkim_aligned, c.spf_aligned, c.header_from, "
                "c.envelope_from, c.envelope_to, c.reasons, c.auth_results FROM dmarc_record c "
                "JOIN report r ON r.id = c.report JOIN dmarc_policy d ON d.report = r.id "
                "WHERE r.end_time >= ? ORDER BY r.begin_time, r.id, c.id", (since,))
            yield from _dmarc_records(rows)

    def counts(self) -> StoreCounts:
        with self._reading():
            by_kind = dict(self._db.execute("SELECT kind, count(*) FROM report GROUP BY kind").fetchall())
            first, last = self._db.execute("SELECT min(begin_time), max(end_time) FROM report").fetchone()
        return StoreCounts(by_kind.get("tlsrpt", 0), by_kind.get("dmarc", 0), first, last)

    def message_seen(self, mailbox: str, uidvalidity: int, uid: int) -> bool:
        """True when this mailbox message was processed before (its flag may not have been saved)."""
        with self._reading():
            row = self._db.execute("SELECT 1 FROM mail_seen WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
                                   (mailbox, uidvalidity, uid)).fetchone()
        return row is not None

    def remember_message(self, mailbox: str, uidvalidity: int, uid: int, outcome: str, now: int) -> None:
        with self._transaction():
            self._db.execute("INSERT OR REPLACE INTO mail_seen VALUES (?, ?, ?, ?, ?)",
                             (mailbox, uidvalidity, uid, outcome, now))

    def _prepare(self) -> None:
        with self._guard("prepare"):
            self._db.execute("PRAGMA foreign_keys = ON")
            if self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise StoreError(f"{self.path}: SQLite could not switch to WAL mode on this file system.")
            self._db.execute("PRAGMA synchronous = NORMAL")
        version = self._schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer mailsec (schema {version}, this one knows "
                             f"{SCHEMA_VERSION}); update mailsec.")
        if version < SCHEMA_VERSION:
            with self._transaction():
                for script in _MIGRATIONS[self._schema_version():]:  # another process may have upgraded it
                    for statement in filter(str.strip, script.split(";")):
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")

    def _schema_version(self) -> int:
        with self._guard("read"):
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._db, self.path)

    def _reading(self) -> "_Guard":
        return self._guard("read")

    def _guard(self, action: str) -> "_Guard":
        return _Guard(self.path, action)

    def _insert_report(self, kind: str, origin: ReportOrigin, source: str, now: int) -> Optional[int]:
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO report (kind, organization, report_id, contact, begin_time, end_time, source, "
            "imported_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, origin.organization, origin.report_id, origin.contact, origin.begin, origin.end, source, now))
        return cursor.lastrowid if cursor.rowcount else None

    def _insert_tls_policy(self, report_key: int, policy: TlsPolicyResult) -> None:
        cursor = self._db.execute(
            "INSERT INTO tls_policy (report, policy_type, policy_domain, policy_strings, mx_hosts, successes, "
            "failures) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (report_key, policy.policy_type, policy.policy_domain, json.dumps(policy.policy_strings),
             json.dumps(policy.mx_hosts), policy.successes, policy.failures))
        self._db.executemany(
            "INSERT INTO tls_failure VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(cursor.lastrowid, f.result_type, f.sessions, f.sending_ip, f.receiving_mx, f.receiving_helo,
              f.receiving_ip, f.reason_code, f.additional_info) for f in policy.failure_details])

    def _insert_dmarc_policy(self, report_key: int, header: DmarcReportHeader) -> None:
        policy = header.policy
        self._db.execute(
            "INSERT INTO dmarc_policy VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (report_key, policy.domain, policy.p, policy.sp, policy.np, policy.pct, policy.testing,
             policy.adkim, policy.aspf, json.dumps(header.errors)))

    def _insert_records(self, rows: List[Tuple[object, ...]]) -> int:
        self._db.executemany(
            "INSERT INTO dmarc_record (report, source_ip, message_count, disposition, dkim_aligned, spf_aligned, "
            "header_from, envelope_from, envelope_to, reasons, auth_results) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)
        return len(rows)

    def _tls_failures(self, since: int) -> Dict[int, List[TlsFailure]]:
        rows = self._db.execute(
            "SELECT f.policy, f.result_type, f.sessions, f.sending_ip, f.receiving_mx, f.receiving_helo, "
            "f.receiving_ip, f.reason_code, f.additional_info FROM tls_failure f JOIN tls_policy p ON p.id = f.policy "
            "JOIN report r ON r.id = p.report WHERE r.end_time >= ?", (since,))
        failures: Dict[int, List[TlsFailure]] = {}
        for row in rows:
            failures.setdefault(row[0], []).append(TlsFailure(*row[1:]))
        return failures


class _Guard:
    """Turns SQLite's exceptions into a `StoreError` that names the file."""

    def __init__(self, path: Path, action: str) -> None:
        self._path, self._action = path, action

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: Optional[BaseException], _traceback: object) -> None:
        if isinstance(exc, sqlite3.Error):
            hint = " Another mailsec run may be importing; try again." if "locked" in str(exc) else (
                " If the file is damaged, move it away and import the reports again.")
            raise StoreError(f"cannot {self._action} {self._path}: {exc}.{hint}") from None


class _Transaction(_Guard):
    """One write transaction: committed when the block ends normally, rolled back on any exception."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        super().__init__(path, "write")
        self._db = connection

    def __enter__(self) -> None:
        with _Guard(self._path, "write"):
            self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, exc: Optional[BaseException], traceback: object) -> None:
        with _Guard(self._path, "write"):
            if exc is not None:
                self._roll_back()
            else:
                try:
                    self._db.execute("COMMIT")
                except sqlite3.Error:
                    self._roll_back()
                    raise
        super().__exit__(kind, exc, traceback)

    def _roll_back(self) -> None:
        if self._db.in_transaction:  # SQLite may have rolled back already (disk full, I/O error)
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")


def _create_file(path: Path) -> None:
    """Create the database file with `FILE_MODE`, owned like its folder when root creates it."""
    try:
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    try:
        if os.geteuid() == 0:
            folder = path.parent.stat()
            os.fchown(fd, folder.st_uid, folder.st_gid)
    finally:
        os.close(fd)


def _record_row(report_key: int, record: DmarcRecord) -> Tuple[object, ...]:
    auth = [[r.method, r.domain, r.result, r.selector, r.scope] for r in record.auth_results]
    return (report_key, record.source_ip, record.count, record.disposition, record.dkim_aligned,
            record.spf_aligned, record.header_from, record.envelope_from, record.envelope_to,
            json.dumps(record.reasons), json.dumps(auth))


def _tls_policy(row: Sequence[object], failures: List[TlsFailure]) -> StoredTlsPolicy:
    _key, organization, report_id, contact, begin, end, kind, domain, strings, hosts, ok, failed = row
    origin = ReportOrigin(organization, report_id, contact, begin, end)
    result = TlsPolicyResult(kind, domain, tuple(json.loads(strings)), tuple(json.loads(hosts)), ok, failed,
                             tuple(failures))
    return StoredTlsPolicy(origin, result)


def _dmarc_records(rows: Iterator[Sequence[object]]) -> Iterator[StoredDmarcRecord]:
    current_key, origin, policy = None, None, None
    for row in rows:
        if row[0] != current_key:
            current_key = row[0]
            origin = ReportOrigin(*row[1:6])
            policy = PublishedPolicy(*row[6:14])
        (source_ip, count, disposition, dkim, spf, header_from, envelope_from, envelope_to, reasons,
         auth) = row[14:]
        record = DmarcRecord(source_ip, count, disposition, dkim, spf, header_from, envelope_from, envelope_to,
                             tuple(json.loads(reasons)), tuple(AuthResult(*entry) for entry in json.loads(auth)))
        yield StoredDmarcRecord(origin, policy, record)
