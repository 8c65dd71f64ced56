"""Host name syntax: what a mail host name may look like (RFC 1035, RFC 1123, RFC 5321 §4.1.2)."""

import ipaddress
import re
from typing import Optional

from mailsec.limits import DNS_LABEL_MAX_LEN, DNS_NAME_MAX_LEN

# RFC 5321 sub-domain = Let-dig [Ldh-str]: letters, digits, inner hyphens; RFC 1123 allows a leading digit.
_LDH_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\Z")


def normalize_host(name: str) -> str:
    """The comparable form of a DNS name: lower case, without the root's trailing dot."""
    return name.strip().rstrip(".").lower()


def is_ip_literal(text: str) -> bool:
    """True for an IPv4 or IPv6 address, bracketed or not (`192.0.2.1`, `[IPv6:2001:db8::1]`)."""
    candidate = text.strip().strip("[]")
    if candidate.lower().startswith("ipv6:"):
        candidate = candidate[5:]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def host_name_problem(name: str, *, require_fqdn: bool = True) -> Optional[str]:
    """Why `name` cannot be a mail host name, in one sentence, or None when it can.

    A single trailing dot (the DNS root) is accepted; everything else follows RFC 5321's `Domain`.
    """
    if not name:
        return "the name is empty"
    if is_ip_literal(name):
        return f"{name!r} is an IP address; a host name is required"
    if not name.isascii():
        return f"{name!r} contains non-ASCII characters; use its A-label form (xn--...)"
    text = name[:-1] if name.endswith(".") else name
    if len(text) > DNS_NAME_MAX_LEN:
        return f"the name is {len(text)} characters long; DNS allows at most {DNS_NAME_MAX_LEN}"
    labels = text.split(".")
    for label in labels:
        problem = _label_problem(label)
        if problem:
            return f"{name!r}: {problem}"
    if labels[-1].isdigit():
        return f"{name!r}: the top-level label {labels[-1]!r} is all digits"
    if require_fqdn and len(labels) < 2:
        return f"{name!r} is not a fully qualified domain name (it has a single label)"
    return None


def _label_problem(label: str) -> Optional[str]:
    if not label:
        return "it has an empty label (two dots in a row, or a leading dot)"
    if len(label) > DNS_LABEL_MAX_LEN:
        return f"the label {label[:20]!r}... is {len(label)} characters long; at most {DNS_LABEL_MAX_LEN}"
    if "_" in label:
        return f"the label {label!r} contains an underscore, which host names may not"
    if not _LDH_LABEL.match(label):
        return (
            f"the label {label!r} may only hold letters, digits and hyphens, "
            "and may not start or end with a hyphen"
        )
    return None


def name_matches(pattern: str, host: str) -> bool:
    """True when `host` matches `pattern`, case-insensitively and ignoring a trailing dot.

    A wildcard may only be the whole left-most label and stands for exactly one label:
    `*.example.com` matches `mail.example.com`, never `example.com` nor `a.b.example.com`. This is
    the rule of RFC 6125 §6.4.3 for certificate names and of RFC 8461 §4.1 for MTA-STS `mx` patterns.
    """
    wanted, name = normalize_host(pattern), normalize_host(host)
    if wanted.startswith("*."):
        suffix = wanted[1:]
        label = name[: -len(suffix)] if name.endswith(suffix) else ""
        return bool(label) and "." not in label
    return bool(wanted) and wanted == name
