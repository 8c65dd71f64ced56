"""Is the policy that Web Station serves the one the settings describe? Read from the file, no network."""

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Optional

from mailsec.mtasts.policy import StsPolicy
from mailsec.mtasts.publish import policy_file


class FileState(str, Enum):
    CURRENT = "current"  # the file holds exactly the policy of the settings
    DIFFERENT = "different"  # it holds something else: publish to bring it in line
    MISSING = "missing"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class ServedPolicy:
    state: FileState
    path: Path
    changed_at: Optional[datetime] = None  # when the file was last written
    served: str = ""  # its text, for showing next to the wanted one


def served_policy(web_root: Path, wanted: StsPolicy) -> ServedPolicy:
    path = policy_file(web_root)
    try:
        data = path.read_bytes()
        changed_at = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    except FileNotFoundError:
        return ServedPolicy(FileState.MISSING, path)
    except OSError:
        return ServedPolicy(FileState.UNREADABLE, path)
    served = data.decode("utf-8", "replace")
    state = FileState.CURRENT if data == wanted.render().encode("ascii") else FileState.DIFFERENT
    return ServedPolicy(state, path, changed_at, served)
