"""Unwrapping reports from gzip and zip, streaming and within a byte budget.

Reporters gzip TLS-RPT JSON (RFC 8460 §5.1) and zip or gzip DMARC XML (RFC 7489 §7.2.1.1); some wrap
twice. A few kilobytes of gzip can expand to gigabytes, and the sizes a zip declares are the sender's
word, so nothing here trusts them: every layer is read in chunks through a `Budget` that counts the
bytes actually produced, and stops the moment an input has grown beyond its allowance. What comes out
is a `Payload`: a stream of report bytes (JSON, XML) or of a mail message, named after its place in
the input (`reports.zip:google.xml`).
"""

import functools
import re
import tempfile
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import BinaryIO, Callable, Iterator, List, TypeVar

from mailsec.reports.errors import ReportError
from mailsec.reports.limits import MAX_CONTAINER_DEPTH, MAX_ZIP_MEMBERS, MIB, READ_CHUNK

T = TypeVar("T")

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_UTF8_BOM = b"\xef\xbb\xbf"
_HEADER_FIELD = re.compile(rb"(?:From [^\n]*\n)?[!-9;-~]+:")  # a header field name and its colon (RFC 5322)
_SNIFF_BYTES = 512


class Content(str, Enum):
    """What a payload holds, judged from its first bytes (file names and media types are often wrong)."""

    JSON = "json"  # a TLS-RPT report
    XML = "xml"  # a DMARC aggregate report
    MESSAGE = "message"  # a mail message that may carry reports as attachments
    UNKNOWN = "unknown"


class Budget:
    """How many more bytes a reader may produce; shared by all the layers of one input."""

    def __init__(self, limit: int, verb: str) -> None:
        self.limit, self.remaining, self._verb = limit, limit, verb

    def charge(self, count: int, source: str) -> None:
        self.remaining -= count
        if self.remaining < 0:
            raise ReportError(f"{source}: refused, it {self._verb} more than {self.limit // MIB} MiB")


class MeteredStream:
    """A stream whose every byte read is charged to a `Budget`."""

    def __init__(self, stream: BinaryIO, budget: Budget, source: str) -> None:
        self._stream, self._budget, self._source = stream, budget, source

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            return b"".join(iter(lambda: self.read(READ_CHUNK), b""))
        data = guarded(lambda: self._stream.read(size), self._source)
        self._budget.charge(len(data), self._source)
        return data


@dataclass(frozen=True)
class Payload:
    """One unwrapped stream and where it came from; read it before asking for the next payload."""

    source: str
    content: Content
    stream: BinaryIO

    def read_all(self) -> bytes:
        """The whole payload, bounded by the budget of its input."""
        return guarded(self.stream.read, self.source)


def unpack(stream: BinaryIO, source: str, budget: Budget, depth: int = 0) -> Iterator[Payload]:
    """Every report or mail message in `stream`, unwrapping gzip and zip down to `MAX_CONTAINER_DEPTH`."""
    head = _read_head(stream, source)
    whole = _Prefixed(head, stream)
    if not head.startswith((_GZIP_MAGIC, _ZIP_MAGIC)):
        yield Payload(source, sniff(head), whole)
        return
    if depth >= MAX_CONTAINER_DEPTH:
        raise ReportError(f"{source}: refused, compressed more than {MAX_CONTAINER_DEPTH} times over")
    if head.startswith(_GZIP_MAGIC):
        inner = MeteredStream(_GzipStream(whole), budget, source)
        yield from unpack(inner, source, budget, depth + 1)
    else:
        yield from _unzip(whole, source, budget, depth)


def sniff(head: bytes) -> Content:
    """JSON, XML or a mail message, from the first bytes of a payload."""
    text = head[len(_UTF8_BOM):] if head.startswith(_UTF8_BOM) else head
    stripped = text.lstrip()
    if stripped.startswith(b"{"):
        return Content.JSON
    if stripped.startswith(b"<"):
        return Content.XML
    if _HEADER_FIELD.match(text):
        return Content.MESSAGE
    return Content.UNKNOWN


def guarded(read: Callable[[], T], source: str) -> T:
    """Run `read` on a decompressing stream, turning the many ways corrupt data fails into a ReportError."""
    try:
        return read()
    except ReportError:
        raise
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
        raise ReportError(f"{source}: corrupt or unsupported compressed data ({exc})") from None


def _unzip(stream: BinaryIO, source: str, budget: Budget, depth: int) -> Iterator[Payload]:
    """Each file in a zip archive. The archive is copied to a temporary file first, since zip needs to seek."""
    with _spooled(stream, source) as seekable:
        try:
            archive = zipfile.ZipFile(seekable)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise ReportError(f"{source}: not a readable zip archive ({exc})") from None
        with archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            if len(members) > MAX_ZIP_MEMBERS:
                raise ReportError(f"{source}: refused, the archive holds {len(members)} files "
                                  f"(at most {MAX_ZIP_MEMBERS})")
            for info in members:
                member_source = f"{source}:{info.filename}"
                with guarded(lambda info=info: archive.open(info), member_source) as member:
                    metered = MeteredStream(member, budget, member_source)
                    yield from unpack(metered, member_source, budget, depth + 1)


@contextmanager
def _spooled(stream: BinaryIO, source: str) -> Iterator[BinaryIO]:
    with tempfile.TemporaryFile() as spool:
        for chunk in iter(lambda: guarded(lambda: stream.read(READ_CHUNK), source), b""):
            spool.write(chunk)
        spool.seek(0)
        yield spool


def _read_head(stream: BinaryIO, source: str) -> bytes:
    parts: List[bytes] = []
    wanted = _SNIFF_BYTES
    while wanted > 0:
        chunk = guarded(functools.partial(stream.read, wanted), source)
        if not chunk:
            break
        parts.append(chunk)
        wanted -= len(chunk)
    return b"".join(parts)


class _Prefixed:
    """A stream whose first bytes were already read for sniffing: gives them back, then the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head, self._rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._rest.read(size)
        if size < 0:
            data, self._head = self._head + self._rest.read(), b""
            return data
        data, self._head = self._head[:size], self._head[size:]
        return data


class _GzipStream:
    """Streaming gzip decompression, including files of several gzip members (RFC 1952 §2.2)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""

    def read(self, size: int = READ_CHUNK) -> bytes:
        size = size if size > 0 else READ_CHUNK
        while True:
            if self._pending:
                data = self._decompressor.decompress(self._pending, size)
                self._pending = self._decompressor.unconsumed_tail
                if data:
                    return data
            if self._decompressor.eof:
                if not self._next_member():
                    return b""
                continue
            self._pending = self._stream.read(READ_CHUNK)
            if not self._pending:
                raise EOFError("the compressed data ends before its end marker")

    def _next_member(self) -> bool:
        rest = self._decompressor.unused_data or self._stream.read(READ_CHUNK)
        if not rest.strip(b"\0"):
            return False
        self._decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = rest
        return True
