"""The desktop app folder (`ui/`, INFO `dsmuidir`) as it goes into the package.

The web app owns `ui/`: its `config` names the desktop app that INFO's `dsmappname` opens, `index.cgi`
serves it, and `texts/<lang>/strings` hold its strings, including the `[notify]` section that
`mailsec refresh` sends through DSM's notifications. The build copies the folder (CGI scripts
executable) and checks that `dsmappname` is an app of `config`.

Until the web app's `config` exists, the build writes a minimal one for `dsmappname`, which opens
`index.cgi` and preloads the notification strings (DSM shows only preloaded keys in notifications).
"""

import configparser
import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

from spkbuild.archive import EXECUTABLE_MODE, FILE_MODE, Member
from spkbuild.payload import files_under
from spkbuild.sources import BuildError

NOTIFY_SECTION = "notify"
STRINGS = "texts/enu/strings"


def ui_members(ui_folder: Path, app_id: str, package: str) -> Tuple[List[Member], List[str]]:
    """The members under `ui/` and notes about what the build had to supply itself."""
    members, notes = [], []
    for path in files_under(ui_folder) if ui_folder.is_dir() else ():
        mode = EXECUTABLE_MODE if path.suffix == ".cgi" else FILE_MODE
        members.append(Member(f"ui/{path.relative_to(ui_folder).as_posix()}", path.read_bytes(), mode))
    config_path = ui_folder / "config"
    if config_path.is_file():
        config = _json(config_path)
    else:
        config = placeholder_config(app_id, package, notify_keys(ui_folder / STRINGS))
        members.append(Member("ui/config", (json.dumps(config, indent=4) + "\n").encode("utf-8"), FILE_MODE))
        notes.append("ui/config is not in the tree yet: wrote a minimal desktop entry for " + app_id)
    if app_id not in app_ids(config):
        raise BuildError(f"INFO dsmappname {app_id!r} is not an app in {config_path} "
                         f"(it has {', '.join(sorted(app_ids(config))) or 'none'}); make them agree")
    return sorted(members, key=lambda member: member.name), notes


def app_ids(config: Dict[str, Any]) -> List[str]:
    """The app ids a `ui/config` defines: the keys inside each top-level section (`.url`, `app.js`, ...)."""
    return [app for section in config.values() if isinstance(section, dict) for app in section]


def notify_keys(strings: Path) -> List[str]:
    """`notify:<key>` for each key of the `[notify]` section of the English strings."""
    if not strings.is_file():
        return []
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(str(strings), encoding="utf-8")
    if not parser.has_section(NOTIFY_SECTION):
        return []
    return [f"{NOTIFY_SECTION}:{key}" for key in parser.options(NOTIFY_SECTION)]


def placeholder_config(app_id: str, package: str, preload: List[str]) -> Dict[str, Any]:
    return {".url": {app_id: {
        "type": "url",
        "title": package,
        "url": f"3rdparty/{package}/index.cgi",
        "allUsers": False,
        "preloadTexts": preload,
    }}}


def _json(path: Path) -> Dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise BuildError(f"{path} must hold a JSON object")
    return document
