"""The desktop entry DSM reads from ui/: config, strings, icons, the CGI, and the icon's source."""

import configparser
import json
import os
import struct
from pathlib import Path

from mailsec.nas import PACKAGE_NAME, UI_SCRIPT_PATH

UI = Path(__file__).resolve().parents[2] / "ui"
ICON_SIZES = (16, 24, 32, 48, 64, 72, 256)


def strings(language: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(str(UI / "texts" / language / "strings"), encoding="utf-8")
    return parser


def app_entry() -> dict:
    config = json.loads((UI / "config").read_text(encoding="utf-8"))
    (entry,) = config[".url"].values()
    return entry


def test_the_desktop_entry_opens_the_cgi_in_its_own_window_for_administrators():
    entry = app_entry()
    assert entry["type"] == "url"
    assert entry["url"] == f"{UI_SCRIPT_PATH}/"
    assert f"/webman/3rdparty/{PACKAGE_NAME}/index.cgi" == UI_SCRIPT_PATH  # DSM links ui/ there
    assert entry["allUsers"] is False
    assert entry["icon"] == "images/icon_{0}.png"


def test_the_entry_title_and_description_are_strings_of_both_languages():
    entry = app_entry()
    for language in ("enu", "nld"):
        for reference in (entry["title"], entry["desc"]):
            section, key = reference.split(":")
            assert strings(language).get(section, key).strip('"'), (language, reference)


def test_both_languages_have_the_same_desktop_strings():
    english, dutch = strings("enu"), strings("nld")
    def keys(parser):
        return {(section, key) for section in parser.sections() for key in parser[section]}

    assert keys(english) == keys(dutch)


def test_every_notification_string_is_preloaded():
    """DSM shows only preloaded strings in desktop notifications (`mailsec refresh` sends [notify] ones)."""
    preloaded = set(app_entry()["preloadTexts"])
    english = strings("enu")
    notify = english["notify"] if english.has_section("notify") else {}
    assert {f"notify:{key}" for key in notify} <= preloaded


def test_an_icon_of_every_size_dsm_asks_for():
    for size in ICON_SIZES:
        data = (UI / "images" / f"icon_{size}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
        assert (width, height, depth, colour) == (size, size, 8, 6), size  # 8-bit RGBA


def test_the_cgi_is_an_executable_posix_script_that_runs_the_relay():
    script = UI / "index.cgi"
    assert os.access(str(script), os.X_OK)
    text = script.read_text(encoding="ascii")
    assert text.startswith("#!/bin/sh\n")
    assert "SYNOPKG_PKGVAR=\"$package/var\"" in text and "-m mailsec.web.cgi" in text


def test_the_icon_source_is_the_svg_the_pages_show():
    svg = Path(__file__).resolve().parents[2] / "package" / "mailsec" / "web" / "static" / "icon.svg"
    assert svg.read_text(encoding="utf-8").startswith("<svg ")
