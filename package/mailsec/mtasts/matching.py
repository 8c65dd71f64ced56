"""MTA-STS `mx` patterns (RFC 8461 §3.2, §4.1): their syntax and how they match MX host names."""

from typing import Optional

from mailsec.names import host_name_problem, is_ip_literal, name_matches

WILDCARD_PREFIX = "*."


def mx_pattern_problem(pattern: str) -> Optional[str]:
    """Why `pattern` is not a valid `mx` value (`["*."] Domain`), or None."""
    if is_ip_literal(pattern):
        return f"{pattern!r} is an IP address; mx must name the MX host as the MX record does"
    if pattern.endswith("."):
        return f"{pattern!r} ends with a dot; write the name without it"
    name = pattern[len(WILDCARD_PREFIX) :] if pattern.startswith(WILDCARD_PREFIX) else pattern
    if "*" in name:
        return f"{pattern!r}: a wildcard may only be the whole left-most label, as in '*.example.com'"
    return host_name_problem(name)


def mx_matches(pattern: str, host: str) -> bool:
    """True when MX host `host` matches `mx` pattern `pattern` (RFC 8461 §4.1)."""
    return name_matches(pattern, host)
