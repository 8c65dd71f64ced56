import subprocess

import pytest

from tests.spk.builds import ROOT, build, newer_build

SHELLS = {"dash": ["dash"], "busybox ash": ["busybox", "ash"]}


@pytest.fixture(scope="session")
def package(tmp_path_factory):
    """The x86_64 package of this tree (this machine runs x86_64)."""
    return build(tmp_path_factory.getbasetemp() / "dist")["x86_64"]


@pytest.fixture(scope="session")
def newer_package(tmp_path_factory, package):
    """The same package with a higher build number: what an upgrade installs."""
    return newer_build(tmp_path_factory.getbasetemp(), package)


@pytest.fixture(scope="session")
def python38():
    """CPython 3.8, standing in for DSM's /usr/bin/python3."""
    return subprocess.run([str(ROOT / "tools" / "pick-python")], capture_output=True, text=True,
                          check=True).stdout.strip()
