"""The packages the tests inspect and install, built once per test session by `tools/build_spk.py`.

Builds run as a subprocess exactly as `make spk` runs them, into the session's temporary folder; the
upgrade tests also get a second x86_64 build with a higher build number.
"""

import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

ROOT = Path(__file__).resolve().parents[2]
BUILDER = ROOT / "tools" / "build_spk.py"
FAMILIES = ("x86_64", "armv8")
UPGRADE_BUILD_STEP = 1


def build(out: Path, families=FAMILIES, build_number: Optional[int] = None) -> Dict[str, Path]:
    """Run the builder into `out` (unless it already ran there) and return the package per family."""
    if not out.is_dir():
        arguments = [sys.executable, str(BUILDER), "--out", str(out)]
        arguments += [option for family in families for option in ("--family", family)]
        if build_number is not None:
            arguments += ["--build", str(build_number)]
        subprocess.run(arguments, check=True, capture_output=True, text=True)
    return {family: next(out.glob(f"mailsec-{family}-*.spk")) for family in families}


def build_number(package: Path) -> int:
    """The BUILD of `mailsec-<family>-X.Y.Z-BUILD.spk`."""
    return int(package.name.rsplit("-", 1)[1].split(".")[0])


def newer_build(base: Path, current: Path) -> Path:
    """An x86_64 package one build number above `current`: the target of an upgrade."""
    return build(base / "dist-newer", ("x86_64",), build_number(current) + UPGRADE_BUILD_STEP)["x86_64"]
