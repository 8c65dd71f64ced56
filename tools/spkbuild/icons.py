"""Package icons: Package Center needs `PACKAGE_ICON.PNG` (64x64 on DSM 7) and `PACKAGE_ICON_256.PNG`.

They are the desktop app's own icons (`ui/images/icon_64.png`, `icon_256.png`, rendered from
`package/mailsec/web/static/icon.svg` by `tools/render_icons.py`), so the artwork lives in one place.
"""

from pathlib import Path

from spkbuild.sources import BuildError

SIZES = (64, 256)


def package_icon(ui_folder: Path, size: int) -> bytes:
    supplied = ui_folder / "images" / f"icon_{size}.png"
    if not supplied.is_file():
        raise BuildError(f"{supplied} is missing; render the icons with tools/render_icons.py")
    return supplied.read_bytes()
