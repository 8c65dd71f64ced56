"""The `tag=value; ...` list of DKIM key records and DMARC records.

DKIM (RFC 6376 §3.2) defines the grammar and DMARC borrows it (RFC 7489 §6.3, RFC 9989 §4.7):

    tag-list = tag-spec *( ";" tag-spec ) [ ";" ]
    tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
    tag-name = ALPHA *( ALPHA / DIGIT / "_" )
    value    = printable ASCII except ";", with inner whitespace

So one parser serves both, with two switches for where they differ:

* whitespace: DKIM allows folding whitespace (a CRLF followed by a space or tab) because key records
  once travelled in mail headers; DMARC allows only spaces and tabs (`*WSP`);
* tag-name case: DKIM tag names are case-sensitive; DMARC's ABNF writes them as case-insensitive
  strings (only the `DMARC1` value is `%s`, case-sensitive).

A repeated tag makes a DKIM record invalid and leaves DMARC receivers disagreeing, so both report it.
"""

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from mailsec.records.issues import IssueLog

WSP = " \t"
_FOLD = re.compile(r"\r\n(?=[ \t])")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_BAD_VALUE_CHAR = re.compile(r"[^\x21-\x3a\x3c-\x7e \t]")


@dataclass(frozen=True)
class Tag:
    name: str  # as written
    value: str  # without the whitespace around it

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


@dataclass(frozen=True)
class TagList:
    tags: Tuple[Tag, ...]
    case_sensitive: bool

    def get(self, name: str) -> Optional[Tag]:
        return next((tag for tag in self.tags if self._key(tag.name) == name), None)

    def names(self) -> Tuple[str, ...]:
        return tuple(self._key(tag.name) for tag in self.tags)

    def _key(self, name: str) -> str:
        return name if self.case_sensitive else name.lower()


def parse_tag_list(text: str, problems: IssueLog, *, folding: bool, case_sensitive: bool, repeated: str) -> TagList:
    """The tags of `text` in order; malformed and repeated tags are logged as errors and left out.

    `repeated` says what a repeated tag does to this kind of record.
    """
    if folding:
        text = _FOLD.sub(" ", text)
    tags: List[Tag] = []
    seen = set()
    pieces = text.split(";")
    for index, piece in enumerate(pieces):
        spec = piece.strip(WSP)
        if not spec:
            if index < len(pieces) - 1:
                problems.warning("there is an empty entry between two `;` (or a `;` first); remove it")
            continue
        tag = _tag(spec, problems)
        if tag is None:
            continue
        key = tag.name if case_sensitive else tag.name.lower()
        if key in seen:
            problems.error(f"the tag `{tag.name}` appears more than once; {repeated}. Keep one", str(tag))
            continue
        seen.add(key)
        tags.append(tag)
    return TagList(tuple(tags), case_sensitive)


def _tag(spec: str, problems: IssueLog) -> Optional[Tag]:
    name, equals, value = spec.partition("=")
    name, value = name.rstrip(WSP), value.lstrip(WSP)
    if not equals:
        problems.error("is not a `tag=value` pair; add `=` or remove it", spec)
        return None
    if not _NAME.match(name):
        problems.error("is not a valid tag name: a letter, then letters, digits or `_`", name)
        return None
    bad = _BAD_VALUE_CHAR.search(value)
    if bad:
        char = ascii(bad.group())[1:-1]
        problems.error(f"the value holds `{char}`: only printable ASCII, spaces and tabs are allowed", spec)
        return None
    return Tag(name, value)
