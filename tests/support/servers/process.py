"""Running one server program: start it in the foreground, wait until it answers, stop it, show its logs.

Every server in this package runs as a `Daemon` (and is a `DaemonServer`): the program runs in the
foreground in a session of its own, so that stopping it reaches every process it forked; its standard
output and error go to a log file in its work directory; a readiness probe is polled until the server
really answers. When the program exits early or never answers, `ServerError` carries the end of its logs.

`setpriv --pdeathsig` makes the kernel send SIGTERM to the server when the test process dies without
cleaning up (killed, or a crash), so no server outlives the run that started it.
"""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set

# Daemons live in the sbin directories, which are not on every user's PATH.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
POLL_INTERVAL = 0.02
LOG_LINES = 40


_running: Set["Daemon"] = set()


class ServerError(RuntimeError):
    """A test server could not be started, reconfigured or stopped; the message holds its logs."""


class MissingProgram(ServerError):
    """A server program is not installed."""


def find_program(name: str, package: str) -> str:
    """The full path of `name`, or MissingProgram naming the Debian package that provides it."""
    path = shutil.which(name, path=SEARCH_PATH)
    if path is None:
        raise MissingProgram(
            f"{name} is not installed: install the Debian package {package} (`make system-deps` does)"
        )
    return path


def run_tool(argv: Sequence[str]) -> str:
    """Run a helper program (dnssec-signzone, tsig-keygen ...) and return its output, or ServerError."""
    result = subprocess.run(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    if result.returncode != 0:
        raise ServerError(f"{' '.join(argv)} failed with exit status {result.returncode}:\n{result.stdout}")
    return result.stdout


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class Daemon:
    """One server program in the foreground, with its output in `log` and its own logs in `other_logs`."""

    def __init__(self, name: str, argv: Sequence[str], log: Path, other_logs: Sequence[Path] = ()) -> None:
        self.name = name
        self.argv = list(argv)
        self.log = log
        self.logs: List[Path] = [log, *other_logs]
        self._process: Optional[subprocess.Popen[bytes]] = None

    @property
    def pid(self) -> int:
        assert self._process is not None, f"{self.name} is not started"
        return self._process.pid

    def start(self, ready: Callable[[], bool], timeout: float = START_TIMEOUT) -> None:
        """Start the program and return once `ready()` is true; stop it again if that never happens."""
        with self.log.open("ab") as output:
            self._process = subprocess.Popen(
                [find_program("setpriv", "util-linux"), "--pdeathsig", "TERM", "--", *self.argv],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )
        _running.add(self)
        try:
            self.wait_until(ready, "answer", timeout)
        except BaseException:
            self.stop()
            raise

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
        """Poll `condition` until it holds; ServerError with the logs if the program ends or time runs out."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self._process is None or self._process.poll() is not None:
                code = None if self._process is None else self._process.returncode
                raise ServerError(
                    f"{self.name} exited (status {code}) before it could {what}\n{self.recent_logs()}"
                )
            if time.monotonic() > deadline:
                raise ServerError(f"{self.name} did not {what} within {timeout:g} s\n{self.recent_logs()}")
            time.sleep(POLL_INTERVAL)

    def send(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM and wait (SIGKILL after `timeout`), then kill whatever is left of its process group."""
        if self._process is None:
            return
        process, self._process = self._process, None
        _running.discard(self)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        _kill_group(process.pid)

    def log_sizes(self) -> Dict[Path, int]:
        """How far each log has grown: pass it to `logs_since` to see what happened in between."""
        return {path: path.stat().st_size for path in self.logs if path.exists()}

    def logs_since(self, sizes: Dict[Path, int]) -> str:
        """What each log gained since `log_sizes()` returned `sizes` (the whole log if it is new)."""
        parts = []
        for path in self.logs:
            if path.exists():
                with path.open("rb") as log:
                    log.seek(sizes.get(path, 0))
                    parts.append(f"--- {path} ---\n{log.read().decode(errors='replace')}")
        return "\n".join(parts)

    def recent_logs(self, lines: int = LOG_LINES) -> str:
        """The last `lines` lines of each log, headed by its path."""
        return "\n".join(f"--- {path} ---\n{_tail(path, lines)}" for path in self.logs if path.exists())


def running_daemons() -> List[Daemon]:
    """The servers started in this process and not stopped yet."""
    return list(_running)


class DaemonServer:
    """A test server run by one `Daemon`: the subclass's `__enter__` starts it, leaving `with` stops it."""

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon

    def __exit__(self, *exc_info: object) -> None:
        self.daemon.stop()


def live_group_members(pgid: int) -> List[int]:
    """The processes of group `pgid` that still run (zombies waiting for init to reap them do not)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid pgrp ...": comm may hold spaces and ")", so split at the last ")"
            state, _, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError):
            continue  # ended while we looked
        if int(group) == pgid and state != "Z":
            members.append(int(stat.parent.name))
    return members


def _kill_group(pgid: int) -> None:
    """Kill what remains of a stopped server's process group (workers its master left behind)."""
    if live_group_members(pgid):
        os.killpg(pgid, signal.SIGKILL)
    deadline = time.monotonic() + STOP_TIMEOUT
    while live_group_members(pgid):
        if time.monotonic() > deadline:
            raise ServerError(f"processes {live_group_members(pgid)} of group {pgid} survived SIGKILL")
        time.sleep(POLL_INTERVAL)
