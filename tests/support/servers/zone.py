"""Test zones, built record by record and written as zone-file text for BIND.

Names follow zone-file rules: `@` is the apex, a name without a trailing dot is relative to the origin
(`mail` in `example.nl` is `mail.example.nl.`), a name with one is absolute. A zone starts with an SOA
and one name server, `ns1.<origin>`, with its address record.

    zone = Zone("example.nl", nameserver="127.100.0.53")
    zone.mx("@", 10, "mail").a("mail", "127.100.0.25").txt("@", "v=spf1 mx -all")
    zone.tlsa("_25._tcp.mail", 3, 1, 1, "0123...")

For PTR records, `reverse_zone("127.0.0.0/8")` names the zone (`127.in-addr.arpa`) and
`zone.ptr("127.100.0.25", "mail.example.nl.")` writes the record at the address's reverse name.
"""

import ipaddress
from dataclasses import dataclass, field
from typing import List, Optional

import dns.name
import dns.reversename

TXT_STRING_LIMIT = 255  # bytes in one character-string (RFC 1035 3.3)
NEGATIVE_TTL = 60  # short, so that a name added by a test is not hidden by a cached NXDOMAIN for long


def txt_strings(text: str) -> List[str]:
    """`text` as quoted zone-file character-strings of at most 255 bytes each, as long TXT records need."""
    data = text.encode()
    chunks = [data[start:start + TXT_STRING_LIMIT] for start in range(0, len(data), TXT_STRING_LIMIT)]
    return [_quoted(chunk) for chunk in chunks or [b""]]


def _quoted(chunk: bytes) -> str:
    characters = []
    for byte in chunk:
        if byte in b'"\\':
            characters.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            characters.append(chr(byte))
        else:
            characters.append(f"\\{byte:03d}")
    return '"' + "".join(characters) + '"'


def address_type(address: str) -> str:
    return "A" if ipaddress.ip_address(address).version == 4 else "AAAA"


def reverse_zone(network: str) -> str:
    """The in-addr.arpa or ip6.arpa zone of `network`, a prefix ending on an octet (IPv4) or nibble (IPv6)."""
    net = ipaddress.ip_network(network)
    step = 8 if net.version == 4 else 4
    if net.prefixlen % step:
        raise ValueError(f"{network}: a reverse zone needs a prefix that is a multiple of {step} bits")
    labels = dns.reversename.from_address(str(net.network_address)).labels
    # The reverse name lists every octet or nibble; the zone keeps the ones the prefix fixes.
    kept = labels[len(labels) - 3 - net.prefixlen // step:]
    return dns.name.Name(kept).to_text(omit_final_dot=True)


@dataclass
class Zone:
    """The records of one zone; `text(serial)` renders it. Every adder returns the zone, for chaining."""

    origin: str
    nameserver: str  # address of the zone's name server, published as ns1.<origin>
    ttl: int = 300
    lines: List[str] = field(default_factory=list)

    @property
    def nameserver_name(self) -> str:
        return self._in_zone("ns1")

    def _in_zone(self, label: str) -> str:
        return dns.name.from_text(label, dns.name.from_text(self.origin)).to_text()

    def add(self, name: str, rtype: str, data: str, ttl: Optional[int] = None) -> "Zone":
        """Any record, with `data` in zone-file presentation form."""
        ttl_field = "" if ttl is None else f" {ttl}"
        self.lines.append(f"{name}{ttl_field} IN {rtype} {data}")
        return self

    def a(self, name: str, address: str) -> "Zone":
        return self.add(name, "A", str(ipaddress.IPv4Address(address)))

    def aaaa(self, name: str, address: str) -> "Zone":
        return self.add(name, "AAAA", str(ipaddress.IPv6Address(address)))

    def address(self, name: str, address: str) -> "Zone":
        """An A or AAAA record, whichever fits `address`."""
        return self.add(name, address_type(address), address)

    def mx(self, name: str, preference: int, host: str) -> "Zone":
        return self.add(name, "MX", f"{preference} {host}")

    def txt(self, name: str, *texts: str) -> "Zone":
        """One TXT record of `texts`, each split into 255-byte strings where it is longer."""
        return self.add(name, "TXT", " ".join(part for text in texts for part in txt_strings(text)))

    def tlsa(self, name: str, usage: int, selector: int, mtype: int, data: str) -> "Zone":
        return self.add(name, "TLSA", f"{usage} {selector} {mtype} {data}")

    def cname(self, name: str, target: str) -> "Zone":
        return self.add(name, "CNAME", target)

    def ns(self, name: str, host: str) -> "Zone":
        return self.add(name, "NS", host)

    def ds(self, name: str, data: str) -> "Zone":
        return self.add(name, "DS", data)

    def ptr(self, address: str, host: str) -> "Zone":
        """The PTR record of `address`, which must fall in this (reverse) zone."""
        owner = dns.reversename.from_address(address)
        if not owner.is_subdomain(dns.name.from_text(self.origin)):
            raise ValueError(f"{address} has its PTR record in {owner}, outside the zone {self.origin}")
        return self.add(owner.to_text(), "PTR", host)

    def text(self, serial: int) -> str:
        head = [
            f"$ORIGIN {self._in_zone('@')}",
            f"$TTL {self.ttl}",
            f"@ IN SOA {self.nameserver_name} {self._in_zone('hostmaster')} {serial} 3600 600 86400 "
            f"{NEGATIVE_TTL}",
            f"@ IN NS {self.nameserver_name}",
            f"{self.nameserver_name} IN {address_type(self.nameserver)} {self.nameserver}",
        ]
        return "\n".join([*head, *self.lines, ""])
