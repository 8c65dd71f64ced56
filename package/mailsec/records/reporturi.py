"""Report destination URIs: the `rua` list of TLS-RPT (RFC 8460 §3) and `rua`/`ruf` of DMARC.

Both lists are URIs (RFC 3986) separated by commas with optional whitespace around them. Because `,`
separates the URIs, `;` ends the field and DMARC (RFC 7489) used `!` for a size suffix, those three
characters must be percent-encoded inside a URI. The destination host (the mailbox domain of a
`mailto:` URI, the web host of an `https:` one) is what DMARC's external-destination rule compares.
"""

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple
from urllib.parse import unquote, urlsplit

from mailsec.names import host_name_problem, normalize_host
from mailsec.records.issues import IssueLog

_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+;=%]*\Z")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_SIZE_SUFFIX = re.compile(r"!([0-9]+[kmgtKMGT]?)\Z")
WSP = " \t"


@dataclass(frozen=True)
class ReportUri:
    """One destination: `uri` as written (without a DMARC size suffix), `scheme` lower case, `host` the
    receiving domain in comparable form ("" when the URI names none)."""

    uri: str
    scheme: str
    host: str
    size_limit: Optional[str] = None


def parse_uri_list(value: str, problems: IssueLog, *, size_suffix: bool) -> Tuple[ReportUri, ...]:
    """Every well-formed URI of the list; each malformed one is logged as an error and left out.

    `size_suffix` accepts DMARC's `!<size>[kmgt]` ending; elsewhere a `!` is an unencoded character.
    """
    uris: List[ReportUri] = []
    for item in value.split(","):
        text = item.strip(WSP)
        if not text:
            problems.error("the list has an empty entry; remove the extra `,`", value)
            continue
        uri = _parse_uri(text, problems, size_suffix)
        if uri is not None:
            uris.append(uri)
    return tuple(uris)


def _parse_uri(text: str, problems: IssueLog, size_suffix: bool) -> Optional[ReportUri]:
    size = None
    suffix = _SIZE_SUFFIX.search(text) if size_suffix else None
    if suffix:
        size, text = suffix.group(1), text[: suffix.start()]
    if "!" in text:
        problems.error("`!` inside a URI must be percent-encoded as `%21`" + (
            "" if size_suffix else "; a DMARC-style size suffix such as `!10m` does not exist here"), text)
        return None
    if not _URI_CHARS.match(text) or _BAD_PERCENT.search(text):
        problems.error(
            "is not a valid URI: spaces, control and non-ASCII characters must be percent-encoded, and "
            "`%` must start a two-digit hex code",
            text,
        )
        return None
    scheme = _SCHEME.match(text)
    if not scheme:
        problems.error("has no scheme; write `mailto:` before an address, or a full `https://` URL", text)
        return None
    name = scheme.group(1).lower()
    host = _host(name, text[scheme.end() :], problems, text)
    return None if host is None else ReportUri(text, name, host, size)


def _host(scheme: str, rest: str, problems: IssueLog, text: str) -> Optional[str]:
    if scheme == "mailto":
        address = unquote(rest.partition("?")[0])
        local, at, domain = address.rpartition("@")
        if not at or not local:
            problems.error("is not a mail address; write `mailto:name@example.com`", text)
            return None
    elif scheme in ("https", "http"):
        try:
            domain = urlsplit(text).hostname or ""
        except ValueError:
            domain = ""
    else:
        return ""
    problem = host_name_problem(domain)
    if problem:
        problems.error(f"names no usable destination host: {problem}", text)
        return None
    return normalize_host(domain)
