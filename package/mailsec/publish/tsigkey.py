"""BIND key files as `tsig-keygen` writes them: the TSIG key that signs mailsec's dynamic updates.

    key "update.example.nl" {
        algorithm hmac-sha256;
        secret "cGFzc3dvcmQ...";
    };

dnspython uses TSIG keys but has no reader for this file format, so this module reads it, strictly: one
`key` statement holding exactly one `algorithm` and one `secret`, with the comments named allows. A file
that is anything else (a zone file, a DNSSEC key, a truncated copy) is refused with one sentence when it
is configured, rather than failing at the first renewal. No message ever repeats text from the file,
which could be part of the secret.
"""

import base64
import binascii
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import dns.exception
import dns.name
import dns.tsig

from mailsec.errors import MailsecError

ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5")
MAX_KEY_FILE_BYTES = 64 * 1024  # a key file is a few lines; anything larger is the wrong file

_TOKEN = re.compile(
    r'(?P<space>\s+)|(?P<comment>#[^\n]*|//[^\n]*|/\*.*?\*/)|(?P<string>"[^"\n]*")|(?P<punct>[{};])'
    r'|(?P<word>[^\s{};"#/]+)',
    re.DOTALL,
)


class KeyFileError(MailsecError):
    """A TSIG key file that cannot be used."""


@dataclass(frozen=True)
class TsigKey:
    """A TSIG key: its name as the server knows it, its algorithm and its base64 secret (never shown)."""

    name: str
    algorithm: str
    secret: str = field(repr=False)

    def for_dnspython(self) -> dns.tsig.Key:
        return dns.tsig.Key(self.name, self.secret, self.algorithm)


def read_key_file(path: Path) -> TsigKey:
    """The key in `path`, or a `KeyFileError` saying in one sentence what is wrong."""
    try:
        data = path.read_bytes()[: MAX_KEY_FILE_BYTES + 1]
    except FileNotFoundError:
        raise KeyFileError(f"the TSIG key file {path} does not exist.") from None
    except PermissionError:
        raise KeyFileError(f"cannot read the TSIG key file {path}: permission denied.") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read the TSIG key file {path}: {exc.strerror}.") from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise _malformed(path, "it is far larger than a key file")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise _malformed(path, "it is not plain ASCII text") from None
    return parse_key_file(text, str(path))


def parse_key_file(text: str, source: str) -> TsigKey:
    tokens = list(_tokens(text, source))
    if not tokens:
        raise _malformed(source, "it is empty")
    keys = sum(1 for kind, value, _ in tokens if kind == "word" and value.lower() == "key")
    if keys > 1:
        raise _malformed(source, f"it holds {keys} key statements; give a file with the one key for updates")
    reader = _Reader(tokens, source)
    key = reader.key_statement()
    reader.end()
    return key


def _malformed(source: object, reason: str) -> KeyFileError:
    return KeyFileError(f"{source} is not a BIND key file as tsig-keygen writes it: {reason}.")


def _tokens(text: str, source: str) -> Iterator[Tuple[str, str, int]]:
    """(kind, text, line) of each token; comments and white space dropped."""
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        line = text.count("\n", 0, position) + 1
        if match is None:
            raise _malformed(source, f"line {line} has an unterminated string or comment")
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            yield kind, match.group(), line
        position = match.end()


class _Reader:
    """A recursive-descent reader over the tokens of one `key` statement."""

    def __init__(self, tokens: List[Tuple[str, str, int]], source: str) -> None:
        self._tokens = tokens
        self._next = 0
        self._source = source

    def key_statement(self) -> TsigKey:
        self._keyword("key")
        name = self._name()
        self._expect("{", "after the key name")
        fields: Dict[str, str] = {}
        while not self._peek("}"):
            keyword, value = self._field()
            if keyword in fields:
                raise self._error(f"the key gives its {keyword} twice")
            fields[keyword] = value
        self._expect("}", "to close the key")
        self._expect(";", "after the closing brace")
        for required in ("algorithm", "secret"):
            if required not in fields:
                raise self._error(f"the key has no {required}")
        return TsigKey(name, self._algorithm(fields["algorithm"]), self._secret(fields["secret"]))

    def end(self) -> None:
        if self._next < len(self._tokens):
            raise self._error(f"line {self._tokens[self._next][2]} has text after the key statement")

    def _name(self) -> str:
        kind, value, line = self._take("a key name")
        if kind not in ("word", "string"):
            raise self._error(f"line {line}: expected the key name after 'key'")
        try:
            return dns.name.from_text(value.strip('"')).to_text(omit_final_dot=True).lower()
        except dns.exception.DNSException:
            raise self._error(f"line {line}: the key name is not a valid DNS name") from None

    def _field(self) -> Tuple[str, str]:
        kind, keyword, line = self._take("'algorithm', 'secret' or '}'")
        keyword = keyword.lower()
        if kind != "word" or keyword not in ("algorithm", "secret"):
            raise self._error(f"line {line}: expected 'algorithm', 'secret' or '}}' inside the key")
        value_kind, value, _ = self._take(f"a value for {keyword}")
        if (keyword == "secret") != (value_kind == "string"):
            raise self._error(f"line {line}: the {keyword} must be " + ("quoted" if keyword == "secret" else "a word"))
        self._expect(";", f"after the {keyword}")
        return keyword, value.strip('"')

    def _keyword(self, word: str) -> None:
        kind, value, line = self._take(f"'{word}'")
        if kind != "word" or value.lower() != word:
            raise self._error(f"line {line}: expected the '{word}' statement")

    def _expect(self, punctuation: str, where: str) -> None:
        _, value, line = self._take(f"'{punctuation}' {where}")
        if value != punctuation:
            raise self._error(f"line {line}: expected '{punctuation}' {where}")

    def _peek(self, punctuation: str) -> bool:
        return self._next < len(self._tokens) and self._tokens[self._next][1] == punctuation

    def _take(self, wanted: str) -> Tuple[str, str, int]:
        if self._next >= len(self._tokens):
            raise self._error(f"it ends where {wanted} should follow")
        token = self._tokens[self._next]
        self._next += 1
        return token

    def _algorithm(self, value: str) -> str:
        algorithm = value.lower().rstrip(".")
        if algorithm not in ALGORITHMS:
            raise self._error(f"its algorithm is not one of {', '.join(ALGORITHMS)}")
        return algorithm

    def _secret(self, value: str) -> str:
        try:
            decoded = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise self._error("its secret is not base64") from None
        if not decoded:
            raise self._error("its secret is empty")
        return value

    def _error(self, reason: str) -> KeyFileError:
        return _malformed(self._source, reason)
