"""The desktop app folder (`ui/`, INFO `dsmuidir`) as it goes into the package.

The web app owns `ui/`: its `config` names the desktop app that INFO's `dsmappname` opens, `index.cgi`
serves it, and `texts/<lang>/strings` hold its strings, including the `[notify]` section that
`mailsec refresh` sends through DSM's notifications. The build copies the folder (CGI scripts
executable) and checks that `dsmappname` is an app of `config`.
"""

import json
from pathlib import Path
from typing import Any, Dict, List

from spkbuild.archive import EXECUTABLE_MODE, FILE_MODE, Member
from spkbuild.payload import files_under
from spkbuild.sources import BuildError


def ui_members(ui_folder: Path, app_id: str) -> List[Member]:
    """The members under `ui/`, after checking that its `config` defines the app INFO opens."""
    config_path = ui_folder / "config"
    if not config_path.is_file():
        raise BuildError(f"{config_path} is missing: the desktop app has no entry for DSM")
    if app_id not in app_ids(_json(config_path)):
        raise BuildError(f"INFO dsmappname {app_id!r} is not an app in {config_path} "
                         f"(it has {', '.join(sorted(app_ids(_json(config_path)))) or 'none'}); make them agree")
    members = []
    for path in files_under(ui_folder):
        mode = EXECUTABLE_MODE if path.suffix == ".cgi" else FILE_MODE
        members.append(Member(f"ui/{path.relative_to(ui_folder).as_posix()}", path.read_bytes(), mode))
    return sorted(members, key=lambda member: member.name)


def app_ids(config: Dict[str, Any]) -> List[str]:
    """The app ids a `ui/config` defines: the keys inside each top-level section (`.url`, `app.js`, ...)."""
    return [app for section in config.values() if isinstance(section, dict) for app in section]


def _json(path: Path) -> Dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise BuildError(f"{path} must hold a JSON object")
    return document
