"""The grammar the MTA-STS and TLS-RPT TXT records share (RFC 8461 §3.1, RFC 8460 §3).

Both records are a version followed by `;`-separated `name=value` fields:

    record      = version 1*(field-delim field) [field-delim]
    field-delim = *WSP ";" *WSP
    ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
    ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)

Whitespace is allowed only next to a `;`, names and the version are case-sensitive (RFC 7405 `%s`),
unknown fields are ignored, and of a repeated field the first counts (RFC 8461 §3.2, which mox also
applies to the TXT record). A record that breaks the grammar is invalid as a whole: senders then act as
if the domain had published nothing.

This is not the DKIM/DMARC tag-list (see `taglist`): there whitespace may surround `=` and values may
contain spaces.
"""

import re
from dataclasses import dataclass
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

from mailsec.records.issues import IssueLog, Parsed, R
from mailsec.records.txt import TxtData, select_one

WSP = " \t"
_EXT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}\Z")
_EXT_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+\Z")


@dataclass(frozen=True)
class Field:
    name: str
    value: str

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


@dataclass(frozen=True)
class FieldRecord:
    """The fields of a record in the order written, the version excluded."""

    fields: Tuple[Field, ...]

    def first(self, name: str) -> Optional[Field]:
        return next((field for field in self.fields if field.name == name), None)


def begins_with_version(text: str, version: str) -> bool:
    """The selection rule: the record begins with `<version>;` (whitespace before `;`: see `parse_fields`)."""
    return text.startswith(version) and text[len(version) :].lstrip(WSP).startswith(";")


def looks_versioned(text: str, version: str) -> bool:
    """A record that seems meant to be of this type, whatever its case or spacing."""
    return text.lstrip().lower().startswith(version.lower())


def select_versioned(
    records: Sequence[TxtData], version: str, parse: Callable[[str], Parsed[R]], *, absent: str, several: str
) -> Parsed[R]:
    """The one record beginning with `<version>;` of those at a name, parsed (the RFCs' selection rule)."""
    return select_one(
        records,
        lambda text: begins_with_version(text, version),
        lambda text: looks_versioned(text, version),
        parse,
        rule=f"begin with exactly `{version};`",
        absent=absent,
        several=several,
    )


def parse_fields(text: str, version: str, problems: IssueLog) -> Optional[FieldRecord]:
    """Split `text` into its fields, logging every departure from the grammar; None without a version."""
    if not text.startswith(version):
        problems.error(f"the record must begin with exactly `{version}` (letter case matters, nothing before it)")
        return None
    pieces = text[len(version) :].split(";")
    if pieces[0].strip(WSP):
        problems.error(f"`{version}` must be followed by `;` and the next field", text)
        return None
    if pieces[0]:
        problems.warning(
            f"there is whitespace between `{version}` and the first `;`. The grammar allows it, but the "
            f"selection rule looks for `{version};`, so senders that apply it literally discard the record "
            f"(RFC 8461 erratum 6285); write `{version};`"
        )
    if len(pieces) == 1:
        problems.error(f"there is no field after `{version}`; add `; ` and the required field")
        return None
    fields = [_field(piece, problems) for piece in _field_texts(pieces[1:], problems)]
    return FieldRecord(tuple(field for field in fields if field is not None))


def _field_texts(pieces: List[str], problems: IssueLog) -> Iterable[str]:
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        text = piece.lstrip(WSP)
        if last and not text:
            continue  # a trailing `;` is allowed
        stripped = text.rstrip(WSP)
        if last and stripped != text:
            problems.error("there is whitespace after the last field; remove it, or end the record with `;`", text)
        if not stripped:
            problems.error("there is an empty field between two `;`; remove one of them")
            continue
        yield stripped


def _field(text: str, problems: IssueLog) -> Optional[Field]:
    name, equals, value = text.partition("=")
    if not equals:
        problems.error("a field must be written `name=value`", text)
        return None
    if not _EXT_NAME.match(name):
        problems.error(
            "is not a valid field name: 1-32 letters, digits, `_`, `-`, `.`, starting with a letter or "
            "digit, and no space before `=`",
            name,
        )
        return None
    if value != value.lstrip(WSP):
        problems.error("there may be no space after `=`", text)
    return Field(name, value.strip(WSP))


def parse_required_field(
    text: str, version: str, name: str, problems: IssueLog, *, missing: str
) -> Optional[Tuple[Field, Tuple[Field, ...]]]:
    """The record's one required field (first copy) and its extension fields; None if it is unusable.

    `missing` says how to add the field when it is absent.
    """
    record = parse_fields(text, version, problems)
    if record is None:
        return None
    extensions = _check_extensions(record, name, problems)
    field = record.first(name)
    if field is None:
        problems.error(f"the required field `{name}` is missing; {missing}")
        return None
    return field, extensions


def _check_extensions(record: FieldRecord, known: str, problems: IssueLog) -> Tuple[Field, ...]:
    """Log repeated, case-mistaken and malformed fields; answer the extension fields (ignored by senders)."""
    seen = set()
    extensions = []
    for field in record.fields:
        if field.name in seen:
            problems.warning("appears again; senders use the first one, so remove this copy", str(field))
            continue
        seen.add(field.name)
        if field.name == known:
            continue
        if field.name.lower() == known:
            problems.warning(
                f"is an unknown field that senders ignore: field names are case-sensitive, write "
                f"`{field.name.lower()}`",
                str(field),
            )
        elif not _EXT_VALUE.match(field.value):
            problems.error("an extension value must be printable ASCII without spaces, `;` or `=`", str(field))
            continue
        else:
            problems.info("is not a field senders know; they ignore it", str(field))
        extensions.append(field)
    return tuple(extensions)
