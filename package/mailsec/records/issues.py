"""Problems a record parser finds, and the parse result every parser returns.

A problem says what is wrong, where, and how to fix it, because the audit shows it to an owner who has
to change a DNS record. `severity` follows the validator scale of the project's standards notes:

* `error`: conforming receivers reject or ignore the record (or the part of it named);
* `warning`: legal but risky, deprecated, or read differently by some receivers;
* `info`: advice.

A record with at least one error has no model (`Parsed.record is None`): receivers treat it as
broken, so the audit must not reason from what the owner meant to write.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Generic, Iterable, List, Optional, Tuple, TypeVar

R = TypeVar("R")

SHOWN_MAX_CHARS = 60
ISSUES_SHOWN_MAX = 50


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class RecordIssue:
    """One problem.

    `term` is the offending part of the record exactly as published, if there is one (show it with
    `str(issue)` or `shown()`, never raw). `code` is a stable name for the few problems a check must tell
    apart from the rest (such as `dkim.revoked`); it is empty for the others.
    """

    severity: Severity
    message: str
    term: Optional[str] = None
    code: str = ""

    def __str__(self) -> str:
        return f"`{shown(self.term)}`: {self.message}" if self.term is not None else self.message

    def as_warning(self) -> "RecordIssue":
        """The same problem as a warning: for a part receivers drop while the rest of the record works."""
        return RecordIssue(Severity.WARNING, self.message, self.term, self.code)

    def within(self, where: str) -> "RecordIssue":
        """The same problem, said of the record at `where` (used when a tree of records is reported)."""
        return RecordIssue(self.severity, f"{where}: {self.message}", self.term, self.code)


class IssueLog:
    """Collects problems while a parser walks a record, in the order found.

    A hostile record can hold thousands of broken terms; past `ISSUES_SHOWN_MAX` problems only a count
    is kept, so results stay small while `has_errors` still sees every error.
    """

    def __init__(self) -> None:
        self._issues: List[RecordIssue] = []
        self._unshown = 0
        self._unshown_error = False

    def error(self, message: str, term: Optional[str] = None, code: str = "") -> None:
        self._add(RecordIssue(Severity.ERROR, message, term, code))

    def warning(self, message: str, term: Optional[str] = None, code: str = "") -> None:
        self._add(RecordIssue(Severity.WARNING, message, term, code))

    def info(self, message: str, term: Optional[str] = None) -> None:
        self._add(RecordIssue(Severity.INFO, message, term))

    def extend(self, issues: Iterable[RecordIssue]) -> None:
        for issue in issues:
            self._add(issue)

    def _add(self, issue: RecordIssue) -> None:
        if len(self._issues) < ISSUES_SHOWN_MAX:
            self._issues.append(issue)
        else:
            self._unshown += 1
            self._unshown_error = self._unshown_error or issue.severity is Severity.ERROR

    @property
    def has_errors(self) -> bool:
        return self._unshown_error or has_errors(self._issues)

    def freeze(self) -> Tuple[RecordIssue, ...]:
        if not self._unshown:
            return tuple(self._issues)
        severity = Severity.ERROR if self._unshown_error else Severity.INFO
        return (*self._issues, RecordIssue(severity, f"{self._unshown} more problems are not listed"))

    def result(self, record: Optional[R], published: int = 1) -> "Parsed[R]":
        """The parse result: `record` only if no error was found."""
        return Parsed(None if self.has_errors else record, self.freeze(), published)


@dataclass(frozen=True)
class Parsed(Generic[R]):
    """A parser's answer: the record model when the record is usable, and every problem found.

    `published` counts the records at the DNS name that claim to be of this type (1 when a single text
    was parsed). Anything but exactly one means receivers use none of them.
    """

    record: Optional[R]
    issues: Tuple[RecordIssue, ...]
    published: int = 1

    @property
    def valid(self) -> bool:
        return self.record is not None

    @property
    def errors(self) -> Tuple[RecordIssue, ...]:
        return tuple(issue for issue in self.issues if issue.severity is Severity.ERROR)

    @property
    def warnings(self) -> Tuple[RecordIssue, ...]:
        return tuple(issue for issue in self.issues if issue.severity is Severity.WARNING)

    def has(self, code: str) -> bool:
        """True when a problem with this stable `code` was found."""
        return any(issue.code == code for issue in self.issues)


def has_errors(issues: Iterable[RecordIssue]) -> bool:
    return any(issue.severity is Severity.ERROR for issue in issues)


def shown(text: str, limit: int = SHOWN_MAX_CHARS) -> str:
    """`text` made safe to show: control and non-ASCII characters escaped, long text shortened.

    DNS data is hostile; a message must never carry a terminal escape sequence or a megabyte of text.
    """
    escaped = "".join(ch if " " <= ch <= "~" else ascii(ch)[1:-1] for ch in text[: limit + 1])
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."
