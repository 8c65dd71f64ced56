"""`Authentication-Results` (RFC 8601): what the receiving server concluded about SPF, DKIM and DMARC.

The header reads `authserv-id; method=result [reason=...] ptype.property=value ...; ...`, with RFC 5322
comments in parentheses anywhere and values that may be quoted. Comments are dropped; each method
result keeps its properties (`smtp.mailfrom`, `header.d`, `header.from`, ...) and gets a sentence
saying what the result means for the domain it is about.
"""

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

_TOKEN = re.compile(r'(?:[^\s"]|"(?:[^"\\]|\\.)*")+')

# (method, result) -> meaning; {domain} is the domain the result is about. RFC 7208 §2.6 (SPF),
# RFC 8601 §2.7.1 (DKIM), RFC 7489 §11.2 (DMARC), RFC 8617 §4.4 (ARC).
MEANINGS = {
    ("spf", "pass"): "{domain}'s SPF record allows the sending server",
    ("spf", "fail"): "{domain}'s SPF record says the sending server may not send its mail",
    ("spf", "softfail"): "{domain}'s SPF record says the sending server is probably not allowed (~all)",
    ("spf", "neutral"): "{domain}'s SPF record makes no claim about the sending server (?all)",
    ("spf", "none"): "{domain} publishes no SPF record",
    ("spf", "temperror"): "the SPF check of {domain} failed for now (DNS trouble)",
    ("spf", "permerror"): "{domain}'s SPF record is broken (syntax, or more than 10 DNS lookups)",
    ("dkim", "pass"): "a valid DKIM signature by {domain}",
    ("dkim", "fail"): "the DKIM signature by {domain} does not verify: the message changed on the way, or DNS has "
                      "another key",
    ("dkim", "neutral"): "a DKIM signature by {domain} that could not be processed",
    ("dkim", "policy"): "the DKIM signature by {domain} verified, but the receiver's policy does not accept it",
    ("dkim", "none"): "the message is not DKIM-signed",
    ("dkim", "temperror"): "the DKIM key of {domain} could not be fetched for now",
    ("dkim", "permerror"): "the DKIM signature by {domain} cannot be checked (no usable key in DNS)",
    ("dmarc", "pass"): "the From: domain {domain} passes DMARC: SPF or DKIM passed aligned with it",
    ("dmarc", "fail"): "the From: domain {domain} fails DMARC: neither SPF nor DKIM passed aligned with it, so its "
                       "policy decides the message's fate",
    ("dmarc", "none"): "the From: domain {domain} publishes no DMARC record",
    ("dmarc", "temperror"): "the DMARC record of {domain} could not be fetched for now",
    ("dmarc", "permerror"): "the DMARC record of {domain} is broken",
    ("arc", "pass"): "a valid ARC chain: intermediaries vouch for the results before they changed the message",
    ("arc", "fail"): "the ARC chain is broken",
    ("arc", "none"): "no ARC signatures",
}
_SUBJECT_PROPERTIES = {
    "spf": ("smtp.mailfrom", "smtp.helo"),
    "dkim": ("header.d", "header.i"),
    "dmarc": ("header.from",),
}


@dataclass(frozen=True)
class MethodResult:
    method: str
    result: str
    reason: str
    properties: Tuple[Tuple[str, str], ...]  # ("smtp.mailfrom", "bounce@example.com"), ...

    def value(self, name: str) -> str:
        return next((value for key, value in self.properties if key == name), "")

    @property
    def domain(self) -> str:
        """The domain this result is about: the envelope domain (SPF), the signer (DKIM), From: (DMARC)."""
        for name in _SUBJECT_PROPERTIES.get(self.method, ()):
            value = self.value(name)
            if value:
                return value.rpartition("@")[2].lower()
        return ""

    @property
    def meaning(self) -> str:
        template = MEANINGS.get((self.method, self.result), "")
        return template.format(domain=self.domain or "the domain")


@dataclass(frozen=True)
class AuthenticationResults:
    authserv_id: str  # the server that wrote the header
    results: Tuple[MethodResult, ...]


def parse_authentication_results(value: str) -> AuthenticationResults:
    """Parse one header value; unreadable method results are skipped rather than guessed."""
    statements = _statements(_without_comments(value))
    authserv_id = statements[0].split()[0] if statements and statements[0].split() else ""
    results = [_method_result(statement) for statement in statements[1:]]
    return AuthenticationResults(authserv_id, tuple(result for result in results if result is not None))


def _method_result(statement: str) -> Optional[MethodResult]:
    tokens = [_unquoted(token) for token in _TOKEN.findall(statement)]
    if not tokens or "=" not in tokens[0]:
        return None  # "none", or noise
    method, _, result = tokens[0].partition("=")
    reason = ""
    properties: List[Tuple[str, str]] = []
    for token in tokens[1:]:
        name, _, content = token.partition("=")
        if name.lower() == "reason":
            reason = content
        elif "." in name:
            properties.append((name.lower(), content))
    return MethodResult(method.split("/")[0].lower(), result.lower(), reason, tuple(properties))


def _without_comments(value: str) -> str:
    """`value` with RFC 5322 comments (nested, with escapes) replaced by a space; quoted strings kept."""
    kept: List[str] = []
    depth, quoted, escaped = 0, False, False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                kept.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                kept.append(char)
        elif quoted:
            quoted = char != '"'
            kept.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if not depth:
                kept.append(" ")
        elif depth == 0:
            quoted = char == '"'
            kept.append(char)
    return "".join(kept)


def _statements(text: str) -> List[str]:
    """Split at semicolons outside quoted strings."""
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def _unquoted(token: str) -> str:
    name, equals, content = token.partition("=")
    if equals and len(content) >= 2 and content[0] == content[-1] == '"':
        content = re.sub(r"\\(.)", r"\1", content[1:-1])
    return f"{name}{equals}{content}"
