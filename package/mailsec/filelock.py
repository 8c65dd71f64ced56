"""Advisory locks between mailsec processes (the scheduled job, the CLI and the desktop app)."""

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from mailsec.errors import MailsecError


class LockBusyError(MailsecError):
    """Another mailsec process holds the lock."""


@contextmanager
def exclusive_lock(path: Path, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing) for the duration of the block.

    With `wait=False` a held lock raises `LockBusyError` at once instead of waiting.
    """
    try:
        fd = os.open(str(path), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise MailsecError(f"cannot open the lock file {path}: {exc.strerror}.") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise LockBusyError(f"another mailsec run holds {path}; try again when it has finished.") from None
        yield
    finally:
        os.close(fd)
