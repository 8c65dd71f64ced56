"""Run as the package user instead of root, `mailsec refresh` says so in one sentence and changes nothing.

The test drops its effective user to `nobody` for the run (the real user stays root, so it can switch
back); the fake certificate store is root's with mode 0700, as on the NAS.
"""

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

# Imported before the switch, because nobody may not read Python's own files under /root.
import mailsec.refresh.schedule
import mailsec.resolver  # noqa: F401
from mailsec.cli.main import main
from mailsec.refresh.job import NEEDS_ROOT
from mailsec.settings import update_settings
from tests.support.demo_nas import build_demo_nas

NOBODY = 65534

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="switching to an unprivileged user needs root")


@pytest.fixture
def demo(unreachable_nameserver):
    """A demo NAS in a folder others may enter (pytest's own temporary folders are root's alone)."""
    base = Path(tempfile.mkdtemp(prefix="mailsec-permissions-"))
    base.chmod(0o755)
    nas = build_demo_nas(base / "nas")
    update_settings(nas.layout.state_dir(), lambda s: replace(s, nameservers=(unreachable_nameserver,)))
    yield nas
    shutil.rmtree(base)


@contextmanager
def as_unprivileged_user():
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@pytest.mark.parametrize("state_owner", ["root", "package user"])
def test_refresh_as_the_package_user_says_it_needs_root(demo, capsys, state_owner):
    os.chmod(str(demo.layout.certificate_archive), 0o700)
    if state_owner == "package user":
        os.chown(str(demo.layout.state_dir()), NOBODY, NOBODY)
    with as_unprivileged_user():
        code = main(["--root", str(demo.layout.root), "refresh"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == f"mailsec: error: {NEEDS_ROOT}\n"
    assert captured.out == ""
    assert not (demo.layout.web_share / "mta-sts").exists()
