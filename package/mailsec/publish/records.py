"""Record sets as a provider holds them, what they should hold, and the changes in between.

Pure apart from dnspython's record classes, which give the one text form every provider is compared
in: TLSA as `3 1 1 <lower-case hex>`, TXT as its strings joined (RFC 7208 §3.3, RFC 8461 §3.1), so a
record read back from an RFC 2136 server, an HTTP API or an authoritative server compares equal to the
one mailsec wanted.

`plan_changes` only adds what is missing and removes what is named, so planning again after the changes
were made plans nothing: publishing is idempotent.
"""

from dataclasses import dataclass
from typing import List, Mapping, Sequence, Tuple

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT

TXT_STRING_MAX = 255  # bytes in one character-string (RFC 1035 §3.3)


@dataclass(frozen=True)
class RecordKey:
    """An owner name (absolute, lower case, trailing dot) and a record type: one record set."""

    name: str
    rtype: str

    @classmethod
    def of(cls, name: str, rtype: str) -> "RecordKey":
        return cls(dns.name.from_text(name).to_text().lower(), rtype.upper())


@dataclass(frozen=True)
class RecordSet:
    """What a record set holds, each record in the compared text form."""

    key: RecordKey
    values: Tuple[str, ...] = ()
    ttl: int = 0


@dataclass(frozen=True)
class Wanted:
    """What one record set must hold after publishing.

    `present` must be there; `absent` must not; with `exclusive_prefix`, every other record beginning with
    it goes too (one `v=STSv1` TXT record per name, RFC 8461 §3.1), while unrelated TXT records stay.
    """

    key: RecordKey
    present: Tuple[str, ...]
    ttl: int
    absent: Tuple[str, ...] = ()
    exclusive_prefix: str = ""


@dataclass(frozen=True)
class RecordChange:
    """Records to add to and remove from one record set, planned against what it held (`before`)."""

    key: RecordKey
    add: Tuple[str, ...]
    remove: Tuple[str, ...]
    ttl: int
    before: Tuple[str, ...]

    def added_lines(self) -> List[str]:
        return [zone_line(self.key, value, self.ttl) for value in self.add]

    def removed_lines(self) -> List[str]:
        return [zone_line(self.key, value, self.ttl) for value in self.remove]


def plan_changes(wanted: Sequence[Wanted], current: Mapping[RecordKey, RecordSet]) -> Tuple[RecordChange, ...]:
    """The changes that make each wanted record set hold what it should; none where it already does."""
    changes = []
    for want in wanted:
        held = current.get(want.key, RecordSet(want.key))
        add = tuple(value for value in dict.fromkeys(want.present) if value not in held.values)
        remove = tuple(value for value in held.values if _unwanted(want, value))
        if add or remove:
            changes.append(RecordChange(want.key, add, remove, want.ttl, held.values))
    return tuple(changes)


def _unwanted(want: Wanted, value: str) -> bool:
    if value in want.present:
        return False
    return value in want.absent or bool(want.exclusive_prefix and value.startswith(want.exclusive_prefix))


def value_of(rdata: dns.rdata.Rdata) -> str:
    """The compared text form of a record from dnspython."""
    if rdata.rdtype == dns.rdatatype.TLSA:
        return f"{rdata.usage} {rdata.selector} {rdata.mtype} {rdata.cert.hex()}"
    if rdata.rdtype == dns.rdatatype.TXT:
        return b"".join(rdata.strings).decode("utf-8", "replace")
    return rdata.to_text()


def rdata_of(rtype: str, value: str) -> dns.rdata.Rdata:
    """The dnspython record for a compared text form (TXT split into 255-byte strings as DNS needs)."""
    if rtype == "TXT":
        data = value.encode("utf-8")
        strings = [data[start:start + TXT_STRING_MAX] for start in range(0, len(data), TXT_STRING_MAX)] or [b""]
        return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, strings)
    return dns.rdata.from_text(dns.rdataclass.IN, rtype, value)


def zone_line(key: RecordKey, value: str, ttl: int) -> str:
    return f"{key.name} {ttl} IN {key.rtype} {rdata_of(key.rtype, value).to_text()}"
