"""A dictionary-backed `MailDns` for unit tests: zone data in, typed answers out.

    dns = FakeDns({
        "example.com": {"TXT": ["v=spf1 mx -all"], "MX": [(10, "mx.example.com")]},
        "mx.example.com": {"A": ["192.0.2.1"]},
        "broken.example": TIMEOUT,              # every query of this name times out
        "*._report._dmarc.vendor.example": {"TXT": ["v=DMARC1"]},
    })

A name in the table without the type asked for is "no data"; a name absent from the table (and not
covered by a wildcard) is NXDOMAIN, as is a name marked `NXDOMAIN` explicitly. A TXT value may be a
string or a list of strings (one TXT record made of several character-strings). PTR data is keyed by
the address: `"192.0.2.1": {"PTR": ["mx.example.com"]}`. Every query is recorded in `queries`.
"""

from typing import Any, Dict, List, Tuple

from mailsec.records.lookup import DnsAnswer, MxRecord

TIMEOUT = "timeout"
SERVFAIL = "servfail"
NXDOMAIN = "nxdomain"


class FakeDns:
    def __init__(self, zone: Dict[str, Any]) -> None:
        self.zone = {name.lower().rstrip("."): data for name, data in zone.items()}
        self.queries: List[Tuple[str, str]] = []

    def txt(self, name: str) -> DnsAnswer:
        return self._answer(name, "TXT", lambda value: value if isinstance(value, (list, tuple)) else (value,))

    def a(self, name: str) -> DnsAnswer:
        return self._answer(name, "A", str)

    def aaaa(self, name: str) -> DnsAnswer:
        return self._answer(name, "AAAA", str)

    def mx(self, name: str) -> DnsAnswer:
        return self._answer(name, "MX", lambda value: MxRecord(*value))

    def ptr(self, address: str) -> DnsAnswer:
        return self._answer(address, "PTR", str)

    def _answer(self, name: str, rtype: str, convert) -> DnsAnswer:
        self.queries.append((rtype, name))
        data = self._lookup(name.lower().rstrip("."))
        if data is None or data == NXDOMAIN:
            return DnsAnswer.nxdomain()
        if data in (TIMEOUT, SERVFAIL):
            return DnsAnswer.error(f"{data} asking {name} {rtype}")
        if isinstance(data, dict) and rtype in data and data[rtype] in (TIMEOUT, SERVFAIL):
            return DnsAnswer.error(f"{data[rtype]} asking {name} {rtype}")
        return DnsAnswer.found(tuple(convert(value) for value in data.get(rtype, ())))

    def _lookup(self, name: str) -> Any:
        if name in self.zone:
            return self.zone[name]
        labels = name.split(".")
        for index in range(1, len(labels)):
            wildcard = "*." + ".".join(labels[index:])
            if wildcard in self.zone:
                return self.zone[wildcard]
        return None

    def count(self, rtype: str) -> int:
        return sum(1 for queried, _ in self.queries if queried == rtype)
