"""Checked values from report documents: bounded text, counts, addresses, and who sent a report.

JSON and XML from strangers may hold any type anywhere: a count as a string, a list where text belongs,
a megabyte of control characters. These functions accept what honest reporters send (including common
sloppiness, such as a count written as `"12"`) and refuse the rest with a `ReportError` that names the
field. Text is stored as received; output layers escape it for display.
"""

import ipaddress
from dataclasses import dataclass
from typing import Optional

from mailsec.reports.errors import ReportError
from mailsec.reports.limits import MAX_COUNT, MAX_TEXT_CHARS


@dataclass(frozen=True)
class ReportOrigin:
    """Who sent a report, its id, and the period it covers (seconds since the epoch, UTC)."""

    organization: str
    report_id: str
    contact: str
    begin: int
    end: int


def text(value: object, field: str, required: bool = False) -> str:
    """A string of at most `MAX_TEXT_CHARS`, trimmed; "" when absent and not required."""
    if value is None or value == "":
        if required:
            raise ReportError(f"{field} is missing")
        return ""
    if not isinstance(value, str):
        raise ReportError(f"{field} should be text, not {type(value).__name__}")
    if len(value) > MAX_TEXT_CHARS:
        raise ReportError(f"{field} is longer than {MAX_TEXT_CHARS} characters")
    trimmed = value.strip()
    if required and not trimmed:
        raise ReportError(f"{field} is empty")
    return trimmed


def count(value: object, field: str) -> int:
    """A non-negative whole number (digits in a string are accepted; booleans are not numbers)."""
    number = _whole_number(value)
    if number is None or number < 0:
        raise ReportError(f"{field} should be a count, not {_shorten(value)}")
    if number > MAX_COUNT:
        raise ReportError(f"{field} is implausibly large ({number})")
    return number


def ip_address(value: object, field: str, required: bool = False) -> str:
    """An IPv4 or IPv6 address in its canonical text form; "" when absent and not required."""
    raw = text(value, field, required)
    if not raw:
        return ""
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        raise ReportError(f"{field} is not an IP address: {_shorten(raw)}") from None


def checked_origin(origin: ReportOrigin) -> ReportOrigin:
    """`origin` if its period makes sense."""
    if origin.end < origin.begin:
        raise ReportError(f"the report period ends before it begins ({origin.begin} > {origin.end})")
    return origin


def _whole_number(value: object) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and value.strip().isdigit() and len(value) <= 20:
        return int(value)
    return None


def _shorten(value: object, limit: int = 40) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."
