"""The install and uninstall wizards, one JSON structure per wizard and one text table per language.

`wizard/install.json` and `wizard/uninstall.json` hold the steps, keys and validators once; every string
value written as `@name` is replaced by that name's text from `wizard/texts/<lang>.json`. English becomes
`install_uifile` (DSM's fallback for every language), Dutch `install_uifile_nld`, so both languages
always ask for the same keys. DSM passes the answers to the scripts as environment variables named
after the keys (`wizard_domain`, ...).
"""

import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

from spkbuild.sources import BuildError

WIZARDS = {"install": "install_uifile", "uninstall": "uninstall_uifile"}
DEFAULT_LANGUAGE = "enu"
LANGUAGES = ("enu", "nld")
_TEXT_MARK = "@"


def wizard_files(folder: Path) -> List[Tuple[str, bytes]]:
    """(name in WIZARD_UIFILES, JSON bytes) for every wizard and language."""
    files = []
    for language in LANGUAGES:
        texts = _load(folder / "texts" / f"{language}.json")
        suffix = "" if language == DEFAULT_LANGUAGE else f"_{language}"
        for source, target in WIZARDS.items():
            steps = _translate(_load(folder / f"{source}.json"), texts, f"{source}.json ({language})")
            files.append((target + suffix, (json.dumps(steps, ensure_ascii=False, indent=1) + "\n").encode("utf-8")))
    return files


def _translate(value: Any, texts: Dict[str, str], where: str) -> Any:
    if isinstance(value, list):
        return [_translate(item, texts, where) for item in value]
    if isinstance(value, dict):
        return {key: _translate(item, texts, where) for key, item in value.items()}
    if isinstance(value, str) and value.startswith(_TEXT_MARK):
        name = value[len(_TEXT_MARK):]
        if name not in texts:
            raise BuildError(f"wizard {where}: no text for {value!r}")
        return texts[name]
    return value


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError(f"cannot read {path}: {exc}") from None
