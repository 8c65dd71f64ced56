"""The report attachments of a mail message.

Reporters mail TLS-RPT reports as `multipart/report; report-type="tlsrpt"` with an
`application/tlsrpt+gzip` or `application/tlsrpt+json` part (RFC 8460 §5.3), and DMARC reports as a
zip or gzip attachment, or once in a while as a bare XML body (RFC 7489 §7.2.1.1). Media types in the
wild are unreliable (`application/octet-stream`, `application/x-zip-compressed`), so every part that
is an attachment or has a report-like type is handed on; `containers.unpack` then judges the bytes.
"""

import email
import email.policy
from dataclasses import dataclass
from email.message import Message
from typing import Iterator, List

from mailsec.reports.errors import ReportError
from mailsec.reports.limits import MAX_MAIL_PARTS

_REPORT_TYPES = {
    "application/tlsrpt+gzip", "application/tlsrpt+json",
    "application/gzip", "application/x-gzip", "application/zip", "application/x-zip-compressed",
    "application/xml", "text/xml", "application/json", "application/octet-stream",
}


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes


def parse_message(data: bytes) -> Message:
    return email.message_from_bytes(data, policy=email.policy.compat32)


def report_attachments(message: Message, source: str) -> Iterator[Attachment]:
    """Each part of `message` that may hold a report, decoded from its transfer encoding."""
    parts: List[Message] = [part for part in message.walk() if not part.is_multipart()]
    if len(parts) > MAX_MAIL_PARTS:
        raise ReportError(f"{source}: refused, the message has {len(parts)} parts (at most {MAX_MAIL_PARTS})")
    for number, part in enumerate(parts, 1):
        if not _may_hold_report(part):
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload:
            name = part.get_filename() or f"part {number}"
            yield Attachment(f"{source}:{_printable_name(name)}", payload)


def _may_hold_report(part: Message) -> bool:
    media_type = part.get_content_type()
    return media_type in _REPORT_TYPES or part.get_filename() is not None


def _printable_name(name: str) -> str:
    return "".join(char if char.isprintable() else "?" for char in str(name))[:200]
