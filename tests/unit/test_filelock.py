"""Advisory locks between mailsec processes."""

from pathlib import Path

import pytest

from mailsec.errors import MailsecError
from mailsec.filelock import LockBusyError, exclusive_lock


def test_a_held_lock_is_busy_for_another_holder(tmp_path: Path) -> None:
    lock = tmp_path / "settings.lock"

    with exclusive_lock(lock), pytest.raises(LockBusyError, match="another mailsec run holds"), \
            exclusive_lock(lock, wait=False):
        pass


def test_a_released_lock_can_be_taken_again(tmp_path: Path) -> None:
    lock = tmp_path / "settings.lock"
    with exclusive_lock(lock):
        pass

    with exclusive_lock(lock, wait=False):
        assert lock.exists()


def test_lock_in_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MailsecError, match="cannot open the lock file"), exclusive_lock(tmp_path / "no" / "x.lock"):
        pass
