"""What every DNS provider offers mailsec: read record sets, apply changes, test the connection.

The interface is kept small on purpose: planning and verifying are the same for every provider, so a
new provider only has to say how it reads and writes its zone.
"""

from typing import Dict, Protocol, Sequence

from mailsec.errors import ExitCode, MailsecError
from mailsec.publish.records import RecordChange, RecordKey, RecordSet


class PublishError(MailsecError):
    """The provider could not be reached, refused, or answered something unusable; one sentence why."""

    exit_code = ExitCode.ACTION_NEEDED


class Publisher(Protocol):
    """One way of changing one DNS zone."""

    zone: str  # absolute, lower case, with the trailing dot

    def describe(self) -> str:
        """Where the records go, in words for the owner (never a secret)."""

    def check(self) -> str:
        """Prove the settings work without changing anything; a sentence on success, `PublishError` if not."""

    def read(self, keys: Sequence[RecordKey]) -> Dict[RecordKey, RecordSet]:
        """The record sets as the provider holds them now (an empty set for a name without records)."""

    def apply(self, changes: Sequence[RecordChange]) -> None:
        """Make `changes`, all or none where the provider allows; `PublishError` when they were not made.

        A change whose record set no longer holds what it held when it was planned (`before`) must not be
        applied: someone else changed the zone, and the next run plans again from what is there.
        """
