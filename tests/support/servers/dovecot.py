"""Dovecot serving IMAP over TLS (993, and 143 with STARTTLS) for mailboxes that the test fills.

Users and passwords come from a passwd-file; each user has a Maildir in the work directory, owned by
the system account `mail`, since Dovecot will not open mailboxes as root. `deliver()` drops a message
into a mailbox the way a delivery agent does (into `new/`), so a running Dovecot sees it at once:

    with DovecotServer(address, workdir, certificate, {"reports": "secret"}) as imap:
        imap.deliver("reports", message)          # bytes or an email.message.Message
        imap.deliver("reports", message, "TLS-RPT")
"""

import email.message
import mailbox
import os
import pwd
from pathlib import Path
from typing import Mapping, Union

from tests.support.pki import ServerCertificate
from tests.support.servers.loopback import Endpoint
from tests.support.servers.process import Daemon, DaemonServer, find_program
from tests.support.servers.ready import greets

IMAPS_PORT = 993
IMAP_PORT = 143
MAILBOX_OWNER = "mail"
INBOX = "INBOX"
Message = Union[bytes, email.message.Message]


class DovecotServer(DaemonServer):
    PORTS = (IMAPS_PORT, IMAP_PORT)

    def __init__(
        self, address: str, workdir: Path, certificate: ServerCertificate, users: Mapping[str, str]
    ) -> None:
        self.imaps = Endpoint(address, IMAPS_PORT)
        self.imap = Endpoint(address, IMAP_PORT)
        self.certificate = certificate
        self.users = dict(users)  # name -> password
        self._workdir = workdir
        self._owner = pwd.getpwnam(MAILBOX_OWNER)
        self._config = workdir / "dovecot.conf"
        dovecot = find_program("dovecot", "dovecot-imapd")
        super().__init__(Daemon("dovecot", [dovecot, "-F", "-c", str(self._config)], workdir / "dovecot.log"))

    def __enter__(self) -> "DovecotServer":
        for directory in ("run", "state"):
            (self._workdir / directory).mkdir()
        cert_file, key_file = self.certificate.write(self._workdir)
        passwd = self._workdir / "users"
        passwd.write_text("".join(
            f"{name}:{{PLAIN}}{password}:{self._owner.pw_uid}:{self._owner.pw_gid}::{self._home(name)}::\n"
            for name, password in self.users.items()
        ))
        for name in self.users:
            self._maildir(name, INBOX)
            self._give_to_owner(self._home(name))
        self._config.write_text(self._config_text(cert_file, key_file, passwd))
        self.daemon.start(lambda: greets(self.imap, b"* OK"))
        return self

    def deliver(self, user: str, message: Message, folder: str = INBOX) -> None:
        """Put `message` in `user`'s `folder` (made if missing) as a new, unread message."""
        self._maildir(user, folder).add(message)
        self._give_to_owner(self._home(user))

    def _home(self, user: str) -> Path:
        if user not in self.users:
            raise KeyError(f"{user!r} is not a user of this Dovecot (users: {', '.join(self.users)})")
        return self._workdir / "home" / user

    def _maildir(self, user: str, folder: str) -> mailbox.Maildir:
        self._home(user).mkdir(parents=True, exist_ok=True)
        inbox = mailbox.Maildir(str(self._home(user) / "Maildir"), create=True)
        # Maildir++ folders (".Name"), the layout Dovecot reads by default.
        return inbox if folder == INBOX else inbox.add_folder(folder)

    def _give_to_owner(self, top: Path) -> None:
        for directory, _, files in os.walk(str(top)):
            for path in [directory, *(os.path.join(directory, name) for name in files)]:
                os.chown(path, self._owner.pw_uid, self._owner.pw_gid)

    def _config_text(self, cert_file: Path, key_file: Path, passwd: Path) -> str:
        return f"""\
instance_name = mailsec-{self.imap.host}
base_dir = {self._workdir / "run"}
state_dir = {self._workdir / "state"}
log_path = /dev/stderr
protocols = imap
listen = {self.imap.host}
ssl = required
ssl_cert = <{cert_file}
ssl_key = <{key_file}
auth_mechanisms = plain login
auth_verbose = yes
auth_failure_delay = 0
first_valid_uid = {self._owner.pw_uid}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {passwd}
}}
userdb {{
  driver = passwd-file
  args = {passwd}
}}
# No penalty after a failed login: every client comes from 127.0.0.1, and the tests try wrong passwords.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {IMAP_PORT}
  }}
  inet_listener imaps {{
    port = {IMAPS_PORT}
    ssl = yes
  }}
}}
"""
