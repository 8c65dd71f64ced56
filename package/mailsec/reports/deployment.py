"""What is deployed now: the facts a report's failures are checked against.

A report tells what a sender saw yesterday; whether it still matters depends on today's certificate,
DNS and policy. `Deployment` holds those facts as plain values (looked up by `lookups`), so that the
interpretation stays a pure function and tests can state any situation directly. Every field may be
unknown; a diagnosis then falls back to the general cause and says what it could not check.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, FrozenSet, Optional, Tuple


@dataclass(frozen=True)
class NasCertificate:
    """The certificate DSM assigns to MailPlus Server."""

    names: Tuple[str, ...]
    not_before: datetime
    not_after: datetime
    key_rdata: str  # "3 1 1 <hex>" for its key, the record DANE needs
    matching_rdata: FrozenSet[str]  # every "u s m <hex>" (usage 2 or 3) that matches its chain


@dataclass(frozen=True)
class PublishedTlsa:
    """The TLSA records DNS has now for one MX host (port 25)."""

    host: str
    rdata: Tuple[str, ...]  # "u s m <hex>", hex in lower case
    secure: bool  # the validating resolver vouched for them (AD)
    failure: str = ""  # why the lookup failed (SERVFAIL, timeout), "" when DNS answered


@dataclass(frozen=True)
class Deployment:
    certificate: Optional[NasCertificate] = None
    tlsa: Dict[str, PublishedTlsa] = field(default_factory=dict)  # by MX host name
    policies: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # configured MTA-STS lines by domain
    own_addresses: FrozenSet[str] = frozenset()  # addresses of the configured MX hosts
    notes: Tuple[str, ...] = ()  # what could not be looked up, and why


def normalized_rdata(text: str) -> str:
    """`3 1 1 ABCD ef` -> `3 1 1 abcdef`: TLSA presentation form reduced to one comparable string."""
    parts = text.split()
    if len(parts) < 4:
        return " ".join(parts).lower()
    return " ".join(parts[:3]) + " " + "".join(parts[3:]).lower()
