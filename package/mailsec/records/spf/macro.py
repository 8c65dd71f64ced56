"""SPF macros (RFC 7208 §7): parsing a macro-string and expanding it for one evaluation.

A domain-spec such as `%{ir}.%{v}._spf.%{d}` is a sequence of literal text and macros. A macro names
a value (`s` sender, `l` its local part, `o` its domain, `d` the current domain, `i` the client IP,
`p` its validated host name, `v` `in-addr` or `ip6`, `h` the HELO name; `c`, `r`, `t` belong to
explanation text, which mailsec never expands), optionally followed by a number of right-hand parts
to keep, `r` to reverse, and the characters that split the value into parts. An upper-case letter
URL-escapes the result.
"""

import ipaddress
import re
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple, Union
from urllib.parse import quote

MACRO_LETTERS = "slodiphcrtv"
EXPLANATION_ONLY_LETTERS = "crt"
DEFAULT_DELIMITER = "."
_MACRO_BODY = re.compile(r"([A-Za-z])([0-9]*)([rR]?)([.\-+,/_=]*)\Z")
_ESCAPES = {"%": "%", "_": " ", "-": "%20"}
IpAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


class MacroError(ValueError):
    """A macro-string that breaks RFC 7208 §7.1; the message says what and how to fix it."""


@dataclass(frozen=True)
class Macro:
    letter: str  # lower case
    url_escape: bool
    keep: Optional[int]  # right-hand parts to keep; None: all
    reverse: bool
    delimiters: str


MacroPart = Union[str, Macro]


@dataclass(frozen=True)
class MacroString:
    """A parsed macro-string: literal text and macros in order."""

    text: str
    parts: Tuple[MacroPart, ...]

    @property
    def has_macros(self) -> bool:
        return any(isinstance(part, Macro) for part in self.parts)

    @property
    def letters(self) -> str:
        return "".join(part.letter for part in self.parts if isinstance(part, Macro))


def parse_macro_string(text: str) -> MacroString:
    """Parse a macro-string of a record (not of explanation text); raises MacroError."""
    parts: List[MacroPart] = []
    literal: List[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char != "%":
            literal.append(char)
            position += 1
            continue
        following = text[position + 1 : position + 2]
        if following in _ESCAPES:
            literal.append(_ESCAPES[following])
            position += 2
            continue
        if following != "{":
            raise MacroError("a `%` must start a macro `%{...}` or be written `%%`, `%_` or `%-`")
        end = text.find("}", position)
        if end < 0:
            raise MacroError("a macro `%{` is not closed with `}`")
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(_macro(text[position + 2 : end]))
        position = end + 1
    if literal:
        parts.append("".join(literal))
    return MacroString(text, tuple(parts))


def _macro(body: str) -> Macro:
    match = _MACRO_BODY.match(body)
    if not match or match.group(1).lower() not in MACRO_LETTERS:
        raise MacroError(
            f"`%{{{body}}}` is not a macro: write a letter of `{MACRO_LETTERS}`, then optionally a number, "
            "`r` and delimiters from `.-+,/_=`"
        )
    letter, digits, reverse, delimiters = match.groups()
    if letter.lower() in EXPLANATION_ONLY_LETTERS:
        raise MacroError(f"the macro letter `{letter}` is allowed only in explanation (`exp`) text")
    if digits and int(digits) == 0:
        raise MacroError(f"`%{{{body}}}`: the number of parts to keep must not be zero")
    return Macro(
        letter.lower(), letter.isupper(), int(digits) if digits else None, bool(reverse),
        delimiters or DEFAULT_DELIMITER,
    )


@dataclass(frozen=True)
class MacroContext:
    """The values macros expand to in one check_host() call."""

    sender: str
    domain: str
    ip: IpAddress
    helo: str = ""
    validated_name: Callable[[], str] = lambda: "unknown"  # `p`: looked up only when used


def expand(macro_string: MacroString, context: MacroContext) -> str:
    return "".join(part if isinstance(part, str) else _expand_macro(part, context) for part in macro_string.parts)


def _expand_macro(macro: Macro, context: MacroContext) -> str:
    value = _value(macro.letter, context)
    pieces = re.split("[" + re.escape(macro.delimiters) + "]", value)
    if macro.reverse:
        pieces.reverse()
    if macro.keep is not None:
        pieces = pieces[-macro.keep :]
    result = ".".join(pieces)
    return quote(result, safe="") if macro.url_escape else result


def _value(letter: str, context: MacroContext) -> str:
    local, _, sender_domain = context.sender.rpartition("@")
    values = {
        "s": lambda: context.sender,
        "l": lambda: local or "postmaster",
        "o": lambda: sender_domain,
        "d": lambda: context.domain,
        "i": lambda: _dotted(context.ip),
        "p": context.validated_name,
        "v": lambda: "in-addr" if context.ip.version == 4 else "ip6",
        "h": lambda: context.helo,
    }
    return values[letter]()


def _dotted(ip: IpAddress) -> str:
    """`i`: IPv4 as usual, IPv6 as 32 dot-separated nibbles (RFC 7208 §7.3)."""
    return str(ip) if ip.version == 4 else ".".join(ip.exploded.replace(":", ""))
