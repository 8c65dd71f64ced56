"""What every command shares: the NAS layout, the state folder, output helpers."""

import argparse
import json
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from mailsec.nas import NasLayout

_HIDDEN = {"Cc", "Cf"}  # control and format characters


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
    """`text` with control and format characters shown as escapes (C0, DEL, C1, bidi overrides...), so a
    hostile value from DNS, a certificate or a report cannot drive the terminal or reorder what is shown."""
    return "".join(
        ch if ch == "\t" or unicodedata.category(ch) not in _HIDDEN else ascii(ch)[1:-1] for ch in text
    )


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2)
    sys.stdout.write("\n")


def warn(message: str) -> None:
    sys.stderr.write(f"mailsec: warning: {printable(message)}\n")


def add_ca_bundle_option(parser: argparse.ArgumentParser, use: str) -> None:
    parser.add_argument("--ca-bundle", metavar="FILE", type=_readable_file,
                        help=f"trust these CA certificates instead of the Mozilla roots {use}")


def _readable_file(path: str) -> str:
    """An argparse type: the file must be readable now, not fail deep inside a TLS handshake later."""
    try:
        with open(path, "rb"):
            return path
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {path}: {exc.strerror}") from None


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
