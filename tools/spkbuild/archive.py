"""Tar and gzip writers whose output depends only on the files given, never on when or where they ran.

Reproducible means: members in a fixed order, one fixed modification time (the last commit's, or
`SOURCE_DATE_EPOCH`), owner root:root with uid and gid 0, modes set by rule rather than copied from the
checkout, and a gzip header without a file name and with the same fixed time.
"""

import gzip
import io
import tarfile
from dataclasses import dataclass
from typing import Iterable, List, Optional

DIRECTORY_MODE = 0o755
FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755


@dataclass(frozen=True)
class Member:
    """One entry of an archive: a file with its bytes, or a directory (`data` None)."""

    name: str
    data: Optional[bytes]
    mode: int

    @property
    def is_directory(self) -> bool:
        return self.data is None


def directory(name: str) -> Member:
    return Member(name, None, DIRECTORY_MODE)


def with_parent_directories(members: Iterable[Member]) -> List[Member]:
    """`members` plus an entry for every folder they live in, sorted by name (folders first)."""
    by_name = {member.name: member for member in members}
    for name in list(by_name):
        parts = name.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            by_name.setdefault(folder, directory(folder))
    return [by_name[name] for name in sorted(by_name)]


def tar_bytes(members: Iterable[Member], epoch: int) -> bytes:
    """An uncompressed GNU tar of `members`, in the order given."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for member in members:
            info = tarfile.TarInfo(member.name)
            info.mtime = epoch
            info.mode = member.mode
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if member.is_directory:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                assert member.data is not None
                info.size = len(member.data)
                archive.addfile(info, io.BytesIO(member.data))
    return buffer.getvalue()


def gzip_bytes(data: bytes, epoch: int) -> bytes:
    """`data` gzip-compressed with a header that names no file and carries `epoch` as its time."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=epoch) as stream:
        stream.write(data)
    return buffer.getvalue()
