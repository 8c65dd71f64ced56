"""The SMTP dialogue a sending server has with an MX address: banner, EHLO, STARTTLS, TLS handshake.

The probe records how far the dialogue got and why it stopped, so that "no STARTTLS", "handshake
failed" and "certificate not valid for the name" stay apart. It first tries the handshake the way an
MTA-STS sender does (WebPKI chain and name checked); when only that check fails it completes a second
handshake without checks, to see the certificate DANE senders would match against TLSA records.
"""

import smtplib
import socket
import ssl
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import List, Optional

from mailsec.probe.tlstrust import (
    VALID,
    TrustVerdict,
    observing_context,
    verdict_from_error,
    verifying_context,
)

SMTP_PORT = 25
DEFAULT_TIMEOUT = 15.0
MAX_TEXT = 512  # keep what a hostile server says to a sane length


class Stage(IntEnum):
    """How far the dialogue got, in order."""

    NOTHING = 0  # not even the TCP connection
    CONNECT = 1  # the TCP connection, but no greeting yet
    BANNER = 2
    EHLO = 3
    STARTTLS = 4
    HANDSHAKE = 5
    DONE = 6


@dataclass(frozen=True)
class SmtpSession:
    """What one MX address did when spoken to like a sending server would."""

    host: str
    address: str
    reached: Stage = Stage.NOTHING  # the last stage that completed
    error: str = ""  # why the next stage failed
    timed_out: bool = False  # the next stage failed because the server went quiet
    banner: str = ""
    ehlo_greeting: str = ""  # the first line of the EHLO reply: the name the server gives itself
    starttls_offered: bool = False
    tls_version: str = ""
    leaf: Optional[bytes] = None  # DER of the certificate the server presented
    trust: Optional[TrustVerdict] = None  # the WebPKI verdict for `host`

    @property
    def completed(self) -> bool:
        return self.reached == Stage.DONE


def probe_smtp(
    host: str, address: str, ehlo_name: str, ca_bundle: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT
) -> SmtpSession:
    """Speak to `address` port 25 as a sender delivering to MX `host` would."""
    session = _dialogue(host, address, ehlo_name, verifying_context(ca_bundle), timeout)
    if session.trust is not None and not session.trust.valid:
        observed = _dialogue(host, address, ehlo_name, observing_context(), timeout)
        session = replace(observed, trust=session.trust)
    return session


def _dialogue(host: str, address: str, ehlo_name: str, context: ssl.SSLContext, timeout: float) -> SmtpSession:
    session = SmtpSession(host, address)
    # With a local_hostname smtplib does not ask the system's resolver for the machine's own name.
    client = smtplib.SMTP(timeout=timeout, local_hostname=ehlo_name)
    progress = [session]  # the session as far as it got, for the error handler
    try:
        return _converse(client, progress, ehlo_name, context, timeout)
    except (OSError, smtplib.SMTPException) as exc:
        return replace(progress[-1], error=_describe(exc), timed_out=_timed_out(exc))
    finally:
        _close(client)


def _converse(client: smtplib.SMTP, progress: List[SmtpSession], ehlo_name: str, context: ssl.SSLContext,
              timeout: float) -> SmtpSession:
    session = progress[-1]
    # Connected by hand, so that "nothing listens" and "listens but never greets" stay apart.
    client.sock = socket.create_connection((session.address, SMTP_PORT), timeout)
    progress.append(replace(session, reached=Stage.CONNECT))
    code, banner = client.getreply()
    session = replace(progress[-1], reached=Stage.BANNER, banner=_text(banner))
    progress.append(session)
    if code != 220:
        return replace(session, error=f"the server greeted with {code} instead of 220")
    code, greeting = client.ehlo(ehlo_name)
    if code != 250:
        return replace(session, error=f"EHLO was answered with {code} {_text(greeting)}")
    offered = client.has_extn("starttls")
    session = replace(session, reached=Stage.EHLO, ehlo_greeting=_text(greeting).splitlines()[0],
                      starttls_offered=offered)
    progress.append(session)
    if not offered:
        return replace(session, error="the server does not offer STARTTLS")
    code, reply = client.docmd("STARTTLS")
    if code != 220:
        return replace(session, error=f"STARTTLS was answered with {code} {_text(reply)}")
    session = replace(session, reached=Stage.STARTTLS)
    progress.append(session)
    try:
        tls = context.wrap_socket(client.sock, server_hostname=session.host)
    except ssl.SSLCertVerificationError as exc:
        return replace(session, trust=verdict_from_error(exc), error="the certificate check failed")
    except (ssl.SSLError, OSError) as exc:
        return replace(session, error=f"the TLS handshake failed: {_describe(exc)}", timed_out=_timed_out(exc))
    client.sock, client.file = tls, None
    trust = VALID if context.verify_mode == ssl.CERT_REQUIRED else None
    session = replace(session, reached=Stage.HANDSHAKE, tls_version=tls.version() or "",
                      leaf=tls.getpeercert(binary_form=True), trust=trust)
    progress.append(session)
    code, reply = client.ehlo(ehlo_name)
    if code != 250:
        return replace(session, error=f"EHLO after STARTTLS was answered with {code} {_text(reply)}")
    return replace(session, reached=Stage.DONE)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")[:MAX_TEXT]


def _timed_out(exc: BaseException) -> bool:
    """True for a timeout, also where smtplib reports it as a closed connection."""
    return isinstance(exc, socket.timeout) or isinstance(exc.__context__, socket.timeout)


def _describe(exc: BaseException) -> str:
    if _timed_out(exc):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    return str(exc) or type(exc).__name__


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()

