"""Running a server program: failures carry the logs, and stopping leaves no process behind."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.servers.process import (
    Daemon,
    MissingProgram,
    ServerError,
    find_program,
    live_group_members,
)

pytestmark = pytest.mark.servers


def _ends(group: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while live_group_members(group):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_program_that_exits_early_is_reported_with_its_output(tmp_path: Path) -> None:
    script = "echo 'bind: address already in use' >&2; exit 3"
    daemon = Daemon("broken", ["sh", "-c", script], tmp_path / "broken.log")
    with pytest.raises(ServerError, match=r"(?s)broken exited \(status 3\).*address already in use"):
        daemon.start(lambda: False)


def test_a_program_that_never_answers_is_reported_and_stopped(tmp_path: Path) -> None:
    daemon = Daemon("mute", ["sh", "-c", "echo listening; exec sleep 60"], tmp_path / "mute.log")
    groups = []

    def never_ready() -> bool:
        groups.append(daemon.pid)
        return False

    with pytest.raises(ServerError, match=r"(?s)mute did not answer within 0.3 s.*listening"):
        daemon.start(never_ready, timeout=0.3)
    assert live_group_members(groups[0]) == []


def test_stopping_kills_what_the_program_left_in_its_process_group(tmp_path: Path) -> None:
    child_pid_file = tmp_path / "child.pid"
    # The child ignores SIGTERM, like a worker that outlives its master.
    script = f"(trap '' TERM; exec sleep 60) & echo $! > {child_pid_file}; exec sleep 60"
    daemon = Daemon("parent", ["sh", "-c", script], tmp_path / "parent.log")
    daemon.start(child_pid_file.exists)
    daemon.wait_until(lambda: child_pid_file.read_text().strip() != "", "write the pid")
    group = daemon.pid
    assert int(child_pid_file.read_text()) in live_group_members(group)
    daemon.stop()
    assert live_group_members(group) == []


def test_servers_die_with_the_test_process_that_started_them(tmp_path: Path) -> None:
    pid_file = tmp_path / "server.pid"
    # The test process starts a server, waits until it runs (setpriv has set the signal and made way for
    # sleep), and dies without stopping it.
    orphan_maker = (
        "import os; from pathlib import Path; from tests.support.servers.process import Daemon; "
        f"d = Daemon('orphan', ['sleep', '60'], Path({str(tmp_path / 'orphan.log')!r})); "
        "d.start(lambda: Path(f'/proc/{d.pid}/comm').read_text().strip() == 'sleep'); "
        f"Path({str(pid_file)!r}).write_text(str(d.pid)); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", orphan_maker], check=True, cwd=str(Path(__file__).parents[2]))
    assert _ends(int(pid_file.read_text()))  # the server led its own process group


def test_a_missing_program_names_the_package_to_install() -> None:
    with pytest.raises(MissingProgram, match="no-such-daemon is not installed: install the Debian package x"):
        find_program("no-such-daemon", "x")

