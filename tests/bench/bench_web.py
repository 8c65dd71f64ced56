"""How long one click in the desktop app takes as a CGI: `python -m tests.bench.bench_web [--runs N]`.

Each click makes DSM's web server start a program. This compares, for the overview page of the demo NAS:
- a bare Python hello-world CGI (the floor: starting the interpreter),
- `python -m mailsec.web.cgi` relaying to the resident backend (`mailsec.web.backend`),
- the same relay serving in process because no backend runs (imports Flask on every click),
with DSM's login check done by the stand-ins of tests/support (shell scripts, like DSM's C programs a
separate process each). It prints the median and 90th percentile wall time, the ratio to the bare CGI
and the peak resident memory of the CGI process, and the backend's own peak memory.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional

from mailsec.web.auth import AUTH_CGI_ENV, ID_COMMAND_ENV
from mailsec.web.protocol import STATE_DIR_ENV
from tests.support.demo_nas import build_demo_nas
from tests.support.standin_login import ADMIN, session_cookie, standin_environment, synotoken

TIME = "/usr/bin/time"
HELLO = 'import sys\nsys.stdout.write("Content-Type: text/plain\\r\\n\\r\\nhello\\n")\n'
WARM_UP = 3


class Sample(NamedTuple):
    seconds: float
    peak_kib: int


class Row(NamedTuple):
    name: str
    command: List[str]
    env: Dict[str, str]
    samples: List[Sample]

    @property
    def median_ms(self) -> float:
        return 1000 * statistics.median(sample.seconds for sample in self.samples)

    @property
    def p90_ms(self) -> float:
        ordered = sorted(sample.seconds for sample in self.samples)
        return 1000 * ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]

    @property
    def peak_mib(self) -> float:
        return max(sample.peak_kib for sample in self.samples) / 1024


def run_once(command: List[str], env: Dict[str, str]) -> Sample:
    """One CGI request: wall time from start to exit, and the CGI process's peak resident memory.

    GNU time reports the memory: a child forked from this (larger) Python process would count this
    process's pages as its own until it execs.
    """
    started = time.perf_counter()
    done = subprocess.run([TIME, "-f", "%M", *command], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if not done.stdout.startswith((b"Status: 200", b"Content-Type: text/plain")):
        raise RuntimeError(f"{command} answered {done.stdout[:120]!r} {done.stderr[-300:]!r}")
    return Sample(elapsed, int(done.stderr.split()[-1]))


def measure(rows: List[Row], runs: int) -> None:
    """Take the rows' samples in turns, so that a busy moment of the machine hits every row alike."""
    for round_number in range(WARM_UP + runs):
        for row in rows:
            sample = run_once(row.command, row.env)
            if round_number >= WARM_UP:
                row.samples.append(sample)


def cgi_environment(root: Path, state_dir: Path) -> Dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MAILSEC_ROOT": str(root),
        "SYNOPKG_PKGVAR": str(state_dir),
        **standin_environment(),
        "GATEWAY_INTERFACE": "CGI/1.1",
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "/webman/3rdparty/mailsec/index.cgi",
        "PATH_INFO": "/",
        "QUERY_STRING": f"SynoToken={synotoken(ADMIN)}",
        "HTTP_COOKIE": session_cookie(ADMIN),
        "SERVER_NAME": "nas",
        "SERVER_PORT": "5001",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTPS": "on",
        "REMOTE_ADDR": "192.0.2.7",
    }


def start_backend(env: Dict[str, str], state_dir: Path) -> subprocess.Popen:
    backend = subprocess.Popen([sys.executable, "-m", "mailsec.web.backend"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (state_dir / "web.sock").exists():
        if backend.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the backend did not start")
        time.sleep(0.05)
    return backend


def peak_memory_mib(pid: int) -> Optional[float]:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def report(rows: List[Row], backend_mib: Optional[float], runs: int) -> str:
    floor = rows[0].median_ms
    lines = [
        f"CGI request time of the overview page, {runs} runs each (Python {sys.version.split()[0]}):",
        "",
        f"{'':44} {'median':>9} {'p90':>9} {'x bare':>7} {'peak RSS':>9}",
    ]
    for row in rows:
        ratio = row.median_ms / floor
        timing = f"{row.median_ms:7.1f}ms {row.p90_ms:7.1f}ms {ratio:6.1f}x"
        lines.append(f"{row.name:44} {timing} {row.peak_mib:6.1f}MiB")
    if backend_mib is not None:
        name = "resident backend (one process, all requests)"
        lines.append(f"{name:44} {'':9} {'':9} {'':7} {backend_mib:6.1f}MiB")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_web",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="requests per row (default 30)")
    args = parser.parse_args(argv)
    if not os.access(TIME, os.X_OK):
        parser.error(f"{TIME} (GNU time, Debian package 'time') measures the memory; install it")
    with tempfile.TemporaryDirectory(prefix="mailsec-bench-") as folder:
        root = Path(folder) / "nas"
        build_demo_nas(root)
        state_dir = root / "var" / "packages" / "mailsec" / "var"
        env = cgi_environment(root, state_dir)
        without_backend = {name: value for name, value in env.items() if name != STATE_DIR_ENV}
        hello = Path(folder) / "hello.cgi"
        hello.write_text(HELLO, encoding="ascii")
        standins = standin_environment()
        login_check = (f"{standins[AUTH_CGI_ENV]} >/dev/null && {standins[ID_COMMAND_ENV]} -nG -- {ADMIN} "
                       ">/dev/null && printf 'Content-Type: text/plain\\r\\n\\r\\n'")
        relay = [sys.executable, "-m", "mailsec.web.cgi"]
        rows = [
            Row("bare Python hello-world CGI", [sys.executable, str(hello)], env, []),
            Row("DSM login check alone (stand-in programs)",
                ["/bin/sh", "-c", login_check], env, []),
            Row("relay -> resident backend", relay, env, []),
            Row("relay, no backend: served in process", relay, without_backend, []),
        ]
        backend = start_backend(env, state_dir)
        try:
            measure(rows, args.runs)
            backend_mib = peak_memory_mib(backend.pid)
        finally:
            backend.send_signal(signal.SIGTERM)
            backend.wait(timeout=30)
    print(report(rows, backend_mib, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
