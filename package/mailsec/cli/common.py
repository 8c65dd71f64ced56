"""What every command shares: the NAS layout, the state folder, output helpers."""

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from mailsec.nas import NasLayout

_CONTROL = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F]}
_CONTROL.pop(ord("\t"))


@dataclass(frozen=True)
class Context:
    layout: NasLayout
    state_dir: Path

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "Context":
        layout = NasLayout.from_environment(getattr(args, "root", None))
        return cls(layout, layout.state_dir(getattr(args, "state_dir", None)))

    def web_root(self, override: Optional[str], saved: Optional[str]) -> Path:
        """`--web-root`, else the saved Web Station folder, else `volume1/web` under the NAS root."""
        chosen = override or saved
        return Path(chosen) if chosen else self.layout.web_share


def printable(text: str) -> str:
    """`text` with control characters shown as escapes, so a hostile value cannot drive the terminal."""
    return text.translate(_CONTROL)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2)
    sys.stdout.write("\n")


def warn(message: str) -> None:
    sys.stderr.write(f"mailsec: warning: {printable(message)}\n")


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
