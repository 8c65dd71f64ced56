"""The spam-score explainer: what a message's headers say about its spam score and authentication.

Takes a whole message or just its header block (pasted from a mail client's "view source"), reads the
headers only, and gathers the spam verdicts (`X-Synology-Spam-Status`, `X-Spam-Status`) and the
`Authentication-Results`. Headers are read top down: the topmost of each was added last, normally by
our own server, and is the one that decided where the message went.
"""

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import BinaryIO, List, Tuple

from mailsec.errors import MailsecError
from mailsec.reports.authresults import AuthenticationResults, parse_authentication_results
from mailsec.reports.limits import MAX_HEADER_BYTES, MIB, READ_CHUNK
from mailsec.reports.spamstatus import (
    SPAMASSASSIN_HEADER,
    SYNOLOGY_HEADER,
    SpamStatusError,
    SpamVerdict,
    parse_spamassassin,
    parse_synology,
)

AUTHENTICATION_HEADER = "Authentication-Results"
_END_OF_HEADERS = re.compile(rb"\r?\n\r?\n")
_PARSERS = ((SYNOLOGY_HEADER, parse_synology), (SPAMASSASSIN_HEADER, parse_spamassassin))


class HeadersError(MailsecError):
    """Input with nothing to explain."""


@dataclass(frozen=True)
class HeaderExplanation:
    subject: str
    sender: str
    spam: Tuple[SpamVerdict, ...]  # MailPlus's verdict first, then SpamAssassin's
    authentication: Tuple[AuthenticationResults, ...]  # topmost header first
    problems: Tuple[str, ...]  # headers that were present but could not be read


def read_header_block(stream: BinaryIO, source: str) -> bytes:
    """The header block of the message in `stream`, reading no further than the first blank line."""
    data = b""
    while len(data) <= MAX_HEADER_BYTES:
        chunk = stream.read(READ_CHUNK)
        if not chunk:
            return data
        data += chunk
        end = _END_OF_HEADERS.search(data)
        if end:
            return data[: end.start()]
    raise HeadersError(f"{source}: no end of the headers within the first {MAX_HEADER_BYTES // MIB} MiB; give a "
                       "mail message or its headers.")


def explain_headers(block: bytes, source: str) -> HeaderExplanation:
    """Explain the spam and authentication headers in a header block."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(block.lstrip() + b"\n\n")
    spam: List[SpamVerdict] = []
    problems: List[str] = []
    for name, parse in _PARSERS:
        values = headers.get_all(name) or []
        if values:
            try:
                spam.append(parse(_text(values[0])))
            except SpamStatusError as exc:
                problems.append(f"{name}: {exc}")
    authentication = tuple(parse_authentication_results(_text(value))
                           for value in headers.get_all(AUTHENTICATION_HEADER) or [])
    if not spam and not authentication and not problems:
        raise HeadersError(f"{source} has no {SYNOLOGY_HEADER}, {SPAMASSASSIN_HEADER} or {AUTHENTICATION_HEADER} "
                           "header to explain.")
    return HeaderExplanation(_header(headers, "Subject"), _header(headers, "From"), tuple(spam), authentication,
                             tuple(problems))


def _header(headers: Message, name: str) -> str:
    return _text(headers.get(name, ""))


def _text(value: object) -> str:
    """A header value unfolded to one line (compat32 keeps undecodable bytes as escapes)."""
    return " ".join(str(value).split())
