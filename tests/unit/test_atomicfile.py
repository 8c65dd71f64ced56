"""Atomic file writes: readers see the old file or the new one, never a mix, and nothing is left over."""

import os
import stat
from pathlib import Path

import pytest

from mailsec.atomicfile import ensure_folder, read_if_exists, read_state_file, write_atomic, write_if_changed
from mailsec.settings import SettingsError

NOBODY = 65534


def test_write_replaces_the_content_with_the_given_mode(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    target.write_bytes(b"old")
    target.chmod(0o600)

    write_atomic(target, b"new", 0o644)

    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert os.listdir(str(tmp_path)) == ["settings.json"]


def test_failure_before_the_rename_keeps_the_old_file_and_removes_the_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "settings.json"
    target.write_bytes(b"old")

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="Input/output error"):
        write_atomic(target, b"new")

    assert target.read_bytes() == b"old"
    assert os.listdir(str(tmp_path)) == ["settings.json"]


def test_files_written_by_root_take_the_owner_of_their_folder(tmp_path: Path) -> None:
    folder = tmp_path / "var"
    folder.mkdir()
    os.chown(str(folder), NOBODY, NOBODY)

    write_atomic(folder / "state.json", b"{}")
    created = ensure_folder(folder / "reports" / "2026")

    assert (folder / "state.json").stat().st_uid == NOBODY
    assert created.stat().st_uid == NOBODY
    assert created.parent.stat().st_uid == NOBODY


def test_ensure_folder_creates_missing_parents_and_keeps_existing_modes(tmp_path: Path) -> None:
    existing = tmp_path / "web"
    existing.mkdir(mode=0o750)
    existing.chmod(0o750)
    previous = os.umask(0o077)
    try:
        ensure_folder(existing / "mta-sts" / ".well-known", 0o755)
    finally:
        os.umask(previous)

    assert stat.S_IMODE(existing.stat().st_mode) == 0o750
    assert stat.S_IMODE((existing / "mta-sts").stat().st_mode) == 0o755
    assert stat.S_IMODE((existing / "mta-sts" / ".well-known").stat().st_mode) == 0o755


def test_read_if_exists_gives_none_for_a_missing_file(tmp_path: Path) -> None:
    assert read_if_exists(tmp_path / "missing") is None
    (tmp_path / "present").write_bytes(b"data")
    assert read_if_exists(tmp_path / "present") == b"data"


def test_write_if_changed_leaves_a_file_with_the_same_bytes_alone(tmp_path) -> None:
    target = tmp_path / "state.json"
    assert write_if_changed(target, b"one") is True
    before = target.stat()

    assert write_if_changed(target, b"one") is False

    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert write_if_changed(target, b"two") is True
    assert target.read_bytes() == b"two"


def test_read_state_file_names_the_file_in_the_error_it_is_given(tmp_path) -> None:
    folder = tmp_path / "not-a-file"
    folder.mkdir()

    with pytest.raises(SettingsError, match=r"cannot read .*not-a-file"):
        read_state_file(folder, SettingsError)
    assert read_state_file(tmp_path / "missing", SettingsError) is None
