"""What a build starts from: the repository, the version, the build number and the time stamp.

The version has one home, `package/mailsec/__init__.py`. DSM wants `X.Y.Z-BUILD` with a build number
that grows with every release; the build number is the number of commits in the history, so the same
commit always gets the same number and a later commit a higher one. The time stamp of every archive
member is `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention), else the last commit's time.
"""

import ast
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
VERSION_FILE = ROOT / "package" / "mailsec" / "__init__.py"
_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\Z")
MAX_VERSION_FIELD = 2**31 - 1  # DSM compares each field as a signed 32-bit number


class BuildError(Exception):
    """The build cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class BuildSources:
    root: Path
    version: str  # X.Y.Z from the Python package
    build: int
    epoch: int

    @property
    def package_version(self) -> str:
        """The INFO `version`: `X.Y.Z-BUILD`."""
        return f"{self.version}-{self.build}"


def read_version(path: Path = VERSION_FILE) -> str:
    """`__version__` of the Python package, read without importing it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__version__" for t in node.targets):
            version = ast.literal_eval(node.value)
            if not isinstance(version, str) or not _VERSION.match(version):
                raise BuildError(f"{path}: __version__ must look like 1.2.3 for DSM, not {version!r}")
            if any(int(part) > MAX_VERSION_FIELD for part in version.split(".")):
                raise BuildError(f"{path}: each part of __version__ must be at most {MAX_VERSION_FIELD}")
            return version
    raise BuildError(f"{path} does not set __version__")


def build_sources(build: Optional[int] = None, root: Path = ROOT) -> BuildSources:
    """The inputs of this build; `build` overrides the commit count (e.g. to test an upgrade)."""
    number = build if build is not None else int(_git(root, "rev-list", "--count", "HEAD", need="--build N"))
    if not 0 < number <= MAX_VERSION_FIELD:
        raise BuildError(f"the build number must be from 1 to {MAX_VERSION_FIELD}, not {number}")
    epoch_text = os.environ.get("SOURCE_DATE_EPOCH") or _git(root, "log", "-1", "--format=%ct",
                                                            need="SOURCE_DATE_EPOCH")
    try:
        epoch = int(epoch_text)
    except ValueError:
        raise BuildError(f"SOURCE_DATE_EPOCH must be seconds since the epoch, not {epoch_text!r}") from None
    return BuildSources(root, read_version(), number, epoch)


def _git(root: Path, *arguments: str, need: str) -> str:
    try:
        result = subprocess.run(["git", "-C", str(root), *arguments], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        raise BuildError(f"cannot ask git about {root} (git {' '.join(arguments)}); pass {need}") from None
    return result.stdout.strip()
