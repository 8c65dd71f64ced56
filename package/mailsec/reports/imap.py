"""Fetching reports from the mailbox over IMAP with TLS, marking what was read, deleting only on request.

Every message not yet marked is read (with `BODY.PEEK`, so its \\Seen flag is left alone), its report
attachments are imported, and it is marked with an IMAP keyword: `$MailsecImported` when a report was
stored or was already there, `$MailsecRefused` when it held no usable report. Marked messages are not
read again. The store also remembers each processed message by UIDVALIDITY and UID, so a message
whose mark could not be saved is not imported twice. Messages are deleted only when the owner asked
for it, only after their reports are stored, and only by UID (`UID EXPUNGE`), never other mail.

A server's literal sizes are its own claim: a literal larger than `MAX_INPUT_BYTES` ends the session
before it is read, so one oversized message cannot exhaust memory.
"""

import imaplib
import re
import socket
import ssl
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple

from mailsec.errors import MailsecError
from mailsec.reports.ingest import ImportResult, Outcome, import_message
from mailsec.reports.limits import IMAP_TIMEOUT_SECONDS, MAX_INPUT_BYTES, MAX_MESSAGES_PER_FETCH
from mailsec.reports.mailbox import MailboxSettings
from mailsec.reports.store import ReportStore

IMPORTED_KEYWORD = "$MailsecImported"
REFUSED_KEYWORD = "$MailsecRefused"
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class ImapError(MailsecError):
    """The mailbox could not be reached, logged in to or read."""


@dataclass(frozen=True)
class FetchResult:
    messages: int  # messages processed in this run
    remaining: int  # unmarked messages left for the next run
    deleted: int
    reports: Tuple[ImportResult, ...]
    notes: Tuple[str, ...]


def fetch_reports(settings: MailboxSettings, password: str, store: ReportStore, now: int,
                  limit: int = MAX_MESSAGES_PER_FETCH) -> FetchResult:
    """Import the reports of up to `limit` unmarked messages of the configured folder."""
    where = f"{settings.host}:{settings.port}"
    client = _connect(settings, where)
    try:
        with _imap_errors(where):
            _login(client, settings, password, where)
            uidvalidity = _select(client, settings.folder, where)
            pending = _unmarked(client)
            session = _Session(client, settings, store, uidvalidity, now)
            for uid in pending[:limit]:
                session.process(uid)
            notes = session.finish()
        return FetchResult(len(pending[:limit]), max(0, len(pending) - limit), len(session.deleted),
                           tuple(session.results), notes)
    finally:
        _logout(client)


class _Session:
    """One pass over the unmarked messages of a selected folder."""

    def __init__(self, client: imaplib.IMAP4, settings: MailboxSettings, store: ReportStore, uidvalidity: int,
                 now: int) -> None:
        self._client, self._settings, self._store = client, settings, store
        self._uidvalidity, self._now = uidvalidity, now
        self.results: List[ImportResult] = []
        self.deleted: List[bytes] = []

    def process(self, uid: bytes) -> None:
        source = f"imap:{self._settings.folder}/{uid.decode()}"
        key = (self._settings.key, self._uidvalidity, int(uid))
        if self._store.message_seen(*key):
            self._mark(uid, IMPORTED_KEYWORD)  # processed before; only its mark was lost
            return
        data = _message(self._client, uid)
        if data is None:
            results = [ImportResult(source, Outcome.REJECTED, reason=f"larger than {MAX_INPUT_BYTES} bytes")]
        else:
            results = import_message(self._store, data, source, self._now)
        stored = any(result.outcome != Outcome.REJECTED for result in results)
        self._store.remember_message(*key, "imported" if stored else "refused", self._now)
        self._mark(uid, IMPORTED_KEYWORD if stored else REFUSED_KEYWORD)
        if stored and self._settings.delete_imported:
            _ok(self._client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"), "mark a message deleted")
            self.deleted.append(uid)
        self.results += results

    def finish(self) -> Tuple[str, ...]:
        if not self.deleted:
            return ()
        if "UIDPLUS" not in _capabilities(self._client):
            return ("the server lacks UIDPLUS, so imported messages were flagged \\Deleted but not expunged",)
        _ok(self._client.uid("EXPUNGE", b",".join(self.deleted)), "expunge the imported messages")
        return ()

    def _mark(self, uid: bytes, keyword: str) -> None:
        _ok(self._client.uid("STORE", uid, "+FLAGS.SILENT", f"({keyword})"), "mark a message")


class _TlsImap(imaplib.IMAP4_SSL):
    """IMAP over TLS with a connect timeout, a certificate name of our choosing and bounded literals."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext, tls_name: str) -> None:
        self._tls_name = tls_name or host
        super().__init__(host, port, ssl_context=context)

    def _create_socket(self, timeout: Optional[float] = None) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), IMAP_TIMEOUT_SECONDS)
        return self.ssl_context.wrap_socket(sock, server_hostname=self._tls_name)

    def read(self, size: int) -> bytes:
        if size > MAX_INPUT_BYTES:
            raise imaplib.IMAP4.abort(f"the server sent a {size}-byte literal, more than mailsec accepts")
        return super().read(size)


def _connect(settings: MailboxSettings, where: str) -> imaplib.IMAP4:
    try:
        context = ssl.create_default_context(cafile=settings.ca_bundle or None)
    except (OSError, ssl.SSLError) as exc:
        raise ImapError(f"cannot load the CA bundle {settings.ca_bundle}: {exc}") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        return _TlsImap(settings.host, settings.port, context, settings.tls_name)
    except ssl.SSLCertVerificationError as exc:
        raise ImapError(f"the certificate of {where} is not trusted for {settings.tls_name or settings.host} "
                        f"({exc.verify_message}); set the name it carries (--tls-name) or its CA (--ca-bundle)."
                        ) from None
    except (OSError, ssl.SSLError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"cannot connect to the IMAP server {where}: {exc}. Check that IMAP over TLS (IMAPS) "
                        "is on in MailPlus Server and the host and port are right.") from None


def _login(client: imaplib.IMAP4, settings: MailboxSettings, password: str, where: str) -> None:
    try:
        client.login(settings.user, password)
    except imaplib.IMAP4.error:
        raise ImapError(f"{where} refused the login of {settings.user!r}: check the user and the saved "
                        "password.") from None


def _select(client: imaplib.IMAP4, folder: str, where: str) -> int:
    status, _data = client.select(_quoted(folder))
    if status != "OK":
        raise ImapError(f"{where} has no folder {folder!r} for this user.")
    flags = b" ".join(client.untagged_responses.get("PERMANENTFLAGS", []))
    if b"\\*" not in flags:
        raise ImapError(f"the folder {folder!r} does not accept new keywords, which mailsec needs to mark "
                        "imported messages.")
    _status, values = client.response("UIDVALIDITY")
    try:
        return int(values[-1])
    except (TypeError, ValueError, IndexError):
        raise ImapError(f"{where} did not give the folder's UIDVALIDITY.") from None


def _capabilities(client: imaplib.IMAP4) -> List[str]:
    """What the server offers now; servers announce more after login than in their greeting."""
    data = _ok(client.capability(), "list its capabilities")
    return b" ".join(part for part in data if isinstance(part, bytes)).decode("ascii", "replace").upper().split()


def _unmarked(client: imaplib.IMAP4) -> List[bytes]:
    data = _ok(client.uid("SEARCH", "UNKEYWORD", IMPORTED_KEYWORD, "UNKEYWORD", REFUSED_KEYWORD), "search")
    return sorted((uid for line in data if line for uid in line.split()), key=int)


def _message(client: imaplib.IMAP4, uid: bytes) -> Optional[bytes]:
    """The whole message, or None when the server says it is larger than mailsec accepts."""
    sizes = _ok(client.uid("FETCH", uid, "(RFC822.SIZE)"), "read a message size")
    found = _SIZE.search(b" ".join(part for part in sizes if isinstance(part, bytes)))
    if found is None or int(found.group(1)) > MAX_INPUT_BYTES:
        return None
    data = _ok(client.uid("FETCH", uid, "(BODY.PEEK[])"), "read a message")
    literals = [part[1] for part in data if isinstance(part, tuple)]
    return literals[0] if literals else None


def _ok(response: Tuple[str, list], action: str) -> list:
    status, data = response
    if status != "OK":
        detail = b" ".join(part for part in data if isinstance(part, bytes)).decode("utf-8", "replace")
        raise ImapError(f"the IMAP server refused to {action}: {detail}")
    return data


@contextmanager
def _imap_errors(where: str) -> Iterator[None]:
    """Turns a dropped or broken IMAP session into an `ImapError` naming the server."""
    try:
        yield
    except (imaplib.IMAP4.error, OSError) as exc:
        raise ImapError(f"the IMAP session with {where} failed: {exc}. Reports stored so far are kept; run the "
                        "fetch again.") from None


def _logout(client: imaplib.IMAP4) -> None:
    with suppress(imaplib.IMAP4.error, OSError):  # the session is over either way
        client.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
