"""Output helpers shared by the commands."""

from mailsec.cli.common import printable


def test_printable_escapes_terminal_escapes_c1_controls_and_bidi_overrides() -> None:
    assert printable("a\x1b[31mb\u202ec\x85d") == "a\\x1b[31mb\\u202ec\\x85d"


def test_printable_keeps_tabs_and_ordinary_non_ascii_text() -> None:
    assert printable("caf\u00e9\tok") == "caf\u00e9\tok"
