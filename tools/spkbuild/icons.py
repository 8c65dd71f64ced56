"""Package icons: the desktop app's own icons when the UI provides them, else a drawn stand-in.

Package Center needs `PACKAGE_ICON.PNG` (64x64 on DSM 7) and `PACKAGE_ICON_256.PNG`. The web app owns
the artwork (`ui/images/icon_64.png`, `icon_256.png`); until those exist the build draws a plain
envelope on a blue tile, so that a package can always be built.
"""

import struct
import zlib
from pathlib import Path
from typing import Tuple

SIZES = (64, 256)
_TILE = (31, 111, 181, 255)
_PAPER = (255, 255, 255, 255)
_CLEAR = (0, 0, 0, 0)


def package_icon(ui_folder: Path, size: int) -> Tuple[bytes, bool]:
    """The PNG for `size` and whether it came from the UI (False: drawn here)."""
    supplied = ui_folder / "images" / f"icon_{size}.png"
    if supplied.is_file():
        return supplied.read_bytes(), True
    return drawn_icon(size), False


def drawn_icon(size: int) -> bytes:
    rows = []
    for y in range(size):
        row = bytearray([0])  # PNG filter type 0 (none) for each row
        for x in range(size):
            row.extend(_pixel((x + 0.5) / size, (y + 0.5) / size, 1.5 / size))
        rows.append(bytes(row))
    return _png(size, size, b"".join(rows))


def _pixel(x: float, y: float, stroke: float) -> Tuple[int, int, int, int]:
    if not _in_rounded_square(x, y, radius=0.18):
        return _CLEAR
    if 0.2 <= x <= 0.8 and 0.3 <= y <= 0.7:
        flap_y = 0.3 + 0.24 * (1 - abs(x - 0.5) / 0.3)  # the V from the top corners to the middle
        on_flap = abs(y - flap_y) <= max(0.03, stroke)
        return _TILE if on_flap else _PAPER
    return _TILE


def _in_rounded_square(x: float, y: float, radius: float) -> bool:
    dx = max(radius - x, 0.0, x - (1 - radius))
    dy = max(radius - y, 0.0, y - (1 - radius))
    return dx * dx + dy * dy <= radius * radius


def _png(width: int, height: int, raw_rows: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw_rows, 9)) + \
        _chunk(b"IEND", b"")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
