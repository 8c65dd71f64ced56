"""Telling the NAS owner through DSM: a desktop notification and a Log Center entry.

`synodsmnotify` shows a notification to the administrators. DSM 7 accepts only i18n keys there
(`mailsec:notify:<key>`, from the package's `ui/texts/<lang>/strings`), so the text is translated by DSM
in each administrator's language. `synologset1` writes plain text to the system log in Log Center.
Where neither tool exists (a development machine, the tests without stand-ins) the text goes to
standard error instead, so nothing is lost. `MAILSEC_SYNO_BIN` names the folder that holds the tools
(default `/usr/syno/bin`); the tests point it at clearly named stand-ins.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, TextIO

from mailsec.nas import PACKAGE_NAME, NasLayout

TOOLS_ENV = "MAILSEC_SYNO_BIN"
DEFAULT_TOOLS = "/usr/syno/bin"
NOTIFY_SECTION = "notify"
TITLE_KEY = "title"
ADMINISTRATORS = "@administrators"
LOG_EVENT = "0x11100000"  # Log Center's generic event: shows the text given
TOOL_TIMEOUT = 15


@dataclass(frozen=True)
class Notice:
    """One message to the owner: the i18n key of the desktop text (None: log only) and the log text."""

    level: str  # info, warn or err
    text: str
    desktop_key: Optional[str] = None


class DsmNotifier:
    """Delivers notices through DSM's tools, or to standard error where they do not exist."""

    def __init__(self, layout: NasLayout, tools: Optional[str] = None, fallback: Optional[TextIO] = None) -> None:
        self._layout = layout
        self._tools = Path(tools or os.environ.get(TOOLS_ENV) or DEFAULT_TOOLS)
        self._fallback = fallback

    def send(self, notice: Notice) -> None:
        delivered = self._run("synologset1", ["sys", notice.level, LOG_EVENT, f"{PACKAGE_NAME}: {notice.text}"])
        if notice.desktop_key:
            key = f"{PACKAGE_NAME}:{NOTIFY_SECTION}:"
            delivered |= self._run("synodsmnotify", [*self._app_option(), ADMINISTRATORS, key + TITLE_KEY,
                                                     key + notice.desktop_key])
        if not delivered:
            (self._fallback or sys.stderr).write(f"{PACKAGE_NAME}: notice: {notice.text}\n")

    def _run(self, tool: str, arguments: List[str]) -> bool:
        path = self._tools / tool
        if not os.access(str(path), os.X_OK):
            return False
        try:
            result = subprocess.run([str(path), *arguments], capture_output=True, timeout=TOOL_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return result.returncode == 0

    def _app_option(self) -> List[str]:
        """`-c <app id>`, the desktop app a click on the notification opens, from the installed INFO."""
        try:
            info = (self._layout.package_home / "INFO").read_text(encoding="utf-8")
        except OSError:
            return []
        match = re.search(r'^dsmappname="([^" ]+)', info, re.MULTILINE)
        return ["-c", match.group(1)] if match else []
