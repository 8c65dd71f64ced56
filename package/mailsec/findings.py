"""The result of every check: a typed finding that carries its reason and its fix."""

from dataclasses import dataclass
from enum import Enum
from typing import Any, Dict


class Status(str, Enum):
    """How a check came out, from the owner's point of view."""

    PASS = "pass"  # noqa: S105 (a verdict, not a password): as it should be
    WARN = "warn"  # works, but risky or below best practice
    FAIL = "fail"  # wrong: some senders or receivers will refuse or ignore it
    ERROR = "error"  # the check could not reach a verdict (timeout, SERVFAIL, unreachable)
    SKIP = "skip"  # does not apply (e.g. no TLSA records to compare)


@dataclass(frozen=True)
class Finding:
    """One verdict about one thing.

    `id` is a stable check id such as `mta-sts.mx-coverage`; `subject` names what was looked at
    (a host, an address, a record); `message` says what was found in plain words; `fix` says exactly
    what to do (the record to publish in zone-file form, or the setting to change), empty on a pass.
    """

    id: str
    status: Status
    subject: str
    message: str
    fix: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "status": self.status.value, "subject": self.subject,
                "message": self.message, "fix": self.fix}
