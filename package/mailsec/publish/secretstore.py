"""The secrets of DNS publishing (the TSIG key, the provider's API token), kept apart from the settings.

`settings.json` is read by the app and echoed by `mailsec configure`; this file is not. It lives in the
state folder with mode 0600, owned like the folder (the package user, so the app's "test connection"
can use it), is replaced atomically, and is read only where a publisher is built. Its dataclass keeps
the secrets out of `repr`, so a log line or a traceback cannot show them.
"""

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from mailsec.atomicfile import read_if_exists, write_atomic
from mailsec.errors import MailsecError
from mailsec.publish.tsigkey import TsigKey

SECRETS_FILE = "publishing.secret"
SECRET_MODE = 0o600
FORMAT = 1


@dataclass(frozen=True)
class PublishingSecrets:
    tsig: Optional[TsigKey] = None
    api_token: str = field(default="", repr=False)


def load_secrets(state_dir: Path) -> PublishingSecrets:
    """The stored secrets (empty when none are stored); their file is made private again if it was not."""
    path = state_dir / SECRETS_FILE
    try:
        data = read_if_exists(path)
        if data is not None and os.stat(str(path)).st_mode & 0o077:
            os.chmod(str(path), SECRET_MODE)
    except OSError as exc:
        raise MailsecError(f"cannot read the publishing secrets in {path}: {exc.strerror}.") from None
    if data is None:
        return PublishingSecrets()
    try:
        document = json.loads(data.decode("utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError("unknown format")
        tsig = document.get("tsig")
        return PublishingSecrets(TsigKey(**tsig) if tsig else None, str(document.get("api_token", "")))
    except (ValueError, TypeError, AttributeError):
        raise MailsecError(f"{path} is corrupt; configure publishing again with 'mailsec configure'.") from None


def save_secrets(state_dir: Path, secrets: PublishingSecrets) -> None:
    """Store `secrets` with mode 0600, or remove the file when there is nothing to keep."""
    path = state_dir / SECRETS_FILE
    try:
        if secrets == PublishingSecrets():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return
        document = {"format": FORMAT, "api_token": secrets.api_token,
                    "tsig": {"name": secrets.tsig.name, "algorithm": secrets.tsig.algorithm,
                             "secret": secrets.tsig.secret} if secrets.tsig else None}
        write_atomic(path, json.dumps(document).encode("utf-8"), SECRET_MODE)
    except OSError as exc:
        raise MailsecError(f"cannot save the publishing secrets in {path}: {exc.strerror}.") from None
