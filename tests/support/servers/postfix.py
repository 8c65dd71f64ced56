"""Postfix answering SMTP on port 25 of a loopback address, as an MX that a sender probes for STARTTLS.

Each instance has its own configuration directory, queue and data directory, and runs `master` in the
foreground. The queue holds only the directories smtpd and its helpers use (`postfix check` would make
them all, but takes two seconds of shell). The instance only talks: every recipient is
refused, so it never accepts, queues or delivers mail, and it looks up no names (the client's name
included). Postfix checks `inet_interfaces` against the addresses interfaces carry, so the listening
address is given in master.cf instead.

What the server says and presents is an `SmtpService`:

    SmtpService("mx1.example.nl", ServerCertificate(leaf, [intermediate]))       # a good MX
    SmtpService("mx1.example.nl", ServerCertificate(leaf))                       # forgets the intermediate
    SmtpService("mx1.example.nl", certificate, starttls=False)                   # no STARTTLS offered
    SmtpService("mx1.example.nl", certificate, handshake_fails=True)             # offered, then fails
    SmtpService("mx1.example.nl", certificate, banner="mail.example.com ESMTP")  # a banner of its own
"""

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from tests.support.pki import ServerCertificate
from tests.support.servers.loopback import Endpoint
from tests.support.servers.process import Daemon, DaemonServer, find_program, run_tool
from tests.support.servers.ready import greets

SMTP_PORT = 25
MAIL_OWNER = "postfix"
SETGID_GROUP = "postdrop"
# name -> (owner, group, mode): master's lock file, and the sockets of the private and public services.
QUEUE_DIRECTORIES = {
    "pid": ("root", "root", 0o755),
    "private": (MAIL_OWNER, "root", 0o700),
    "public": (MAIL_OWNER, SETGID_GROUP, 0o710),
}


@dataclass(frozen=True)
class SmtpService:
    hostname: str  # myhostname: the name in the banner and the EHLO reply
    certificate: ServerCertificate
    starttls: bool = True  # offer STARTTLS
    handshake_fails: bool = False  # offer STARTTLS, then allow only TLS 1.0, which no client accepts
    banner: Optional[str] = None  # the 220 greeting after the code; default "<hostname> ESMTP"


class PostfixServer(DaemonServer):
    PORTS = (SMTP_PORT,)

    def __init__(self, address: str, workdir: Path, service: SmtpService) -> None:
        self.address = Endpoint(address, SMTP_PORT)
        self.service = service
        self._workdir = workdir
        self._config_directory = workdir / "conf"
        postconf = find_program("postconf", "postfix")
        master = Path(run_tool([postconf, "-h", "daemon_directory"]).strip()) / "master"
        argv = [str(master), "-d", "-c", str(self._config_directory)]
        super().__init__(Daemon("postfix", argv, workdir / "master.log", [workdir / "maillog"]))

    def __enter__(self) -> "PostfixServer":
        self._config_directory.mkdir(parents=True)
        _directory(self._workdir / "data", MAIL_OWNER, "root", 0o700)
        _directory(self._workdir / "queue", "root", "root", 0o755)
        for name, (owner, group, mode) in QUEUE_DIRECTORIES.items():
            _directory(self._workdir / "queue" / name, owner, group, mode)
        cert_file, key_file = self.service.certificate.write(self._workdir)
        _write_settled(self._config_directory / "main.cf", self._main_cf(cert_file, key_file))
        _write_settled(self._config_directory / "master.cf", self._master_cf())
        self.daemon.start(lambda: greets(self.address, b"220 "))
        return self

    def _main_cf(self, cert_file: Path, key_file: Path) -> str:
        service = self.service
        tls = [
            f"smtpd_tls_security_level = {'may' if service.starttls else 'none'}",
            f"smtpd_tls_chain_files = {key_file}, {cert_file}",
            "smtpd_tls_loglevel = 1",
        ]
        if service.handshake_fails:
            tls.append("smtpd_tls_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.2, !TLSv1.3")
        lines = [
            "compatibility_level = 3.6",
            f"queue_directory = {self._workdir / 'queue'}",
            f"data_directory = {self._workdir / 'data'}",
            f"mail_owner = {MAIL_OWNER}",
            f"setgid_group = {SETGID_GROUP}",
            f"maillog_file = {self._workdir / 'maillog'}",
            f"maillog_file_prefixes = {self._workdir}",
            "inet_interfaces = loopback-only",
            "inet_protocols = ipv4",
            f"myhostname = {service.hostname}",
            f"smtpd_banner = {service.banner or '$myhostname ESMTP'}",
            "mydestination =",
            "mynetworks =",
            "relay_domains =",
            "alias_maps =",
            "alias_database =",
            "smtpd_relay_restrictions = reject",
            "smtpd_peername_lookup = no",
            *tls,
        ]
        return "\n".join(lines) + "\n"

    def _master_cf(self) -> str:
        # service type private unprivileged chroot wakeup maxproc command: just what smtpd needs.
        return f"""\
{self.address.host}:smtp inet n - n - - smtpd
anvil unix - - n - 1 anvil
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
proxymap unix - - n - - proxymap
postlog unix-dgram n - n - 1 postlogd
"""


def _directory(path: Path, owner: str, group: str, mode: int) -> None:
    path.mkdir(mode)
    path.chmod(mode)  # mkdir's mode passes through the umask
    shutil.chown(str(path), owner, group)


def _write_settled(path: Path, text: str) -> None:
    """Write a configuration file dated a minute ago: Postfix waits until a file it reads is a few
    seconds old (so that it never reads one half written), which would slow every start by two seconds."""
    path.write_text(text)
    then = time.time() - 60
    os.utime(str(path), (then, then))
