"""The runtime dependencies for DSM's CPython 3.8, per NAS family, as manylinux2014 wheels.

`python tools/wheels.py check` downloads them for every family (proves the pins resolve);
`python tools/wheels.py install FAMILY DIR` installs them into DIR for the .spk build.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
CACHE = ROOT / ".cache" / "wheels"
PYTHON_VERSION = "3.8"

# DSM arch family -> the machine name in manylinux wheel tags. armv7 has no cryptography wheel that
# DSM 7.0/7.1 (glibc 2.26) can load, so it is not a target.
FAMILIES = {"x86_64": "x86_64", "armv8": "aarch64"}


def target_options(family: str) -> list:
    machine = FAMILIES[family]
    return [
        "--no-deps",  # requirements.txt pins every transitive dependency itself
        "--only-binary=:all:",
        "--python-version", PYTHON_VERSION,
        "--implementation", "cp",
        "--abi", "cp38", "--abi", "abi3", "--abi", "none",
        # manylinux2014 = glibc 2.17: loads on DSM 7.0 and 7.1 (glibc 2.26); pip also accepts older tags.
        "--platform", f"manylinux2014_{machine}",
        "--platform", f"manylinux_2_17_{machine}",
        "--requirement", str(REQUIREMENTS),
    ]


def pip(*arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *arguments], check=True)


def check() -> None:
    for family in FAMILIES:
        destination = CACHE / family
        pip("download", "--quiet", "--dest", str(destination), *target_options(family))
        print(f"{family}: {len(list(destination.glob('*.whl')))} wheels for CPython {PYTHON_VERSION}")


def install(family: str, destination: str) -> None:
    pip("install", "--quiet", "--no-compile", "--target", destination, *target_options(family))


def main(argv: list) -> int:
    if argv[:1] == ["check"]:
        check()
        return 0
    if len(argv) == 3 and argv[0] == "install" and argv[1] in FAMILIES:
        install(argv[1], argv[2])
        return 0
    sys.stderr.write(f"usage: wheels.py check | wheels.py install {{{','.join(FAMILIES)}}} DIR\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
