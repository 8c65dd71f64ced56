"""The owner's settings: validated, stored atomically under a lock, and read back or refused clearly."""

import json
import os
import stat
from pathlib import Path

import pytest

from mailsec.filelock import LockBusyError, exclusive_lock
from mailsec.settings import (
    LOCK_FILE,
    SETTINGS_FILE,
    DomainSettings,
    Settings,
    SettingsError,
    load_settings,
    update_settings,
    validate_domain_settings,
    validate_nameservers,
)

SEED = DomainSettings(domain="example.nl", mx=("mail.example.nl",))


def save(state_dir: Path, entry: DomainSettings = SEED) -> Settings:
    return update_settings(state_dir, lambda settings: settings.with_domain(validate_domain_settings(entry)))


def test_nothing_saved_reads_as_empty_settings(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "state") == Settings()


def test_saved_settings_read_back_equal(tmp_path: Path) -> None:
    state = tmp_path / "state"

    saved = save(state, DomainSettings("Example.NL.", ("MAIL.example.nl", "mail.example.nl"), "enforce", 604800,
                                       ("ds218-bpe",)))

    assert saved.domains == (DomainSettings("example.nl", ("mail.example.nl",), "enforce", 604800, ("ds218-bpe",)),)
    assert load_settings(state) == saved
    assert stat.S_IMODE((state / SETTINGS_FILE).stat().st_mode) == 0o644
    assert sorted(os.listdir(str(state))) == sorted([LOCK_FILE, SETTINGS_FILE])


def test_saving_a_known_domain_replaces_it_in_place(tmp_path: Path) -> None:
    save(tmp_path, DomainSettings("first.nl", ("mx.first.nl",)))
    save(tmp_path, SEED)

    settings = save(tmp_path, DomainSettings("first.nl", ("mx2.first.nl",)))

    assert [(entry.domain, entry.mx) for entry in settings.domains] == [
        ("first.nl", ("mx2.first.nl",)), ("example.nl", ("mail.example.nl",)),
    ]


def test_the_settings_lock_is_held_while_a_change_is_made(tmp_path: Path) -> None:
    def change(settings: Settings) -> Settings:
        with pytest.raises(LockBusyError), exclusive_lock(tmp_path / LOCK_FILE, wait=False):
            pass
        return settings

    update_settings(tmp_path, change)


def test_failed_save_keeps_the_previous_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save(tmp_path)

    def failing_replace(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(SettingsError, match="previous settings are unchanged"):
        save(tmp_path, DomainSettings("other.nl", ("mx.other.nl",)))

    assert [entry.domain for entry in load_settings(tmp_path).domains] == ["example.nl"]


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        (DomainSettings("example", ("mail.example.nl",)), "domain: 'example' is not a fully qualified"),
        (DomainSettings("ex ample.nl", ("mail.example.nl",)), "domain:"),
        (DomainSettings("example.nl", ()), "give at least one MX host"),
        (DomainSettings("example.nl", ("192.0.2.25",)), "MX host: '192.0.2.25' is an IP address"),
        (DomainSettings("example.nl", ("mail_1.example.nl",)), "underscore"),
        (DomainSettings("example.nl", ("mail.example.nl",), max_age=31557601), "max_age"),
        (DomainSettings("example.nl", ("mail.example.nl",), mode="Enforce"), "mode"),
        (DomainSettings("example.nl", ("mail.example.nl",), dkim_selectors=("bad selector",)), "DKIM selector"),
    ],
)
def test_invalid_domain_settings_are_refused_with_the_reason(entry: DomainSettings, says: str) -> None:
    with pytest.raises(SettingsError, match="invalid settings") as caught:
        validate_domain_settings(entry)

    assert says in str(caught.value)


def test_nameservers_are_normalised_and_invalid_ones_refused() -> None:
    assert validate_nameservers(["192.0.2.53", "[2001:db8::53]:5353"]) == ("192.0.2.53", "[2001:db8::53]:5353")
    with pytest.raises(SettingsError, match="invalid name server"):
        validate_nameservers(["ns1.example.nl"])


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe{}",
        b"[]",
        b'{"format": 99}',
        json.dumps({"format": 1, "domains": [{"domain": "example.nl"}]}).encode(),
        json.dumps({"format": 1, "domains": [{"domain": "example.nl", "mx": "mail.example.nl"}]}).encode(),
        json.dumps({"format": 1, "domains": [{"domain": "example.nl", "mx": ["192.0.2.25"]}]}).encode(),
        json.dumps({"format": 1, "nameservers": ["ns1.example.nl"]}).encode(),
        json.dumps({"format": 1, "web_root": 7}).encode(),
    ],
    ids=["json", "utf8", "list", "format", "no-mx", "mx-text", "mx-ip", "nameserver", "web-root"],
)
def test_corrupt_settings_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    (tmp_path / SETTINGS_FILE).write_bytes(content)

    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path)

    assert str(tmp_path / SETTINGS_FILE) in str(caught.value)
    assert "mailsec configure" in str(caught.value)
