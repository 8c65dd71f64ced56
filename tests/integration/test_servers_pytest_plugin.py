"""The pytest plugin: server logs in the report of a failing test; a missing program skips only outside CI."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.servers

REPOSITORY = Path(__file__).resolve().parents[2]
CONFTEST = "from tests.support.servers.pytest_plugin import pytest_runtest_makereport, pytest_runtest_setup\n"
TESTS = '''
import pytest
from tests.support.servers.process import Daemon, find_program


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "server.log"
    daemon = Daemon("sample-server", ["sh", "-c", "echo started before the test; exec sleep 60"], log)
    daemon.start(lambda: "started" in log.read_text())
    yield daemon
    daemon.stop()


def test_uses_the_server(server):
    pass


def test_fails_while_the_server_runs(server):
    with server.log.open("a") as log:  # stands in for the server logging what the test made it do
        log.write("complained during the test\\n")
    assert False, "the test's own failure"


def test_needs_a_program_that_is_not_installed():
    find_program("no-such-daemon", "no-such-package")
'''


def run_pytest(directory: Path, ci: bool) -> str:
    (directory / "conftest.py").write_text(CONFTEST)
    (directory / "test_sample.py").write_text(TESTS)
    environment = {key: value for key, value in os.environ.items() if key != "CI"}
    environment["PYTHONPATH"] = str(REPOSITORY)
    environment["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # xdist, hypothesis: a second and a half of start-up
    if ci:
        environment["CI"] = "true"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", str(directory)], cwd=str(directory),
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
    )
    return result.stdout


@pytest.fixture(scope="module")
def outside_ci(tmp_path_factory: pytest.TempPathFactory) -> str:
    return run_pytest(tmp_path_factory.mktemp("sample"), ci=False)


def test_a_failing_test_shows_what_the_running_servers_logged_during_it(outside_ci: str) -> None:
    assert "1 failed, 1 passed, 1 skipped" in outside_ci
    section = outside_ci.split("sample-server log")[1].split("short test summary", maxsplit=1)[0]
    assert "complained during the test" in section
    assert "started before the test" not in section


def test_a_missing_program_skips_with_the_reason_outside_ci(outside_ci: str) -> None:
    assert "SKIPPED [1] test_sample.py:" in outside_ci
    assert "no-such-daemon is not installed: install the Debian package no-such-package" in outside_ci


def test_a_missing_program_fails_in_ci(tmp_path: Path) -> None:
    assert "2 failed, 1 passed" in run_pytest(tmp_path, ci=True)
