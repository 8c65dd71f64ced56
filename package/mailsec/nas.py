"""Where DSM keeps things. Every path mailsec touches on the NAS is derived here from one root.

On the NAS the root is `/`; tests and `make run` point it at a fake NAS tree (`--root`, `MAILSEC_ROOT`).
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

PACKAGE_NAME = "mailsec"
MAILPLUS_SUBSCRIBER = "MailPlus-Server"
ROOT_ENV = "MAILSEC_ROOT"
PKGVAR_ENV = "SYNOPKG_PKGVAR"

# Absolute on every NAS (never under a fake root): the desktop app's address and the DSM programs that
# tell a CGI who is signed in (reference: dsm-package-format.md §5.5).
UI_SCRIPT_PATH = f"/webman/3rdparty/{PACKAGE_NAME}/index.cgi"
DSM_AUTHENTICATE_CGI = "/usr/syno/synoman/webman/modules/authenticate.cgi"
DSM_LOGIN_CGI = "/usr/syno/synoman/webman/login.cgi"


@dataclass(frozen=True)
class NasLayout:
    """The paths of one NAS filesystem, real or fake."""

    root: Path

    @classmethod
    def from_environment(cls, root: Optional[str] = None, env: Mapping[str, str] = os.environ) -> "NasLayout":
        """The layout for `--root`, else `$MAILSEC_ROOT`, else `/`."""
        return cls(Path(root or env.get(ROOT_ENV) or "/"))

    def _under_root(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")

    @property
    def certificate_archive(self) -> Path:
        """DSM's certificate store; root-only on a real NAS."""
        return self._under_root("/usr/syno/etc/certificate/_archive")

    @property
    def certificate_index(self) -> Path:
        """`_archive/INFO`: which certificate each service uses."""
        return self.certificate_archive / "INFO"

    @property
    def default_certificate_marker(self) -> Path:
        """`_archive/DEFAULT`: the id of DSM's default certificate."""
        return self.certificate_archive / "DEFAULT"

    def certificate_folder(self, cert_id: str) -> Path:
        return self.certificate_archive / cert_id

    @property
    def web_share(self) -> Path:
        """Web Station's `web` shared folder on the first volume."""
        return self._under_root("/volume1/web")

    @property
    def package_home(self) -> Path:
        """`/var/packages/mailsec`, where DSM keeps the installed package."""
        return self._under_root(f"/var/packages/{PACKAGE_NAME}")

    @property
    def package_var(self) -> Path:
        return self.package_home / "var"

    @property
    def package_target(self) -> Path:
        return self.package_home / "target"

    def state_dir(self, override: Optional[str] = None, env: Mapping[str, str] = os.environ) -> Path:
        """`--state-dir`, else `$SYNOPKG_PKGVAR` (set by DSM for package scripts), else the package var."""
        if override:
            return Path(override)
        if env.get(PKGVAR_ENV):
            return Path(env[PKGVAR_ENV])
        return self.package_var

    @property
    def launcher(self) -> Path:
        """The absolute path the Task Scheduler job runs, as it is on the NAS (not under a fake root)."""
        return Path(f"/var/packages/{PACKAGE_NAME}/target/bin/mailsec")
