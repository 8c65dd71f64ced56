"""The last audit of each domain, kept in the state folder for the desktop app and for the next audit.

Besides the findings it remembers which `_mta-sts` id and policy text were seen, so that the next audit
can tell "the policy changed but the id did not" (`mta-sts.id-changed`).
"""

import json
from pathlib import Path
from typing import Optional

from mailsec.atomicfile import ensure_folder, read_if_exists, write_atomic
from mailsec.audit.report import AuditReport
from mailsec.errors import MailsecError

FOLDER = "audit"


def audit_file(state_dir: Path, domain: str) -> Path:
    return state_dir / FOLDER / f"{domain}.json"


def save_audit(state_dir: Path, report: AuditReport) -> None:
    """Replace the saved audit of the report's domain."""
    path = audit_file(state_dir, report.domain)
    try:
        ensure_folder(path.parent, 0o755)
        write_atomic(path, (json.dumps(report.to_dict(), indent=1) + "\n").encode("utf-8"), 0o644)
    except OSError as exc:
        raise MailsecError(f"cannot save the audit in {path}: {exc.strerror}.") from None


def load_audit(state_dir: Path, domain: str) -> Optional[AuditReport]:
    """The last saved audit of `domain`; None when there is none or it is damaged (it is only a cache)."""
    try:
        data = read_if_exists(audit_file(state_dir, domain))
        return None if data is None else AuditReport.from_dict(json.loads(data.decode("utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
