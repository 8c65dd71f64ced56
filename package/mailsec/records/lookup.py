"""The DNS answers the record checks need, as typed values, and the lookup interface they are given.

The parsers never resolve anything themselves. Where a rule needs DNS (SPF include trees and
evaluation, the DMARC tree walk, report destination authorisation) the caller passes any object with
the methods of the `MailDns` protocol; the audit backs it with dnspython, unit tests with a dictionary.

Every method returns a `DnsAnswer` and never raises for a DNS outcome. The four outcomes are kept
apart because the RFCs treat them differently: NXDOMAIN and "no data" are answers (SPF counts them as
void lookups, DMARC as "no record"), while a timeout or SERVFAIL is `ERROR` and must end up as a
temperror or an error finding with its `reason`, never as "none" or "pass".

Names are passed in text form without the trailing dot and are to be treated as absolute.

Backed by `mailsec.resolver.DnsResolver`, each method is a few lines: `query(name, "TXT")` and so on,
then `Outcome.ANSWER` -> `DnsAnswer.found(...)`, `NXDOMAIN` -> `nxdomain()`, `NODATA` -> `no_data()`,
and any `lookup.failed` -> `error(lookup.describe())`. Records convert as TXT `tuple(rdata.strings)`,
A/AAAA `rdata.address`, MX `MxRecord(rdata.preference, rdata.exchange.to_text(omit_final_dot=True))`
(a null MX's root exchange as `""`), and PTR through `query_address(address)` with
`rdata.target.to_text(omit_final_dot=True)`.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Generic, NamedTuple, Protocol, Tuple, TypeVar

from mailsec.records.txt import TxtData

T = TypeVar("T")


class LookupStatus(str, Enum):
    FOUND = "found"
    NXDOMAIN = "nxdomain"  # RCODE 3: the name does not exist
    NO_DATA = "no-data"  # the name exists but has no record of the type asked for
    ERROR = "error"  # timeout, SERVFAIL, refused, unreachable server: no answer at all


@dataclass(frozen=True)
class DnsAnswer(Generic[T]):
    """The outcome of one query: its records when found, the reason when it failed."""

    status: LookupStatus
    records: Tuple[T, ...] = ()
    reason: str = ""

    @classmethod
    def found(cls, records: Tuple[T, ...]) -> "DnsAnswer[T]":
        return cls(LookupStatus.FOUND if records else LookupStatus.NO_DATA, tuple(records))

    @classmethod
    def nxdomain(cls) -> "DnsAnswer[T]":
        return cls(LookupStatus.NXDOMAIN)

    @classmethod
    def no_data(cls) -> "DnsAnswer[T]":
        return cls(LookupStatus.NO_DATA)

    @classmethod
    def error(cls, reason: str) -> "DnsAnswer[T]":
        return cls(LookupStatus.ERROR, (), reason or "the DNS query failed")

    @property
    def failed(self) -> bool:
        return self.status is LookupStatus.ERROR

    @property
    def void(self) -> bool:
        """An answer with nothing in it: what RFC 7208 §4.6.4 calls a void lookup."""
        return self.status in (LookupStatus.NXDOMAIN, LookupStatus.NO_DATA)


class MxRecord(NamedTuple):
    preference: int
    exchange: str  # "" (or ".") for a null MX (RFC 7505)


class TxtLookup(Protocol):
    """What the DMARC tree walk and report authorisation need: TXT records at a name.

    `txt(name)` answers one `TxtData` per TXT record: the record's strings (dnspython's
    `rdata.strings`, a tuple of bytes) in order.
    """

    def txt(self, name: str) -> "DnsAnswer[TxtData]":
        ...


class MailDns(TxtLookup, Protocol):
    """What SPF needs besides TXT: addresses, MX and PTR records.

    `a`/`aaaa` answer address texts (`"192.0.2.1"`, `"2001:db8::1"`), `mx` answers `MxRecord`s and
    `ptr(address)` answers the host names (without trailing dot) of the PTR records of the reverse name
    of `address` (an IPv4 or IPv6 address in text form).
    """

    def a(self, name: str) -> "DnsAnswer[str]":
        ...

    def aaaa(self, name: str) -> "DnsAnswer[str]":
        ...

    def mx(self, name: str) -> "DnsAnswer[MxRecord]":
        ...

    def ptr(self, address: str) -> "DnsAnswer[str]":
        ...
