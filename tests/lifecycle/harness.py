"""A DSM Package Center stand-in: installs, starts, upgrades and removes a built .spk in a fake NAS tree.

It follows the order and environment of DSM's Package Developer Guide (scripts.html, script_env_var.html):

    install    preinst, unpack, postinst, prestart, start
    start      prestart, start            stop   prestop, stop
    upgrade    prestop, stop (old scripts), preupgrade (new), preuninst, postuninst (old; the old target
               is removed in between), preinst (new), unpack, postinst, postupgrade, prestart, start
    uninstall  prestop, stop, preuninst, remove the target, postuninst

The tree mirrors DSM's: `/var/packages/mailsec/{INFO,conf,scripts}`, `target` linked to
`/volume1/@appstore/mailsec` (replaced on upgrade) and `var` linked to `/volume1/@appdata/mailsec` (kept
across upgrade and uninstall). Every script runs under the chosen shell as `/bin/sh` would run it, with
DSM's variables (SYNOPKG_PKGNAME, SYNOPKG_PKGVER, SYNOPKG_OLD_PKGVER, SYNOPKG_PKGDEST, SYNOPKG_PKGVAR,
SYNOPKG_PKG_STATUS, SYNOPKG_TEMP_LOGFILE, SYNOPKG_DSM_LANGUAGE, ...), the wizard's answers and a
minimal PATH, and its message to the owner (what it wrote to SYNOPKG_TEMP_LOGFILE) is kept.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

PACKAGE = "mailsec"
DSM_PATH = "/bin:/sbin:/usr/bin:/usr/sbin"


class Aborted(Exception):
    """A pre-script exited non-zero, and DSM stops the operation (install, upgrade or uninstall)."""


@dataclass(frozen=True)
class ScriptRun:
    script: str
    action: str
    returncode: int
    message: str  # what the script wrote to SYNOPKG_TEMP_LOGFILE
    output: str  # stdout and stderr, which DSM writes to its package log


class FakeDsm:
    def __init__(self, root: Path, shell: Sequence[str], python: str, language: str = "enu") -> None:
        self.root = root
        self.shell = list(shell)
        self.python = python
        self.language = language
        self.home = root / "var" / "packages" / PACKAGE
        self.appstore = root / "volume1" / "@appstore" / PACKAGE
        self.appdata = root / "volume1" / "@appdata" / PACKAGE
        self.runs: List[ScriptRun] = []
        self.version = ""

    @property
    def target(self) -> Path:
        return self.home / "target"

    @property
    def var(self) -> Path:
        return self.home / "var"

    # Package Center's operations

    def install(self, spk: Path, wizard: Dict[str, str], start: bool = True) -> None:
        staging = self._unpack_spk(spk)
        version = _info(staging / "INFO")["version"]
        _must_pass(self._run(staging / "scripts" / "preinst", "", "INSTALL", version, wizard=wizard))
        self._put_in_place(staging)
        self.version = version
        self._run(self.home / "scripts" / "postinst", "", "INSTALL", version, wizard=wizard)
        if start:
            self.start("INSTALL")

    def start(self, status: str = "START") -> int:
        self.script("prestart", status)
        return self.script("start", status).returncode

    def stop(self, status: str = "STOP") -> int:
        self.script("prestop", status)
        return self.script("stop", status).returncode

    def status(self) -> int:
        return self.script("status", "").returncode

    def upgrade(self, spk: Path) -> None:
        was_running = self.status() == 0
        old = self.version
        staging = self._unpack_spk(spk)
        new = _info(staging / "INFO")["version"]
        if was_running:
            self.stop("UPGRADE")
        _must_pass(self._run(staging / "scripts" / "preupgrade", "", "UPGRADE", new, old))
        _must_pass(self._run(self.home / "scripts" / "preuninst", "", "UPGRADE", new, old))
        shutil.rmtree(self.appstore)
        self._run(self.home / "scripts" / "postuninst", "", "UPGRADE", new, old)
        _must_pass(self._run(staging / "scripts" / "preinst", "", "UPGRADE", new, old))
        self._put_in_place(staging)
        self.version = new
        self._run(self.home / "scripts" / "postinst", "", "UPGRADE", new, old)
        self._run(self.home / "scripts" / "postupgrade", "", "UPGRADE", new, old)
        if was_running:
            self.start("UPGRADE")

    def uninstall(self, wizard: Dict[str, str]) -> None:
        if self.status() == 0:
            self.stop("UNINSTALL")
        scripts = self.root / "tmp" / "uninstall-scripts"
        shutil.copytree(str(self.home / "scripts"), str(scripts))
        _must_pass(self._run(scripts / "preuninst", "", "UNINSTALL", self.version, wizard=wizard))
        shutil.rmtree(self.appstore)
        for name in ("scripts", "conf", "INFO", "target"):
            _remove(self.home / name)
        self._run(scripts / "postuninst", "", "UNINSTALL", self.version, wizard=wizard)
        shutil.rmtree(scripts)

    def script(self, action: str, status: str) -> ScriptRun:
        return self._run(self.home / "scripts" / "start-stop-status", action, status, self.version)

    def installed(self, program: str, *arguments: str, shell: Optional[Sequence[str]] = None
                  ) -> subprocess.CompletedProcess:
        """`target/bin/PROGRAM ARGUMENTS` as the Task Scheduler runs it (optionally under a given shell)."""
        command = [*(shell or []), str(self.target / "bin" / program), *arguments]
        return subprocess.run(command, env=self._environment({}), capture_output=True, text=True, timeout=120,
                              check=False)

    def kill_leftovers(self) -> None:
        """End a backend a failed test left running (by the process id in its pid file)."""
        with contextlib.suppress(OSError, ValueError):
            os.kill(int((self.var / "web.pid").read_text()), signal.SIGKILL)

    # The mechanics

    def _unpack_spk(self, spk: Path) -> Path:
        staging = self.root / "tmp" / "pkginst"
        _remove(staging)
        with tarfile.open(spk) as archive:
            archive.extractall(staging)
        return staging

    def _put_in_place(self, staging: Path) -> None:
        """Unpack package.tgz into a fresh target and install INFO, conf and scripts, as DSM does."""
        self.appstore.mkdir(parents=True)
        with tarfile.open(staging / "package.tgz") as payload:
            payload.extractall(self.appstore)
        self.appdata.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        for link, folder in ((self.target, self.appstore), (self.var, self.appdata)):
            if not link.is_symlink():
                link.symlink_to(folder)
        for name in ("scripts", "conf", "WIZARD_UIFILES"):
            _remove(self.home / name)
            shutil.copytree(str(staging / name), str(self.home / name))
        shutil.copy(str(staging / "INFO"), str(self.home / "INFO"))
        shutil.rmtree(staging)

    def _run(self, script: Path, action: str, status: str, version: str, old_version: str = "",
             wizard: Optional[Dict[str, str]] = None) -> ScriptRun:
        log = self.root / "tmp" / "synopkg-message"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("")
        variables = {
            "SYNOPKG_PKG_STATUS": status,
            "SYNOPKG_PKGVER": version,
            "SYNOPKG_OLD_PKGVER": old_version,
            "SYNOPKG_TEMP_LOGFILE": str(log),
            **(wizard or {}),
        }
        result = subprocess.run([*self.shell, str(script), *([action] if action else [])],
                                env=self._environment(variables), capture_output=True, text=True, timeout=120,
                                check=False)
        run = ScriptRun(script.name, action, result.returncode, log.read_text(), result.stdout + result.stderr)
        self.runs.append(run)
        return run

    def _environment(self, variables: Dict[str, str]) -> Dict[str, str]:
        return {
            "PATH": DSM_PATH,
            "SYNOPKG_PKGNAME": PACKAGE,
            "SYNOPKG_PKGDEST": str(self.target),
            "SYNOPKG_PKGVAR": str(self.var),
            "SYNOPKG_DSM_LANGUAGE": self.language,
            "SYNOPKG_DSM_VERSION_MAJOR": "7",
            "SYNOPKG_DSM_VERSION_MINOR": "2",
            "SYNOPKG_DSM_VERSION_BUILD": "64570",
            "SYNOPKG_DSM_ARCH": "x86_64",
            "MAILSEC_ROOT": str(self.root),  # every NAS path mailsec derives lives in the fake tree
            "MAILSEC_PYTHON": self.python,  # DSM's /usr/bin/python3: CPython 3.8 here
            **variables,
        }


def _must_pass(run: ScriptRun) -> None:
    if run.returncode != 0:
        raise Aborted(f"{run.script} exited {run.returncode}: {run.message or run.output}")


def _info(path: Path) -> Dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {key: value.strip('"') for key, value in pairs}


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
