"""Resolver addresses as the owner writes them: `IP`, `IP:PORT`, `[IPv6]:PORT`."""

import ipaddress
from dataclasses import dataclass
from typing import Iterable, Tuple, Type

from mailsec.errors import MailsecError

DNS_PORT = 53


@dataclass(frozen=True)
class Nameserver:
    address: str
    port: int = DNS_PORT

    def __str__(self) -> str:
        if self.port == DNS_PORT:
            return self.address
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


def parse_nameserver(text: str) -> Nameserver:
    """Parse `192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53` or `[2001:db8::53]:5353`.

    Raises ValueError with a sentence the owner can act on.
    """
    value = text.strip()
    host, port_text = value, ""
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ValueError(f"{text!r}: write an IPv6 address with a port as [address]:port")
        port_text = rest[1:]
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address (a name server is given by its address)") from None
    port = DNS_PORT
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"{text!r}: the port must be a number from 1 to 65535")
        port = int(port_text)
    return Nameserver(str(address), port)


def parse_nameservers(values: Iterable[str], error: Type[MailsecError] = MailsecError) -> Tuple[Nameserver, ...]:
    """Every address of `values`, or `error` naming the one that is not an address."""
    try:
        return tuple(parse_nameserver(value) for value in values)
    except ValueError as exc:
        raise error(f"invalid name server: {exc}") from None
