"""Render the app icon: `python tools/render_icons.py` writes ui/images/icon_{16,...,256}.png.

The icon is drawn once, as SVG (`package/mailsec/web/static/icon.svg`, which the app's pages also show).
DSM's `ui/config` wants PNGs in the sizes below (`images/icon_{0}.png`), and the package build reuses
the 64 and 256 px ones as PACKAGE_ICON.PNG and PACKAGE_ICON_256.PNG. Headless Chromium (Debian's
`chromium`, driven by Playwright) draws the vector at each size, so small icons stay sharp instead of
being scaled down from a bitmap; the same Chromium gives the same bytes.
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "package" / "mailsec" / "web" / "static" / "icon.svg"
TARGET = ROOT / "ui" / "images"
SIZES = (16, 24, 32, 48, 64, 72, 256)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def render(source: Path = SOURCE, target: Path = TARGET) -> None:
    svg = source.read_text(encoding="utf-8")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, device_scale_factor=1,
            viewport={"width": max(SIZES), "height": max(SIZES)})  # one viewport; tiny ones hang Chromium
        page = browser.new_page()
        for size in SIZES:
            style = f"body{{margin:0;background:none}}svg{{display:block;width:{size}px;height:{size}px}}"
            page.set_content(f"<style>{style}</style>{svg}")
            page.screenshot(path=str(target / f"icon_{size}.png"), omit_background=True,
                            clip={"x": 0, "y": 0, "width": size, "height": size})
            print(f"{target / f'icon_{size}.png'}")
        browser.close()


if __name__ == "__main__":
    render()
    sys.exit(0)
