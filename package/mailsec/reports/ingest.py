"""Importing reports: from a file or a mail message to the store, one verdict per report.

An input may hold many reports (a zip with several members, a message with several attachments) and
some of them may be broken. Each report is parsed and stored on its own, so one bad member does not
cost the good ones, and each gets an `ImportResult` saying what happened and, when refused, why.
The store's own failures (disk full, database locked) are not per-report verdicts: they raise
`StoreError` and end the import, with everything stored so far intact.
"""

import io
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import BinaryIO, List

from mailsec.reports import mailparts
from mailsec.reports.containers import Budget, Content, MeteredStream, Payload, unpack
from mailsec.reports.dmarc import read_dmarc
from mailsec.reports.errors import ReportError
from mailsec.reports.fields import ReportOrigin
from mailsec.reports.limits import MAX_DECOMPRESSED_BYTES, MAX_INPUT_BYTES
from mailsec.reports.store import ReportStore, Stored, StoreResult
from mailsec.reports.tlsrpt import parse_tlsrpt


class Outcome(str, Enum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"  # the same report (organization and report id) was imported before
    REJECTED = "rejected"  # not a report, malformed, too large or unsafe


class Kind(str, Enum):
    TLSRPT = "tlsrpt"
    DMARC = "dmarc"


@dataclass(frozen=True)
class ImportResult:
    """What happened to one report (or to an input in which no report could be read)."""

    source: str
    outcome: Outcome
    kind: str = ""
    organization: str = ""
    report_id: str = ""
    entries: int = 0  # policies (TLS-RPT) or records (DMARC) stored
    reason: str = ""  # why it was rejected

    def to_dict(self) -> dict:
        return {"source": self.source, "outcome": self.outcome.value, "kind": self.kind,
                "organization": self.organization, "report_id": self.report_id, "entries": self.entries,
                "reason": self.reason}


def import_file(store: ReportStore, path: Path, now: int) -> List[ImportResult]:
    """Import every report in the file at `path` (JSON, XML, gzip, zip or a saved mail message)."""
    source = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        return [_rejected(source, f"cannot read the file: {exc.strerror}")]
    with handle:
        return import_stream(store, MeteredStream(handle, Budget(MAX_INPUT_BYTES, "is"), source), source, now)


def import_message(store: ReportStore, data: bytes, source: str, now: int) -> List[ImportResult]:
    """Import the reports attached to one mail message (as fetched over IMAP)."""
    return import_stream(store, io.BytesIO(data), source, now)


def import_stream(store: ReportStore, stream: BinaryIO, source: str, now: int) -> List[ImportResult]:
    return _import(store, stream, source, Budget(MAX_DECOMPRESSED_BYTES, "expands to"), now, top=True)


def _import(store: ReportStore, stream: BinaryIO, source: str, budget: Budget, now: int,
            top: bool) -> List[ImportResult]:
    results: List[ImportResult] = []
    try:
        for payload in unpack(stream, source, budget):
            results += _import_payload(store, payload, budget, now, top)
    except ReportError as exc:
        results.append(_rejected(source, str(exc)))
    return results or [_rejected(source, "no report found in it")]


def _import_payload(store: ReportStore, payload: Payload, budget: Budget, now: int,
                    top: bool) -> List[ImportResult]:
    try:
        if payload.content == Content.JSON:
            report = parse_tlsrpt(payload.read_all(), payload.source)
            return [_verdict(payload.source, Kind.TLSRPT, report.origin, store.add_tlsrpt(report, payload.source, now))]
        if payload.content == Content.XML:
            dmarc = read_dmarc(payload.stream, payload.source)
            stored = store.add_dmarc(dmarc, payload.source, now)
            return [_verdict(payload.source, Kind.DMARC, dmarc.header.origin, stored)]
        if payload.content == Content.MESSAGE and top:
            return _import_attachments(store, payload, budget, now)
    except ReportError as exc:
        return [_rejected(payload.source, str(exc))]
    return [_rejected(payload.source, "not a TLS-RPT report (JSON) nor a DMARC aggregate report (XML)")]


def _import_attachments(store: ReportStore, payload: Payload, budget: Budget, now: int) -> List[ImportResult]:
    message = mailparts.parse_message(payload.read_all())
    results: List[ImportResult] = []
    for attachment in mailparts.report_attachments(message, payload.source):
        results += _import(store, io.BytesIO(attachment.data), attachment.name, budget, now, top=False)
    return results or [_rejected(payload.source, "the message has no report attached")]


def _verdict(source: str, kind: Kind, origin: ReportOrigin, stored: StoreResult) -> ImportResult:
    outcome = Outcome.IMPORTED if stored.status == Stored.IMPORTED else Outcome.DUPLICATE
    return ImportResult(source, outcome, kind.value, origin.organization, origin.report_id, stored.entries)


def _rejected(source: str, reason: str) -> ImportResult:
    prefix = f"{source}: "
    return ImportResult(source, Outcome.REJECTED, reason=reason[len(prefix):] if reason.startswith(prefix) else reason)
