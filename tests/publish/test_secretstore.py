"""Publishing secrets: in their own file, mode 0600, out of repr, gone when publishing is switched off."""

import os
import stat

import pytest

from mailsec.errors import MailsecError
from mailsec.publish.secretstore import SECRETS_FILE, PublishingSecrets, load_secrets, save_secrets
from mailsec.publish.tsigkey import TsigKey

KEY = TsigKey("update.example.nl", "hmac-sha256", "c2VjcmV0")
TOKEN = "token-that-must-not-show"


def test_secrets_are_kept_with_mode_0600_and_read_back(tmp_path):
    os.umask(0o022)
    save_secrets(tmp_path, PublishingSecrets(KEY, TOKEN))
    assert stat.S_IMODE((tmp_path / SECRETS_FILE).stat().st_mode) == 0o600
    assert load_secrets(tmp_path) == PublishingSecrets(KEY, TOKEN)


def test_secrets_never_show_in_repr():
    shown = repr(PublishingSecrets(KEY, TOKEN))
    assert TOKEN not in shown and KEY.secret not in shown and "update.example.nl" in shown


def test_a_file_made_readable_by_others_is_made_private_again(tmp_path):
    save_secrets(tmp_path, PublishingSecrets(api_token=TOKEN))
    os.chmod(str(tmp_path / SECRETS_FILE), 0o644)
    load_secrets(tmp_path)
    assert stat.S_IMODE((tmp_path / SECRETS_FILE).stat().st_mode) == 0o600


def test_nothing_to_keep_removes_the_file(tmp_path):
    save_secrets(tmp_path, PublishingSecrets(api_token=TOKEN))
    save_secrets(tmp_path, PublishingSecrets())
    assert not (tmp_path / SECRETS_FILE).exists() and load_secrets(tmp_path) == PublishingSecrets()


def test_a_corrupt_file_is_named_without_its_content(tmp_path):
    (tmp_path / SECRETS_FILE).write_text(f'{{"format": 1, "tsig": "{TOKEN}"')
    with pytest.raises(MailsecError) as refused:
        load_secrets(tmp_path)
    assert "is corrupt" in str(refused.value) and TOKEN not in str(refused.value)
