"""Build mailsec's DSM 7 packages: `python tools/build_spk.py [--family F]... [--build N] [--out DIR]`.

One .spk per NAS family (default: every supported one) is written to `dist/` as
`mailsec-<family>-<X.Y.Z-BUILD>.spk`, replacing older builds of that family. The same commit (or the
same `SOURCE_DATE_EPOCH` and tree) gives the same bytes. See tools/spkbuild/ for how.
"""

import argparse
import sys
from pathlib import Path

from spkbuild.package import build_package
from spkbuild.sources import ROOT, BuildError, build_sources
from wheels import FAMILIES

# DSM families mailsec cannot serve, and why: the answer a NAS owner gets instead of a broken package.
UNSUPPORTED = {
    "armv7": "no cryptography wheel for CPython 3.8 loads on 32-bit ARM with DSM 7.0/7.1 (glibc 2.26)",
    "armv5": "no cryptography wheel exists for 32-bit ARMv5",
    "i686": "no cryptography wheel for CPython 3.8 on 32-bit x86 is built for manylinux2014",
}


def family(value: str) -> str:
    if value in FAMILIES:
        return value
    reason = UNSUPPORTED.get(value, "it is not a DSM family mailsec knows")
    raise argparse.ArgumentTypeError(
        f"cannot build for {value!r}: {reason}. Supported: {', '.join(FAMILIES)}")


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(prog="build_spk.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", type=family, action="append", help=f"one of {', '.join(FAMILIES)}")
    parser.add_argument("--build", type=int, help="build number (default: the number of commits)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    try:
        sources = build_sources(args.build)
        for name in args.family or list(FAMILIES):
            built = build_package(sources, name, args.out)
            print(f"{built.path}: {built.size / 2**20:.1f} MiB ({built.payload_bytes / 2**20:.1f} MiB unpacked)")
    except BuildError as exc:
        sys.stderr.write(f"build_spk: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
