"""Where reports are fetched from: a dedicated mailbox on MailPlus Server, over IMAP with TLS.

The settings live in the package's state folder as `reports-mailbox.json`; the password sits apart in
`reports-mailbox.password` with mode 0600, so that the settings can be shown and copied freely and the
password is never printed. Both are replaced atomically.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO, Optional

from mailsec.atomicfile import ensure_folder, read_if_exists, write_atomic
from mailsec.errors import MailsecError
from mailsec.names import host_name_problem, is_ip_literal

SETTINGS_FILE = "reports-mailbox.json"
PASSWORD_FILE = "reports-mailbox.password"  # noqa: S105 (a file name, not a password)
IMAPS_PORT = 993
MAX_PASSWORD_BYTES = 1024


class MailboxError(MailsecError):
    """Mailbox settings that are invalid, missing or unreadable."""


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    user: str
    port: int = IMAPS_PORT
    folder: str = "INBOX"
    tls_name: str = ""  # the name the server certificate must carry, when `host` is an address
    ca_bundle: str = ""  # trust these CA certificates instead of the system's
    delete_imported: bool = False  # the owner asked for imported messages to be deleted

    @property
    def key(self) -> str:
        """Identifies the mailbox in the store's list of processed messages."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


def validate_mailbox(settings: MailboxSettings) -> MailboxSettings:
    problems = []
    if not is_ip_literal(settings.host) and host_name_problem(settings.host, require_fqdn=False):
        problems.append(f"host: {host_name_problem(settings.host, require_fqdn=False)}")
    if not 0 < settings.port < 65536:
        problems.append("port: give a number from 1 to 65535")
    for name, value in (("user", settings.user), ("folder", settings.folder)):
        if not value or any(char in value for char in "\r\n\0"):
            problems.append(f"{name}: give a non-empty value on one line")
    if settings.tls_name and host_name_problem(settings.tls_name, require_fqdn=False):
        problems.append(f"TLS name: {host_name_problem(settings.tls_name, require_fqdn=False)}")
    if problems:
        raise MailboxError("invalid mailbox settings: " + "; ".join(problems))
    return settings


def save_mailbox(state_dir: Path, settings: MailboxSettings, password: Optional[str]) -> None:
    """Save the settings, and the password when one is given (else the saved one stays)."""
    validate_mailbox(settings)
    try:
        ensure_folder(state_dir, 0o755)
        if password is not None:
            write_atomic(state_dir / PASSWORD_FILE, password.encode("utf-8"), 0o600)
        document = json.dumps(asdict(settings), indent=2, sort_keys=True) + "\n"
        write_atomic(state_dir / SETTINGS_FILE, document.encode("utf-8"), 0o644)
    except OSError as exc:
        raise MailboxError(f"cannot save the mailbox settings in {state_dir}: {exc.strerror}.") from None


def load_mailbox(state_dir: Path) -> Optional[MailboxSettings]:
    """The saved settings, or None when no mailbox was configured."""
    path = state_dir / SETTINGS_FILE
    try:
        data = read_if_exists(path)
        if data is None:
            return None
        document = json.loads(data.decode("utf-8"))
        settings = MailboxSettings(**document)
        if not isinstance(settings.port, int) or not isinstance(settings.delete_imported, bool):
            raise TypeError("port must be a number and delete_imported true or false")
        return validate_mailbox(settings)
    except OSError as exc:
        raise MailboxError(f"cannot read {path}: {exc.strerror}.") from None
    except (ValueError, TypeError) as exc:
        raise MailboxError(f"{path} is corrupt ({exc}); save the mailbox settings again.") from None


def load_password(state_dir: Path) -> str:
    path = state_dir / PASSWORD_FILE
    try:
        data = read_if_exists(path)
    except OSError as exc:
        raise MailboxError(f"cannot read the mailbox password in {path}: {exc.strerror}.") from None
    if not data:
        raise MailboxError(f"no mailbox password is saved in {path}; save the mailbox settings with "
                           "--password-file.")
    return data.decode("utf-8", "replace")


def read_password_file(path: str, stdin: BinaryIO) -> str:
    """The password on the first line of the file at `path` (`-`: standard input)."""
    try:
        if path == "-":
            data = stdin.read(MAX_PASSWORD_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_PASSWORD_BYTES + 1)
    except OSError as exc:
        raise MailboxError(f"cannot read the password file {path}: {exc.strerror}.") from None
    lines = data.decode("utf-8", "replace").splitlines()
    if not lines or not lines[0] or len(data) > MAX_PASSWORD_BYTES:
        raise MailboxError(f"the password file {path} should hold the password on its first line.")
    return lines[0]
