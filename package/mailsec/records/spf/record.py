"""SPF record syntax (RFC 7208 §4.5, §4.6, §5, §6, §7.1, §12): the model and its strict parser.

Receivers return permerror for a syntax error anywhere in the record (§4.6), including in terms they
would never reach, so this parser reports every error and yields no model when there is one. Warnings
cover what is legal but harmful: `ptr` (§5.5: SHOULD NOT be published), `+all`/`?all`, a `redirect`
that `all` silences, terms after `all`, a record without `all` or `redirect`, and the size guideline.
"""

import ipaddress
import re
from dataclasses import dataclass
from enum import Enum
from typing import List, Optional, Sequence, Tuple, Union

from mailsec.limits import DNS_LABEL_MAX_LEN, DNS_NAME_MAX_LEN, SPF_SIZE_GUIDELINE_OCTETS
from mailsec.records.issues import IssueLog, Parsed
from mailsec.records.spf.macro import IpAddress, Macro, MacroError, MacroString, parse_macro_string
from mailsec.records.txt import TxtData, join_txt, read_txt, select_one

SPF_VERSION = "v=spf1"
PLUS_ALL = "spf.plus-all"  # issue code of `+all` (a record that protects nothing)
_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9._-]*)=(.*)\Z", re.S)
_MECHANISM_NAME = re.compile(r"[A-Za-z0-9]*")
_BAD_CHAR = re.compile(r"[^\x21-\x7e ]")
_DIGITS = re.compile(r"[0-9]*\Z")
_QNUM = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IP4 = re.compile(rf"{_QNUM}\.{_QNUM}\.{_QNUM}\.{_QNUM}\Z")
_IP6_CHARS = re.compile(r"[0-9A-Fa-f:.]+\Z")
_TOPLABEL = re.compile(r"(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])\Z")
Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


class Qualifier(str, Enum):
    PASS = "+"  # noqa: S105
    FAIL = "-"
    SOFTFAIL = "~"
    NEUTRAL = "?"


class Kind(str, Enum):
    ALL = "all"
    INCLUDE = "include"
    A = "a"
    MX = "mx"
    PTR = "ptr"
    IP4 = "ip4"
    IP6 = "ip6"
    EXISTS = "exists"


DNS_KINDS = frozenset({Kind.INCLUDE, Kind.A, Kind.MX, Kind.PTR, Kind.EXISTS})  # each costs a lookup (§4.6.4)


@dataclass(frozen=True)
class Mechanism:
    """A directive: qualifier, mechanism and its argument as typed values; `text` as written."""

    text: str
    qualifier: Qualifier
    kind: Kind
    domain: Optional[MacroString] = None  # include, exists, and a/mx/ptr with a target
    network: Optional[Network] = None  # ip4, ip6 (prefix applied, host bits cleared)
    prefix4: int = 32  # a, mx: the IPv4 prefix applied to the addresses found
    prefix6: int = 128


@dataclass(frozen=True)
class Modifier:
    text: str
    name: str  # lower case
    value: MacroString


@dataclass(frozen=True)
class SpfRecord:
    text: str
    mechanisms: Tuple[Mechanism, ...]
    redirect: Optional[Modifier] = None
    explanation: Optional[Modifier] = None
    other_modifiers: Tuple[Modifier, ...] = ()

    @property
    def evaluated(self) -> Tuple[Mechanism, ...]:
        """The mechanisms a receiver can reach: those after `all` are never tested (§5.1)."""
        for index, mechanism in enumerate(self.mechanisms):
            if mechanism.kind is Kind.ALL:
                return self.mechanisms[: index + 1]
        return self.mechanisms

    @property
    def effective_redirect(self) -> Optional[Modifier]:
        """`redirect=`, unless `all` appears anywhere in the record, which makes it ignored (§6.1)."""
        return None if any(m.kind is Kind.ALL for m in self.mechanisms) else self.redirect


def is_spf_record(text: str) -> bool:
    """§4.5: `v=spf1` in any case, then a space or the end (`v=spf10` and `v=spf1mx` do not count)."""
    return text[:6].lower() == SPF_VERSION and text[6:7] in ("", " ")


def parse_spf(data: TxtData) -> Parsed[SpfRecord]:
    """Parse one TXT record's value as an SPF record."""
    text, problems = read_txt(data)
    if not is_spf_record(text):
        problems.error("an SPF record begins with `v=spf1` followed by a space or the end", text)
        return problems.result(None)
    bad = _BAD_CHAR.search(text)
    if bad:
        problems.error(
            f"the record holds `{ascii(bad.group())[1:-1]}` at position {bad.start() + 1}: only printable ASCII "
            "and spaces are allowed (tabs, line breaks and non-ASCII give permerror)"
        )
    terms = [_term(token, problems) for token in text[6:].split(" ") if token and not _BAD_CHAR.search(token)]
    record = _assemble(text, [term for term in terms if term is not None], problems)
    return problems.result(record)


def select_spf(records: Sequence[TxtData], domain: Optional[str] = None) -> Parsed[SpfRecord]:
    """The SPF record of a name from all its TXT records (§4.5); with `domain`, the size guideline (§3.4)."""
    parsed = select_one(
        records,
        is_spf_record,
        lambda text: SPF_VERSION in text[:12].lower(),
        parse_spf,
        rule="begin with `v=spf1` followed by a space",
        absent="there is no SPF record (no TXT record begins with `v=spf1`); receivers get `none`",
        several="receivers return permerror (RFC 7208 §4.5), so SPF fails for all mail. Merge them into one",
    )
    if domain is not None:
        size = len(domain) + sum(len(join_txt(data).text) for data in records)
        if size > SPF_SIZE_GUIDELINE_OCTETS:
            problems = IssueLog()
            problems.extend(parsed.issues)
            problems.warning(
                f"the name and all its TXT records add up to {size} octets, over the {SPF_SIZE_GUIDELINE_OCTETS} "
                "of RFC 7208 §3.4, so answers may not fit a UDP packet; shorten the record (fewer includes, "
                "ip4 ranges) or remove stale TXT records (old verification tokens) at this name"
            )
            return problems.result(parsed.record, parsed.published)
    return parsed


def _term(token: str, problems: IssueLog) -> Union[Mechanism, Modifier, None]:
    modifier = _MODIFIER.match(token)
    if modifier:
        name = modifier.group(1).lower()
        parse_value = domain_spec if name in ("redirect", "exp") else _macro_string
        value = parse_value(modifier.group(2), token, problems)
        return None if value is None else Modifier(token, name, value)
    qualifier = Qualifier(token[0]) if token[0] in "+-~?" else Qualifier.PASS
    body = token[1:] if token[0] in "+-~?" else token
    name = _MECHANISM_NAME.match(body).group()
    try:
        kind = Kind(name.lower())
    except ValueError:
        problems.error(f"`{name or body[:1]}` is not an SPF mechanism ({', '.join(k.value for k in Kind)})", token)
        return None
    return _mechanism(token, qualifier, kind, body[len(name) :], problems)


def _mechanism(token: str, qualifier: Qualifier, kind: Kind, rest: str, problems: IssueLog) -> Optional[Mechanism]:
    if kind is Kind.ALL:
        if rest:
            problems.error("`all` takes no argument and no prefix length; write it alone", token)
            return None
        return Mechanism(token, qualifier, kind)
    if kind in (Kind.IP4, Kind.IP6):
        return _ip_mechanism(token, qualifier, kind, rest, problems)
    prefix4 = prefix6 = None
    if kind in (Kind.A, Kind.MX):
        rest, prefix4, prefix6 = _dual_cidr(token, rest, problems)
    if rest and not rest.startswith(":"):
        problems.error(f"after `{kind.value}` comes `:` and a domain; a `/` prefix length is not allowed here", token)
        return None
    if not rest and kind in (Kind.INCLUDE, Kind.EXISTS):
        problems.error(f"`{kind.value}` needs a domain: `{kind.value}:example.com`", token)
        return None
    domain = domain_spec(rest[1:], token, problems) if rest else None
    if rest and domain is None:
        return None
    return Mechanism(token, qualifier, kind, domain, None, _or(prefix4, 32), _or(prefix6, 128))


def _or(value: Optional[int], default: int) -> int:
    return default if value is None else value


def _dual_cidr(token: str, rest: str, problems: IssueLog) -> Tuple[str, Optional[int], Optional[int]]:
    """Split `a`/`mx`'s `/ip4-len` and `//ip6-len` off the end of its argument."""
    prefix4 = prefix6 = None
    head, slashes, tail = rest.rpartition("//")
    if slashes and _DIGITS.match(tail):
        prefix6, rest = _prefix(tail, 128, token, problems), head
    head, slash, tail = rest.rpartition("/")
    if slash and _DIGITS.match(tail):
        prefix4, rest = _prefix(tail, 32, token, problems), head
    return rest, prefix4, prefix6


def _prefix(digits: str, maximum: int, token: str, problems: IssueLog) -> Optional[int]:
    if not digits or not _DIGITS.match(digits):
        problems.error("a `/` must be followed by a prefix length, a plain number such as /24", token)
        return None
    if len(digits) > 1 and digits[0] == "0":
        problems.error(f"a CIDR length may not have leading zeros; write /{int(digits)}", token)
        return None
    if len(digits) > 3 or int(digits) > maximum:
        problems.error(f"the prefix length /{digits} is over {maximum}", token)
        return None
    return int(digits)


def _ip_mechanism(token: str, qualifier: Qualifier, kind: Kind, rest: str, problems: IssueLog) -> Optional[Mechanism]:
    if not rest.startswith(":"):
        problems.error(f"`{kind.value}` needs an address: `{kind.value}:` then the address or network", token)
        return None
    address, slash, digits = rest[1:].partition("/")
    maximum = 32 if kind is Kind.IP4 else 128
    length = _prefix(digits, maximum, token, problems) if slash else maximum
    parsed = _address(address, kind, token, problems)
    if parsed is None or length is None:
        return None
    return Mechanism(token, qualifier, kind, network=ipaddress.ip_network((parsed, length), strict=False))


def _address(text: str, kind: Kind, token: str, problems: IssueLog) -> Optional[IpAddress]:
    if kind is Kind.IP4:
        if _IP4.match(text):
            return ipaddress.IPv4Address(text)
        hint = "; IPv6 goes in `ip6:`" if ":" in text else ""
        problems.error(f"is not an IPv4 address: four numbers 0-255 without leading zeros{hint}", token)
        return None
    if _IP6_CHARS.match(text):
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            pass
    hint = "; IPv4 goes in `ip4:`" if _IP4.match(text) else ""
    problems.error(f"is not an IPv6 address{hint}", token)
    return None


def _macro_string(text: str, token: str, problems: IssueLog) -> Optional[MacroString]:
    try:
        return parse_macro_string(text)
    except MacroError as error:
        problems.error(str(error), token)
        return None


def domain_spec(text: str, token: str, problems: IssueLog) -> Optional[MacroString]:
    """A domain-spec (§7.1): a macro-string ending in a macro or in `.` and a valid top-level label."""
    spec = _macro_string(text, token, problems)
    if spec is None:
        return None
    if not spec.parts or not isinstance(spec.parts[-1], Macro):
        problem = _literal_end_problem(spec.parts[-1] if spec.parts else "")
        if problem is None and not spec.has_macros:
            problem = name_problem(text)
        if problem:
            problems.error(problem, token)
            return None
    return spec


def _literal_end_problem(literal: str) -> Optional[str]:
    name = literal[:-1] if literal.endswith(".") else literal
    _, dot, top = name.rpartition(".")
    if not dot:
        return "the domain needs at least two labels, like `example.com`"
    if "/" in top:
        return "a `/` prefix length is not allowed here (for `a` and `mx`: `/24` for IPv4, `//64` for IPv6)"
    if not _TOPLABEL.match(top):
        return (
            f"`{top[:20]}` cannot end a domain name: the top-level label may not be all digits (an IP address "
            "belongs in `ip4:`/`ip6:`), nor start or end with `-`"
        )
    return None


def name_problem(name: str) -> Optional[str]:
    """Why `name` cannot be looked up as a domain (§4.3: empty or over-long labels, a single label)."""
    labels = (name[:-1] if name.endswith(".") else name).split(".")
    if len(labels) < 2:
        return "the domain needs at least two labels, like `example.com`"
    if any(not label for label in labels):
        return "the domain has an empty label (two dots in a row, or a leading dot)"
    if any(len(label) > DNS_LABEL_MAX_LEN for label in labels):
        return f"a label of the domain is longer than {DNS_LABEL_MAX_LEN} characters"
    if len(name.rstrip(".")) > DNS_NAME_MAX_LEN:
        return f"the domain is longer than {DNS_NAME_MAX_LEN} characters"
    return None


def _assemble(text: str, terms: List[Union[Mechanism, Modifier]], problems: IssueLog) -> SpfRecord:
    mechanisms = tuple(term for term in terms if isinstance(term, Mechanism))
    modifiers = [term for term in terms if isinstance(term, Modifier)]
    special = {}
    for name in ("redirect", "exp"):
        found = [modifier for modifier in modifiers if modifier.name == name]
        if len(found) > 1:
            problems.error(f"`{name}=` may appear only once (RFC 7208 §6); keep one", found[1].text)
        special[name] = found[0] if found else None
    others = tuple(modifier for modifier in modifiers if modifier.name not in special)
    record = SpfRecord(text, mechanisms, special["redirect"], special["exp"], others)
    if not problems.has_errors:
        _judge(record, problems)
    return record


def _judge(record: SpfRecord, problems: IssueLog) -> None:
    for mechanism in record.mechanisms:
        if mechanism.kind is Kind.PTR:
            problems.warning(
                "`ptr` SHOULD NOT be used (RFC 7208 §5.5): it is slow and unreliable, and large receivers "
                "ignore it; list the addresses with `ip4:`/`ip6:` or `a:` instead",
                mechanism.text,
            )
    for modifier in record.other_modifiers:
        if modifier.name in {kind.value for kind in Kind}:
            problems.warning(
                f"this is an unknown modifier and receivers ignore it; the mechanism is written "
                f"`{modifier.name}:{modifier.value.text}`",
                modifier.text,
            )
        else:
            problems.info("an unknown modifier; receivers ignore it", modifier.text)
    _judge_all(record, problems)


def _judge_all(record: SpfRecord, problems: IssueLog) -> None:
    evaluated = record.evaluated
    last = evaluated[-1] if evaluated else None
    if last is None or last.kind is not Kind.ALL:
        if record.redirect is None:
            problems.warning(
                "the record has no `all` and no `redirect`, so mail from other servers gets `neutral`; "
                "end it with `-all` (or `~all` while testing)"
            )
        return
    if last.qualifier is Qualifier.PASS:
        problems.warning(
            "`+all` lets every server on the internet pass SPF for this domain; end with `-all` or `~all`",
            last.text,
            code=PLUS_ALL,
        )
    elif last.qualifier is Qualifier.NEUTRAL:
        problems.warning("`?all` gives no protection (neutral); end with `-all` or `~all`", last.text)
    ignored = record.mechanisms[len(evaluated) :]
    if ignored:
        problems.warning(
            "terms after `all` are never evaluated; remove them or move them before `all`",
            " ".join(mechanism.text for mechanism in ignored),
        )
    if record.redirect is not None:
        problems.warning(
            "`redirect=` is ignored because the record contains `all` (RFC 7208 §6.1); remove one of them",
            record.redirect.text,
        )
