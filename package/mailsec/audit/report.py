"""The outcome of one audit, and its JSON form (the `mailsec check --json` contract and the saved audit).

Kept free of DNS and TLS imports so that the desktop app can show a saved audit cheaply.
"""

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Optional, Tuple

from mailsec.findings import Finding, Status

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class PolicySighting:
    """The `_mta-sts` id and a digest of the policy served with it, as one audit saw them."""

    txt_id: str
    policy_sha256: str
    seen: str  # UTC, TIME_FORMAT


@dataclass(frozen=True)
class AuditReport:
    domain: str
    started: datetime
    seconds: float
    findings: Tuple[Finding, ...]
    sighting: Optional[PolicySighting] = None

    def count(self, status: Status) -> int:
        return sum(1 for finding in self.findings if finding.status == status)

    @property
    def failed(self) -> bool:
        return self.count(Status.FAIL) > 0

    @property
    def incomplete(self) -> bool:
        return self.count(Status.ERROR) > 0

    def to_dict(self) -> Dict[str, Any]:
        document: Dict[str, Any] = {
            "domain": self.domain,
            "started": self.started.strftime(TIME_FORMAT),
            "seconds": round(self.seconds, 3),
            "findings": [finding.to_dict() for finding in self.findings],
        }
        if self.sighting is not None:
            document["mta_sts_sighting"] = {"txt_id": self.sighting.txt_id,
                                            "policy_sha256": self.sighting.policy_sha256,
                                            "seen": self.sighting.seen}
        return document

    @classmethod
    def from_dict(cls, document: Dict[str, Any]) -> "AuditReport":
        """The report back from `to_dict()`; raises KeyError, ValueError or TypeError on a damaged one."""
        sighting = document.get("mta_sts_sighting")
        return cls(
            domain=str(document["domain"]),
            started=datetime.strptime(document["started"], TIME_FORMAT).replace(tzinfo=timezone.utc),
            seconds=float(document["seconds"]),
            findings=tuple(Finding(str(f["id"]), Status(f["status"]), str(f["subject"]), str(f["message"]),
                                   str(f["fix"])) for f in document["findings"]),
            sighting=PolicySighting(str(sighting["txt_id"]), str(sighting["policy_sha256"]), str(sighting["seen"]))
            if sighting else None,
        )
