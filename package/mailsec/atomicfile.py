"""Safe file writes: a reader sees the old file or the new one, never a mix.

The data goes to a temporary file in the same folder, is flushed to disk and renamed over the target;
the folder is then flushed so the rename survives a power cut. If anything fails on the way the
temporary file is removed and the old file stays as it was.

When root writes (the Task Scheduler job), new files and folders take the owner of the folder they
are created in, so the package user that runs the desktop app can still replace them later.
"""

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Optional, Type, Union

from mailsec.errors import MailsecError

PathLike = Union[str, Path]


def write_atomic(path: PathLike, data: bytes, mode: int = 0o644) -> None:
    """Replace `path` with `data`, giving the new file `mode`."""
    target = Path(path)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(target.parent))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            _adopt_owner(handle.fileno(), target.parent)
            os.fsync(handle.fileno())
        os.replace(temp_name, str(target))
    except BaseException:
        _remove_quietly(temp_name)
        raise
    _fsync_directory(target.parent)


def write_if_changed(path: PathLike, data: bytes, mode: int = 0o644) -> bool:
    """Replace `path` with `data` unless it already holds exactly that; True when it was written.

    Runs that find nothing new then write nothing, which keeps time stamps and flash writes honest.
    """
    if read_if_exists(path) == data:
        return False
    write_atomic(path, data, mode)
    return True


def read_state_file(path: PathLike, error: Type[MailsecError]) -> Optional[bytes]:
    """The bytes of a state file, None when there is none; any other failure becomes `error` naming it."""
    try:
        return read_if_exists(path)
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror}.") from None


def read_if_exists(path: PathLike) -> Optional[bytes]:
    """The bytes of `path`, or None when there is no such file."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None


def ensure_folder(path: PathLike, mode: int = 0o755) -> Path:
    """Create `path` and any missing parents with `mode` (not reduced by the umask); keep existing ones."""
    folder = Path(path)
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(mode=mode)
        os.chmod(str(created), mode)
        fd = os.open(str(created), os.O_RDONLY)
        try:
            _adopt_owner(fd, created.parent)
        finally:
            os.close(fd)
    return Path(path)


def _adopt_owner(fd: int, folder: Path) -> None:
    if os.geteuid() == 0:
        info = folder.stat()
        os.fchown(fd, info.st_uid, info.st_gid)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(str(directory), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)
