"""What `mailsec refresh` remembers between runs, and the last run's result that the desktop app shows.

Two files in the state folder:

- `refresh.json`: the certificate seen last, the TLSA records of the certificate in use, the policy id,
  and the last run's findings and exit code (the rollover keeps its own state: `rollover_store`). It is
  replaced atomically and only when its content changes, so a run that finds nothing new writes nothing.
- `refresh.lastrun`: an empty file whose modification time is the time of the last run. Recording that
  time touches the file instead of writing data, which is how "nothing changed" stays true for every
  byte mailsec owns while the app can still tell a stale schedule from a quiet one.

`load_refresh_state(state_dir)` is the one way to read both.
"""

import json
import os
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from mailsec.atomicfile import read_state_file, write_atomic, write_if_changed
from mailsec.errors import MailsecError
from mailsec.findings import Finding, Status
from mailsec.tlsa import TlsaRecord

STATE_FILE = "refresh.json"
LAST_RUN_FILE = "refresh.lastrun"
FORMAT = 1


class StateError(MailsecError):
    """The state file cannot be read or saved."""


@dataclass(frozen=True)
class CertificateFacts:
    """What refresh remembers of the mail certificate: enough to tell a renewal and a new key apart."""

    cert_id: str
    path: str
    subject: str
    not_after: str  # ISO 8601, UTC
    key: str  # "ECDSA P-256", "RSA 2048", ...
    spki_sha256: str  # the data of its 3 1 1 record
    issuer_subject: str = ""
    issuer_spki_sha256: str = ""  # the data of its 2 1 1 record; empty when the chain lacks the issuer
    bound_to_mailplus: bool = True  # False: DSM's default certificate, used because none is bound

    def same_key(self, other: "CertificateFacts") -> bool:
        return self.spki_sha256 == other.spki_sha256


@dataclass(frozen=True)
class RefreshState:
    certificate: Optional[CertificateFacts] = None
    certificate_change: str = ""  # how it last changed (renewed with the same key, new key), and when
    records: Tuple[TlsaRecord, ...] = ()
    policy_id: str = ""
    exit_code: Optional[int] = None  # None: never ran
    findings: Tuple[Finding, ...] = ()
    last_run: Optional[datetime] = field(default=None, compare=False)  # from refresh.lastrun, not stored


def load_refresh_state(state_dir: Path) -> RefreshState:
    """The state of the last run, or an empty state before the first one."""
    path = state_dir / STATE_FILE
    data = read_state_file(path, StateError)
    state = RefreshState() if data is None else _parse(path, data)
    return replace(state, last_run=_last_run(state_dir))


def save_refresh_state(state_dir: Path, state: RefreshState) -> bool:
    """Store `state` unless the file already holds exactly it; True when the file was written."""
    path = state_dir / STATE_FILE
    data = _to_document(state)
    try:
        return write_if_changed(path, data, 0o644)
    except OSError as exc:
        raise StateError(f"cannot save {path}: {exc.strerror}; the previous state is unchanged.") from None


def record_run(state_dir: Path, when: datetime) -> None:
    """Set the time of the last run (the modification time of `refresh.lastrun`) without writing data."""
    path = state_dir / LAST_RUN_FILE
    try:
        if not path.exists():
            write_atomic(path, b"", 0o644)
        os.utime(str(path), (when.timestamp(), when.timestamp()))
    except OSError as exc:
        raise StateError(f"cannot record the time of this run in {path}: {exc.strerror}.") from None


def _last_run(state_dir: Path) -> Optional[datetime]:
    try:
        return datetime.fromtimestamp((state_dir / LAST_RUN_FILE).stat().st_mtime, tz=timezone.utc)
    except FileNotFoundError:
        return None


def _to_document(state: RefreshState) -> bytes:
    document: Dict[str, Any] = {
        "format": FORMAT,
        "certificate": asdict(state.certificate) if state.certificate else None,
        "certificate_change": state.certificate_change,
        "records": [asdict(record) for record in state.records],
        "policy_id": state.policy_id,
        "exit_code": state.exit_code,
        "findings": [finding.to_dict() for finding in state.findings],
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _parse(path: Path, data: bytes) -> RefreshState:
    try:
        document = json.loads(data.decode("utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(f"expected \"format\": {FORMAT}")
        certificate = document["certificate"]
        return RefreshState(
            certificate=CertificateFacts(**certificate) if certificate else None,
            certificate_change=str(document["certificate_change"]),
            records=tuple(TlsaRecord(**record) for record in document["records"]),
            policy_id=str(document["policy_id"]),
            exit_code=document["exit_code"],
            findings=tuple(_finding(item) for item in document["findings"]),
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise StateError(f"{path} is corrupt ({exc}); the next run starts afresh.") from None


def _finding(item: Dict[str, Any]) -> Finding:
    return Finding(item["id"], Status(item["status"]), item["subject"], item["message"], item["fix"])
