"""The MTA-STS policy file (RFC 8461 §3.2): model, strict parser, renderer and content-derived id.

The parser follows the RFC's grammar exactly, because a sending server that finds the policy invalid
ignores it: LF or CRLF line ends, case-sensitive field names, `name:` with no space before the colon,
`version: STSv1`, `mode` one of `enforce|testing|none`, `mx` required unless the mode is `none`,
`max_age` 0..31557600. Unknown fields are ignored with a warning; for repeated fields other than `mx`
the first one counts. Every message names the line and says how to fix it.
"""

import hashlib
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mailsec.limits import STS_EXT_NAME_MAX_LEN, STS_ID_MAX_LEN, STS_MAX_AGE_MAX, STS_POLICY_MAX_BYTES
from mailsec.mtasts.matching import mx_pattern_problem
from mailsec.names import normalize_host

VERSION = "STSv1"
CRLF = "\r\n"
ONE_WEEK = 7 * 24 * 3600
DEFAULT_MAX_AGE = 86400  # one day while testing; raise it to weeks when switching to enforce
_EXT_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{STS_EXT_NAME_MAX_LEN - 1}}}\Z")
# sts-policy-vchar = %x21-7E / UTF8-2 / UTF8-3 / UTF8-4: visible ASCII or any non-ASCII character
_EXT_VALUE = re.compile(r"[^\x00-\x20\x7f]+(?:[ \t]+[^\x00-\x20\x7f]+)*\Z")
_MAX_AGE = re.compile(r"[0-9]{1,10}\Z")
_WSP = " \t"


class Mode(str, Enum):
    ENFORCE = "enforce"
    TESTING = "testing"
    NONE = "none"


@dataclass(frozen=True)
class StsPolicy:
    """A valid MTA-STS policy."""

    mode: Mode
    mx: Tuple[str, ...]
    max_age: int
    version: str = VERSION

    def render(self) -> str:
        """The policy file text, CRLF line ends, fields in the conventional order."""
        lines = [f"version: {self.version}", f"mode: {self.mode.value}"]
        lines += [f"mx: {pattern}" for pattern in self.mx]
        lines.append(f"max_age: {self.max_age}")
        return CRLF.join(lines) + CRLF

    @property
    def policy_id(self) -> str:
        """The `_mta-sts` TXT id for this policy: the same policy always gets the same id.

        Derived from the rendered text, so a changed policy gets a new id and senders refetch it (§3.1:
        1-32 letters and digits).
        """
        return hashlib.sha256(self.render().encode("ascii")).hexdigest()[:STS_ID_MAX_LEN]


@dataclass(frozen=True)
class PolicyIssue:
    """An error or warning about one line of a policy file (line None: the file as a whole)."""

    message: str
    line: Optional[int] = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class PolicyFields:
    """The values a policy file gave, valid or not, for reporting."""

    version: Optional[str] = None
    mode: Optional[str] = None
    mx: List[str] = field(default_factory=list)
    max_age: Optional[int] = None


@dataclass(frozen=True)
class PolicyParse:
    """The outcome of parsing a policy file: the policy when valid, and every problem found."""

    fields: PolicyFields
    errors: Tuple[PolicyIssue, ...]
    warnings: Tuple[PolicyIssue, ...]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def policy(self) -> Optional[StsPolicy]:
        if self.errors:
            return None
        mode = Mode(self.fields.mode)
        max_age = self.fields.max_age if self.fields.max_age is not None else 0
        return StsPolicy(mode=mode, mx=tuple(self.fields.mx), max_age=max_age)


class InvalidPolicyError(ValueError):
    """A policy built from settings or user input that RFC 8461 would not accept."""

    def __init__(self, problems: Sequence[PolicyIssue]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = tuple(problems)


def parse_policy(content: Union[bytes, str]) -> PolicyParse:
    """Parse and validate a policy file strictly."""
    return _Parser().parse(content)


def build_policy(mode: str, mx: Sequence[str], max_age: int) -> StsPolicy:
    """A policy from settings or a form, checked by the same strict parser senders' rules imply.

    Raises `InvalidPolicyError` listing every problem; a policy that would not parse is never returned.
    """
    problems = []
    if mode not in {m.value for m in Mode}:
        problems.append(PolicyIssue(f"mode must be enforce, testing or none, not {mode!r}"))
    if not isinstance(max_age, int) or isinstance(max_age, bool) or not 0 <= max_age <= STS_MAX_AGE_MAX:
        problems.append(PolicyIssue(f"max_age must be a whole number from 0 to {STS_MAX_AGE_MAX}"))
    problems += [PolicyIssue(f"mx {problem}") for problem in map(mx_pattern_problem, mx) if problem]
    if problems:
        raise InvalidPolicyError(problems)
    patterns = tuple(dict.fromkeys(normalize_host(pattern) for pattern in mx))
    policy = StsPolicy(mode=Mode(mode), mx=patterns, max_age=max_age)
    parsed = parse_policy(policy.render())
    if not parsed.valid:
        raise InvalidPolicyError(parsed.errors)
    return policy


class _Parser:
    """One pass over the lines of a policy file, collecting fields and issues."""

    def __init__(self) -> None:
        self.fields = PolicyFields()
        self.errors: List[PolicyIssue] = []
        self.warnings: List[PolicyIssue] = []
        self.first_line: Dict[str, int] = {}

    def parse(self, content: Union[bytes, str]) -> PolicyParse:
        text = self._decode(content)
        if text is not None:
            for number, line in enumerate(self._lines(text), start=1):
                self._line(number, line)
            self._check_required()
        return PolicyParse(self.fields, tuple(self.errors), tuple(self.warnings))

    def _error(self, message: str, line: Optional[int] = None) -> None:
        self.errors.append(PolicyIssue(message, line))

    def _warn(self, message: str, line: Optional[int] = None) -> None:
        self.warnings.append(PolicyIssue(message, line))

    def _decode(self, content: Union[bytes, str]) -> Optional[str]:
        data = content.encode("utf-8") if isinstance(content, str) else content
        if len(data) > STS_POLICY_MAX_BYTES:
            self._error(f"the policy is {len(data)} bytes; senders read at most {STS_POLICY_MAX_BYTES}")
        if data.startswith(b"\xef\xbb\xbf"):
            self._error("the file starts with a UTF-8 byte order mark; save it without one")
            data = data[3:]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._error(f"the file is not UTF-8 text (byte {exc.start} cannot be read); save it as plain text")
            return None

    def _lines(self, text: str) -> List[str]:
        """Lines without their LF or CRLF; a final line end is optional (RFC 8461 §3.2, erratum 6253)."""
        *ended, last = text.split("\n")
        lines = [line[:-1] if line.endswith("\r") else line for line in ended]
        return [*lines, last] if last else lines

    def _line(self, number: int, line: str) -> None:
        if "\r" in line:
            self._error("contains a carriage return that does not end the line; use LF or CRLF line ends", number)
            return
        if line.strip(_WSP) == "":
            self._error("blank line; the RFC 8461 grammar has none and strict senders reject the policy, so remove it",
                        number)
            return
        if line[0] in _WSP:
            self._error("starts with whitespace; each field must start at the beginning of the line", number)
            return
        name, colon, raw_value = line.partition(":")
        if not colon:
            self._error(f"{_shorten(line)!r} has no ':' between field name and value", number)
            return
        value = raw_value.strip(_WSP)
        handler = {
            "version": self._version,
            "mode": self._mode,
            "mx": self._mx,
            "max_age": self._max_age,
        }.get(name)
        if handler is None:
            self._extension(number, name, value)
        elif name != "mx" and name in self.first_line:
            self._warn(
                f"{name!r} appears again (first on line {self.first_line[name]}); senders use the first one",
                number,
            )
        else:
            self.first_line.setdefault(name, number)
            handler(number, value)

    def _version(self, number: int, value: str) -> None:
        self.fields.version = value
        if value != VERSION:
            self._error(f"version must be {VERSION!r} (case matters), not {_shorten(value)!r}", number)

    def _mode(self, number: int, value: str) -> None:
        self.fields.mode = value
        if value not in {mode.value for mode in Mode}:
            self._error(f"mode must be enforce, testing or none (lower case), not {_shorten(value)!r}", number)

    def _max_age(self, number: int, value: str) -> None:
        if not _MAX_AGE.match(value):
            self._error(f"max_age must be a whole number of seconds, not {_shorten(value)!r}", number)
            return
        self.fields.max_age = int(value)
        if self.fields.max_age > STS_MAX_AGE_MAX:
            self._error(f"max_age {value} is above the maximum of {STS_MAX_AGE_MAX} seconds (one year)", number)

    def _mx(self, number: int, value: str) -> None:
        problem = mx_pattern_problem(value)
        if problem:
            self._error(f"mx {problem}", number)
            return
        if normalize_host(value) in (normalize_host(seen) for seen in self.fields.mx):
            self._warn(f"mx {value!r} is listed twice", number)
            return
        self.fields.mx.append(value)

    def _extension(self, number: int, name: str, value: str) -> None:
        if name.lower() in {"version", "mode", "mx", "max_age"}:
            self._warn(f"unknown field {name!r} is ignored; field names are case-sensitive: write {name.lower()!r}",
                       number)
        elif not _EXT_NAME.match(name):
            hint = "remove the space before ':'" if name != name.rstrip(_WSP) else "use letters, digits, '_', '-', '.'"
            self._error(f"{_shorten(name)!r} is not a valid field name ({hint})", number)
        elif not _EXT_VALUE.match(value):
            self._error(f"the value of extension field {name!r} must be printable text and not empty", number)
        else:
            self._warn(f"unknown field {name!r} is ignored by senders", number)

    def _check_required(self) -> None:
        for name in ("version", "mode", "max_age"):
            if name not in self.first_line:
                self._error(f"the required field {name!r} is missing")
        mode = self.fields.mode
        if mode in (Mode.ENFORCE.value, Mode.TESTING.value) and not self.fields.mx and "mx" not in self.first_line:
            self._error(f"mode {mode} needs at least one 'mx' line naming the MX hosts")
        if mode == Mode.ENFORCE.value and self.fields.max_age is not None and self.fields.max_age < ONE_WEEK:
            self._warn(
                f"max_age {self.fields.max_age} is short for enforce mode; RFC 8461 suggests weeks or more "
                "so that a policy outlives a DNS attack"
            )


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
