"""The INFO file: `key="value"` lines in UTF-8, the metadata Package Center shows and checks.

The repository's top-level INFO holds the facts people write (name, descriptions, maintainer, minimum
DSM, UI folder and app id). The build adds the facts it computes, and only those: `version`, `arch`,
`checksum` (MD5 of package.tgz, which DSM 7 verifies) and `extractsize` (KiB needed on the volume).
"""

import re
from pathlib import Path
from typing import Dict

from spkbuild.sources import BuildError

STAMPED_KEYS = ("version", "arch", "checksum", "extractsize")
_LINE = re.compile(r'(\w+)="([^"\\]*)"\Z')


def read_info(path: Path) -> Dict[str, str]:
    """The keys of the source INFO, in file order; refuses keys the build stamps and malformed lines."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise BuildError(f"{path} must be UTF-8 text") from None
    info: Dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if not match:
            raise BuildError(f'{path}:{number}: write key="value" (no quotes or backslashes inside the value)')
        key, value = match.groups()
        if key in info:
            raise BuildError(f"{path}:{number}: {key} is set twice")
        if key in STAMPED_KEYS:
            raise BuildError(f"{path}:{number}: {key} is computed by the build; remove it from INFO")
        info[key] = value
    return info


def render_info(info: Dict[str, str]) -> bytes:
    return "".join(f'{key}="{value}"\n' for key, value in info.items()).encode("utf-8")
