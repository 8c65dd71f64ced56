"""DNSSEC for test zones: signing with BIND's tools, spoiling the result, and the trust anchor to validate it.

A test zone has no signed parent, so a validator learns its key from a `TrustAnchor`: the DS records
the parent would publish. Two ways to make a zone bogus, as validators meet them in the wild:
signatures whose validity ended (`expired=True`) and a record changed after signing (`ForgedRecord`).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, NamedTuple, Tuple

import dns.dnssec
import dns.name
import dns.rdataclass
import dns.rdataset
import dns.zone
from dns.rdtypes.ANY.DNSKEY import DNSKEY
from dns.rdtypes.dnskeybase import Flag

from tests.support.servers.process import find_program, run_tool

ALGORITHM = "ECDSAP256SHA256"  # algorithm 13, what a signer picks today
DS_DIGEST = "SHA256"


@dataclass(frozen=True)
class TrustAnchor:
    """The DS records of `zone`'s key-signing keys, as its parent would publish them."""

    zone: str
    ds: Tuple[str, ...]  # DS rdata in presentation form: "<key tag> 13 2 <hex digest>"

    @classmethod
    def from_dnskeys(cls, zone: str, dnskeys: Iterable[DNSKEY]) -> "TrustAnchor":
        name = dns.name.from_text(zone)
        entry_keys = [key for key in dnskeys if key.flags & Flag.SEP]
        if not entry_keys:
            raise ValueError(f"{zone} has no key-signing key (DNSKEY with the SEP flag)")
        return cls(zone, tuple(dns.dnssec.make_ds(name, key, DS_DIGEST).to_text() for key in entry_keys))

    @property
    def records(self) -> Tuple[str, ...]:
        """`<zone>. DS <rdata>` lines, as Unbound's `trust-anchor:` and a parent zone file take them."""
        owner = dns.name.from_text(self.zone).to_text()
        return tuple(f"{owner} DS {rdata}" for rdata in self.ds)


class ForgedRecord(NamedTuple):
    """An RRset whose data is replaced after signing, so that its signature no longer matches."""

    name: str  # relative to the zone's origin, or absolute
    rtype: str
    data: str  # the new data, in presentation form


def sign_zone(zone_file: Path, origin: str, key_directory: Path, expired: bool = False) -> Path:
    """Sign `zone_file` with a KSK and a ZSK kept in `key_directory` (made on first use); return the result.

    With `expired`, every signature expired a week ago, beyond the clock skew validators allow.
    """
    key_directory.mkdir(parents=True, exist_ok=True)
    if not any(key_directory.glob("K*.key")):
        keygen = find_program("dnssec-keygen", "bind9-utils")
        for role in (["-f", "KSK"], []):
            run_tool([keygen, "-q", "-a", ALGORITHM, "-K", str(key_directory), *role, origin])
    signed = zone_file.with_name(zone_file.name + ".signed")
    validity = ["-P", "-s", "now-30d", "-e", "now-7d"] if expired else []  # -P: do not verify what we spoil
    keys = ["-K", str(key_directory), "-d", str(key_directory)]
    run_tool([
        find_program("dnssec-signzone", "bind9-utils"), "-S", *keys, *validity,
        "-o", origin, "-f", str(signed), str(zone_file),
    ])
    return signed


def forge(signed_file: Path, origin: str, records: Iterable[ForgedRecord]) -> None:
    """Replace the data of existing RRsets in a signed zone file, keeping their (now wrong) signatures."""
    zone = dns.zone.from_file(str(signed_file), origin, relativize=False)
    for record in records:
        name = dns.name.from_text(record.name, dns.name.from_text(origin))
        current = zone.find_rdataset(name, record.rtype)
        forged = dns.rdataset.from_text(dns.rdataclass.IN, record.rtype, current.ttl, record.data)
        zone.replace_rdataset(name, forged)
    zone.to_file(str(signed_file), relativize=False)

