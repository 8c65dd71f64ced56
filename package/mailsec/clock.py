"""The current time, which `MAILSEC_NOW` (seconds since the epoch) replaces in tests and checks."""

import os
from datetime import datetime, timezone

from mailsec.errors import MailsecError

NOW_ENV = "MAILSEC_NOW"


class ClockError(MailsecError, ValueError):
    """`MAILSEC_NOW` is set but does not name a moment."""


def now() -> datetime:
    """The current UTC time, or the moment `$MAILSEC_NOW` names."""
    override = os.environ.get(NOW_ENV, "").strip()
    if override:
        try:
            return datetime.fromtimestamp(float(override), tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ClockError(
                f"{NOW_ENV}={override!r} is not a number of seconds since the epoch; unset it or give one."
            ) from None
    return datetime.now(timezone.utc)
