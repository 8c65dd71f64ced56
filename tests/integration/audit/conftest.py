"""Every audit test runs with the system's resolver out of reach.

`mailsec check --nameserver` promises that every name, the policy host and the MX hosts included, is
resolved through the servers given. Here the socket module's own name lookups (which use the system's
resolver) fail and are recorded; a test that made any fails at teardown, naming them.
"""

import ipaddress
import socket
from typing import Any, Iterator, List

import pytest


def _is_address(host: Any) -> bool:
    if host is None:
        return True  # a wildcard bind address, no lookup
    text = host.decode() if isinstance(host, bytes) else str(host)
    try:
        ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False
    return True


@pytest.fixture(autouse=True)
def system_resolver_unusable(monkeypatch: pytest.MonkeyPatch) -> Iterator[List[str]]:
    """Name lookups through the system resolver raise `socket.gaierror`; the names asked are kept."""
    asked: List[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def refuse(kind: str, name: Any) -> None:
        asked.append(f"{kind}({name!r})")
        raise socket.gaierror(socket.EAI_FAIL, "the system resolver is off limits in the audit tests")

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_address(host):
            refuse("getaddrinfo", host)
        return real_getaddrinfo(host, *args, **kwargs)

    def by_name(host: Any) -> Any:
        refuse("gethostbyname", host)

    def by_address(host: Any) -> Any:
        refuse("gethostbyaddr", host)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "gethostbyname", by_name)
    monkeypatch.setattr(socket, "gethostbyname_ex", by_name)
    monkeypatch.setattr(socket, "gethostbyaddr", by_address)
    yield asked
    assert not asked, f"names were resolved through the system resolver: {', '.join(asked)}"
