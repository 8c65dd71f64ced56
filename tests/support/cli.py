"""Running the `mailsec` command line the way an owner or the Task Scheduler does: a fresh process."""

import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

# Variables the CLI reads; the tests set them explicitly so the developer's shell cannot leak in.
MAILSEC_VARIABLES = ("MAILSEC_ROOT", "MAILSEC_NOW", "SYNOPKG_PKGVAR")

# Runs the CLI as root without the capabilities that let root read any file, so file modes apply to it
# as they apply to the package user on a NAS. (Switching to `nobody` is not possible here: the
# interpreter lives below /root, which only root may enter.)
WITHOUT_FILE_PRIVILEGES = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


@dataclass(frozen=True)
class Run:
    """What one `mailsec` invocation did."""

    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> List[str]:
        return self.stderr.splitlines()


def mailsec(
    *args: str,
    env: Optional[Dict[str, str]] = None,
    stdin: bytes = b"",
    prefix: Sequence[str] = (),
) -> Run:
    """Run `python -m mailsec ARGS` with a clean mailsec environment plus `env`."""
    environment = {key: value for key, value in os.environ.items() if key not in MAILSEC_VARIABLES}
    environment.update(env or {})
    completed = subprocess.run(
        [*prefix, sys.executable, "-m", "mailsec", *args],
        input=stdin, capture_output=True, env=environment, check=False,
    )
    run = Run(completed.returncode, completed.stdout.decode("utf-8"), completed.stderr.decode("utf-8"))
    assert "Traceback" not in run.stderr, run.stderr
    return run


def assert_cannot_run(run: Run, *mentions: str) -> str:
    """Exit 2 with one clear `mailsec: error:` line on stderr that names every one of `mentions`."""
    assert run.code == 2, (run.code, run.stdout, run.stderr)
    assert len(run.error_lines) == 1, run.stderr
    line = run.error_lines[0]
    assert line.startswith("mailsec: error: "), line
    for mention in mentions:
        assert mention in line, (mention, line)
    return line
