"""The built package through Package Center's life cycle, under dash and under busybox ash as /bin/sh.

install (wizard answers become settings) -> start -> status -> stop -> status -> upgrade to a newer build
(settings and state survive, the target is replaced, a running package runs again) -> uninstall keeping
the data -> install again -> uninstall deleting the data.
"""

import json

import pytest

from tests.lifecycle.conftest import SHELLS
from tests.lifecycle.harness import Aborted, FakeDsm
from tests.spk.builds import build_number

RUNNING, STOPPED = 0, 3
WIZARD = {"wizard_domain": "example.nl", "wizard_mx_hosts": "mail.example.nl, mx2.example.nl"}


@pytest.fixture(params=sorted(SHELLS))
def dsm(request, tmp_path, python38):
    fake = FakeDsm(tmp_path / "nas", SHELLS[request.param], python38)
    (fake.root / "volume1" / "web").mkdir(parents=True)
    yield fake
    fake.kill_leftovers()


def settings(dsm: FakeDsm) -> dict:
    return json.loads((dsm.var / "settings.json").read_text())


def failed(dsm: FakeDsm) -> list:
    """The script runs that failed (status is a question, not an action: its 3 means stopped)."""
    return [run for run in dsm.runs if run.returncode != 0 and run.action != "status"]


def last(dsm: FakeDsm, script: str):
    return [run for run in dsm.runs if run.script == script][-1]


def test_the_whole_life_cycle(dsm, package, newer_package):
    web_root = str(dsm.root / "volume1" / "web")
    dsm.install(package, {**WIZARD, "wizard_web_root": web_root})
    assert failed(dsm) == []
    saved = settings(dsm)
    assert saved["domains"][0]["domain"] == "example.nl"
    assert saved["domains"][0]["mx"] == ["mail.example.nl", "mx2.example.nl"]
    assert saved["domains"][0]["mode"] == "testing"
    assert saved["web_root"] == web_root
    message = last(dsm, "postinst").message
    assert "User: root" in message and "/var/packages/mailsec/target/bin/mailsec refresh" in message

    assert dsm.status() == RUNNING
    assert (dsm.var / "web.sock").exists()
    assert dsm.stop() == 0
    assert dsm.status() == STOPPED
    assert not (dsm.var / "web.pid").exists()
    assert dsm.start() == 0 and dsm.status() == RUNNING
    assert dsm.start() == 0 and dsm.status() == RUNNING  # starting twice keeps one backend

    settings_before = (dsm.var / "settings.json").read_bytes()
    (dsm.var / "refresh.json").write_text("{}")  # state of an earlier refresh run
    (dsm.target / "left-by-old-version").write_text("")
    dsm.upgrade(newer_package)
    assert failed(dsm) == []
    assert (dsm.var / "settings.json").read_bytes() == settings_before
    assert (dsm.var / "refresh.json").read_text() == "{}"
    assert not (dsm.target / "left-by-old-version").exists()
    assert (dsm.home / "INFO").read_text().count(f"-{build_number(newer_package)}\"") == 1
    assert "upgraded from" in last(dsm, "postupgrade").message
    assert last(dsm, "postuninst").message == ""  # the old version's removal is no uninstall: no data talk
    assert dsm.status() == RUNNING

    dsm.uninstall({"wizard_keep_data": "true", "wizard_delete_data": "false"})
    assert not dsm.target.exists() and not (dsm.home / "scripts").exists()
    assert (dsm.var / "settings.json").read_bytes() == settings_before
    assert "kept" in last(dsm, "postuninst").message

    dsm.install(package, {**WIZARD, "wizard_web_root": web_root}, start=False)
    dsm.uninstall({"wizard_keep_data": "false", "wizard_delete_data": "true"})
    assert failed(dsm) == []
    assert dsm.var.is_dir() and list(dsm.var.iterdir()) == []
    assert "deleted" in last(dsm, "postuninst").message


def test_the_installed_launcher_runs_mailsec_with_cpython_38(dsm, package):
    dsm.install(package, {**WIZARD, "wizard_web_root": str(dsm.root / "volume1" / "web")}, start=False)
    for shell in (None, SHELLS["busybox ash"]):
        result = dsm.installed("mailsec", "--help", shell=shell)
        assert result.returncode == 0, result.stderr
        assert "refresh" in result.stdout
    probe = "import sys, cryptography; print(sys.version_info[:2], cryptography.__file__)"
    found = dsm.installed("mailsec-python", "-c", probe).stdout
    assert found.startswith("(3, 8)") and str(dsm.target / "vendor") in found, found
    assert list(dsm.target.rglob("__pycache__")) == []  # run as root here: root writes no caches there


def test_wizard_answers_mailsec_refuses_leave_the_package_installed(dsm, package):
    dsm.install(package, {**WIZARD, "wizard_domain": "not a domain", "wizard_web_root": "/volume1/web"})
    postinst = last(dsm, "postinst")
    assert postinst.returncode == 0
    assert "mailsec did not save the wizard's answers" in postinst.message
    assert "Enter them in the mailsec app" in postinst.message
    assert not (dsm.var / "settings.json").exists()


@pytest.mark.parametrize("found", ["3.9", "none"])
def test_preinst_refuses_a_nas_without_python_38(dsm, package, tmp_path, found):
    other_python = tmp_path / "python-standin"
    behaviour = "exit 1" if found == "none" else f"echo {found}"
    other_python.write_text(f"#!/bin/sh\n# stand-in for DSM's python3 on a NAS with Python {found}\n{behaviour}\n")
    other_python.chmod(0o755)
    dsm.python = str(other_python)
    with pytest.raises(Aborted):
        dsm.install(package, {**WIZARD, "wizard_web_root": "/volume1/web"})
    assert not dsm.home.exists()
    preinst = last(dsm, "preinst")
    assert preinst.returncode == 1
    assert f"mailsec needs DSM's Python 3.8 at {other_python}, but found {found}" in preinst.message
