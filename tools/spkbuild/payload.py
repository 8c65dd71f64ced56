"""The files of package.tgz, which DSM unpacks into /var/packages/mailsec/target.

    bin/mailsec, bin/mailsec-python   the launchers (DSM's /usr/bin/python3 with the paths below)
    mailsec/                          the Python package, without byte-code caches
    vendor/                           the pinned runtime dependencies, installed for CPython 3.8 on the
                                      NAS family (tools/wheels.py), without their console scripts
    ui/                               the desktop app folder DSM links under /webman/3rdparty/mailsec
"""

import tempfile
from pathlib import Path
from typing import Iterator, List

from spkbuild.archive import EXECUTABLE_MODE, FILE_MODE, Member
from wheels import install as install_wheels

_SKIPPED_DIRS = {"__pycache__"}
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
_VENDOR_SCRIPTS = "bin"  # console scripts pip writes with this machine's interpreter in their #! line


def files_under(folder: Path) -> Iterator[Path]:
    """The files below `folder` that belong in a package, sorted, without caches."""
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not _SKIPPED_DIRS.intersection(relative.parts) and path.suffix not in _SKIPPED_SUFFIXES:
            yield path


def tree_members(folder: Path, prefix: str, executable: bool = False) -> List[Member]:
    mode = EXECUTABLE_MODE if executable else FILE_MODE
    return [Member(f"{prefix}/{path.relative_to(folder).as_posix()}", path.read_bytes(), mode)
            for path in files_under(folder)]


def vendor_members(family: str) -> List[Member]:
    """The runtime dependencies for `family`, as files under `vendor/`."""
    with tempfile.TemporaryDirectory(prefix="mailsec-vendor-") as temporary:
        target = Path(temporary)
        install_wheels(family, str(target))
        members = []
        for path in files_under(target):
            relative = path.relative_to(target)
            if relative.parts[0] == _VENDOR_SCRIPTS:
                continue
            data = _without_script_rows(path.read_bytes()) if path.name == "RECORD" else path.read_bytes()
            members.append(Member(f"vendor/{relative.as_posix()}", data, FILE_MODE))
        return members


def _without_script_rows(record: bytes) -> bytes:
    """A dist-info RECORD without the rows of the console scripts left out of the package.

    Those rows hold hashes of scripts whose `#!` line names the build machine's Python, so keeping
    them would make the package depend on where it was built.
    """
    prefix = f"../../{_VENDOR_SCRIPTS}/".encode()
    return b"".join(line for line in record.splitlines(keepends=True) if not line.startswith(prefix))


def package_members(root: Path, family: str, ui: List[Member]) -> List[Member]:
    """Every file of package.tgz for `family` (folders are added when the archive is written)."""
    package = root / "package"
    return [
        *tree_members(package / "bin", "bin", executable=True),
        *tree_members(package / "mailsec", "mailsec"),
        *vendor_members(family),
        *ui,
    ]
