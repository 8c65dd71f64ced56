"""The report mailbox settings: saved apart from the password, which stays private and unprinted."""

import io
import json
import stat
from pathlib import Path

import pytest

from mailsec.reports.mailbox import (
    PASSWORD_FILE,
    SETTINGS_FILE,
    MailboxError,
    MailboxSettings,
    load_mailbox,
    load_password,
    read_password_file,
    save_mailbox,
)

SETTINGS = MailboxSettings(host="mail.example.nl", user="dmarc-reports")


def test_settings_and_password_are_saved_apart(state_dir: Path):
    save_mailbox(state_dir, SETTINGS, "s3cret")
    assert load_mailbox(state_dir) == SETTINGS
    assert load_password(state_dir) == "s3cret"
    assert stat.S_IMODE((state_dir / PASSWORD_FILE).stat().st_mode) == 0o600
    assert "s3cret" not in (state_dir / SETTINGS_FILE).read_text()


def test_saving_without_a_password_keeps_the_saved_one(state_dir: Path):
    save_mailbox(state_dir, SETTINGS, "s3cret")
    save_mailbox(state_dir, MailboxSettings(host="127.0.0.1", user="r", tls_name="mail.example.nl"), None)
    assert load_password(state_dir) == "s3cret"
    assert load_mailbox(state_dir).tls_name == "mail.example.nl"


def test_no_settings_yet(state_dir: Path):
    assert load_mailbox(state_dir) is None
    with pytest.raises(MailboxError, match="no mailbox password is saved"):
        load_password(state_dir)


@pytest.mark.parametrize(("settings", "message"), [
    (MailboxSettings(host="mail example", user="r"), "host:"),
    (MailboxSettings(host="mail.example.nl", user="r", port=0), "port:"),
    (MailboxSettings(host="mail.example.nl", user=""), "user:"),
    (MailboxSettings(host="mail.example.nl", user="r", folder="a\r\nb"), "folder:"),
    (MailboxSettings(host="mail.example.nl", user="r", tls_name="-bad-"), "TLS name:"),
])
def test_invalid_settings_are_refused(state_dir: Path, settings, message):
    with pytest.raises(MailboxError, match=message):
        save_mailbox(state_dir, settings, "x")
    assert not (state_dir / SETTINGS_FILE).exists()


@pytest.mark.parametrize("content", ['{"host": "x"', '{"host": "mail.example.nl", "user": "r", "port": "993"}',
                                     '{"host": "mail.example.nl", "user": "r", "colour": "blue"}', "[]"])
def test_a_corrupt_settings_file_says_what_to_do(state_dir: Path, content):
    state_dir.mkdir()
    (state_dir / SETTINGS_FILE).write_text(content)
    with pytest.raises(MailboxError, match=r"is corrupt .*save the mailbox settings again"):
        load_mailbox(state_dir)


def test_the_password_is_the_first_line_of_its_file(tmp_path: Path):
    path = tmp_path / "password"
    path.write_bytes(b"correct horse\nignored\n")
    assert read_password_file(str(path), io.BytesIO()) == "correct horse"
    assert read_password_file("-", io.BytesIO(b"from stdin\n")) == "from stdin"


@pytest.mark.parametrize("content", [b"", b"\nsecond line", b"x" * 2000])
def test_an_unusable_password_file_is_refused(tmp_path: Path, content):
    path = tmp_path / "password"
    path.write_bytes(content)
    with pytest.raises(MailboxError, match="first line"):
        read_password_file(str(path), io.BytesIO())


def test_the_settings_file_is_plain_json(state_dir: Path):
    save_mailbox(state_dir, SETTINGS, "x")
    assert json.loads((state_dir / SETTINGS_FILE).read_text())["port"] == 993
