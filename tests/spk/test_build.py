"""`tools/build_spk.py`: reproducible packages, a runnable payload, and a clear refusal for armv7."""

import hashlib
import os
import subprocess
import sys
import tarfile

from mailsec import __version__
from tests.spk.builds import BUILDER, ROOT, build, build_number

PICK_PYTHON = ROOT / "tools" / "pick-python"


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_second_build_gives_the_same_bytes(packages, tmp_path):
    again = build(tmp_path / "again")
    for family, package in packages.items():
        assert again[family].name == package.name
        assert sha256(again[family]) == sha256(package), family
        print(f"{package.name}: {package.stat().st_size / 2**20:.2f} MiB, sha256 {sha256(package)}")


def test_package_names_carry_family_and_version(packages):
    for family, package in packages.items():
        assert package.name == f"mailsec-{family}-{__version__}-{build_number(package)}.spk"


def test_armv7_is_refused_with_the_reason():
    result = subprocess.run([sys.executable, str(BUILDER), "--family", "armv7", "--out", "/nonexistent"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "cannot build for 'armv7': no cryptography wheel for CPython 3.8" in result.stderr
    assert "Supported: x86_64, armv8" in result.stderr


def test_the_x86_64_payload_imports_on_cpython_38(packages, tmp_path):
    """The launcher runs CPython 3.8 on the unpacked target, with only vendor/ for dependencies."""
    with tarfile.open(packages["x86_64"]) as spk:
        payload = spk.extractfile("package.tgz")
        with tarfile.open(fileobj=payload, mode="r:gz") as archive:
            archive.extractall(tmp_path)
    python = subprocess.run([str(PICK_PYTHON)], capture_output=True, text=True, check=True).stdout.strip()
    modules = "mailsec.cli.main, mailsec.resolver, mailsec.certs, cryptography.x509, dns.resolver, flask, requests"
    script = f"import sys, {modules}; print(sys.version_info[:2], cryptography.__file__)"
    result = subprocess.run(
        [str(tmp_path / "bin" / "mailsec-python"), "-c", script],
        env={"PATH": os.environ["PATH"], "MAILSEC_PYTHON": python}, capture_output=True, text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("(3, 8)"), result.stdout
    assert str(tmp_path / "vendor" / "cryptography") in result.stdout
