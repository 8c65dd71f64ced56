"""TXT data as DNS delivers it, joined into the text a record parser reads.

A TXT record is one or more character-strings of at most 255 octets each; SPF (RFC 7208 §3.3), DKIM
(RFC 6376 §3.6.2.2), DMARC, MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3) all join them with no
separator. Callers may hand over the strings (bytes from dnspython's `rdata.strings`, or text an owner
typed as zone-file strings) or an already joined text. Only given the strings can a string that is too
long to publish be noticed.

Bytes are read as UTF-8 with undecodable bytes replaced, so that nothing crashes and every non-ASCII
character stays visible to the grammar checks, which all reject it.
"""

from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple, Union

from mailsec.limits import TXT_STRING_MAX_OCTETS
from mailsec.records.issues import IssueLog, Parsed, R, RecordIssue

TxtString = Union[str, bytes]
TxtData = Union[str, bytes, Sequence[TxtString]]


@dataclass(frozen=True)
class TxtText:
    """The joined text of one TXT record and what was wrong with its strings."""

    text: str
    issues: Tuple[RecordIssue, ...] = ()


def join_txt(data: TxtData) -> TxtText:
    """Join one TXT record's strings (or take its text as it is)."""
    if isinstance(data, (str, bytes)):
        return TxtText(_decode(data))
    problems = IssueLog()
    texts = []
    for number, string in enumerate(data, start=1):
        octets = len(string.encode("utf-8")) if isinstance(string, str) else len(string)
        if octets > TXT_STRING_MAX_OCTETS:
            problems.error(
                f"string {number} of the TXT record is {octets} octets long; a DNS string holds at most "
                f"{TXT_STRING_MAX_OCTETS}. Split the value into several quoted strings of at most "
                f"{TXT_STRING_MAX_OCTETS} characters each (receivers join them with nothing between)"
            )
        texts.append(_decode(string))
    return TxtText("".join(texts), problems.freeze())


def read_txt(data: TxtData) -> Tuple[str, IssueLog]:
    """What every parser starts with: the joined text, and a problem log holding its strings' problems."""
    joined = join_txt(data)
    problems = IssueLog()
    problems.extend(joined.issues)
    return joined.text, problems


def _decode(string: TxtString) -> str:
    return string.decode("utf-8", "replace") if isinstance(string, bytes) else string


@dataclass(frozen=True)
class Selection:
    """The records at a name that claim a record type, per the "discard the others" rule of each RFC.

    `chosen` is the one record receivers use, set only when exactly one claims the type. `near_misses`
    are records that look meant for the type but that receivers discard (wrong case, a missing `;`).
    """

    candidates: Tuple[TxtText, ...]
    near_misses: Tuple[str, ...]

    @property
    def chosen(self) -> Optional[TxtText]:
        return self.candidates[0] if len(self.candidates) == 1 else None


def select_records(
    records: Sequence[TxtData],
    is_candidate: Callable[[str], bool],
    looks_like: Callable[[str], bool],
) -> Selection:
    """Keep the records `is_candidate` accepts; remember those only `looks_like` accepts.

    The predicates see the joined text; the checks of the strings themselves come with each candidate.
    """
    candidates: List[TxtText] = []
    near_misses: List[str] = []
    for data in records:
        joined = join_txt(data)
        if is_candidate(joined.text):
            candidates.append(joined)
        elif looks_like(joined.text):
            near_misses.append(joined.text)
    return Selection(tuple(candidates), tuple(near_misses))


def select_one(
    records: Sequence[TxtData],
    is_candidate: Callable[[str], bool],
    looks_like: Callable[[str], bool],
    parse: Callable[[str], Parsed[R]],
    *,
    rule: str,
    absent: str,
    several: str,
) -> Parsed[R]:
    """The one record receivers use of those at a name, parsed, with the selection's own problems.

    `rule` completes "receivers discard this record because it does not ..."; `absent` and `several`
    are the messages for no candidate and for more than one.
    """
    selection = select_records(records, is_candidate, looks_like)
    problems = IssueLog()
    for text in selection.near_misses:
        problems.warning(f"receivers discard this record because it does not {rule}; fix or delete it", text)
    count = len(selection.candidates)
    if selection.chosen is None:
        problems.error(absent if count == 0 else f"there are {count} such records at this name; {several}")
        return problems.result(None, count)
    parsed = parse(selection.chosen.text)
    problems.extend(selection.chosen.issues + parsed.issues)
    return problems.result(parsed.record, count)
