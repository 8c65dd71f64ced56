"""Loopback addresses that no other test run on this machine is using.

Linux answers on every address of 127.0.0.0/8 without configuration, so each server gets an address of
its own and listens on the real port (53, 25, 443, 993): mailsec connects to port 25 and 443 of whatever
address a name resolves to. Several test runs share the machine (other worktrees, pytest-xdist workers),
so an address is claimed with an exclusive `flock` on a file named after it in a directory all runs
share. The kernel drops the lock when the process ends, however it ends, so a crashed run never keeps
an address. Before an address is handed out its ports are checked free, which also steps around
servers started by anything that does not take part in the locking.
"""

import fcntl
import os
import random
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Optional, Sequence

LOCK_DIRECTORY = Path(os.environ.get("MAILSEC_LOOPBACK_LOCKS", "/tmp/mailsec-loopback"))
# 127.0.0.0/16 holds the addresses the system itself uses (127.0.0.1, 127.0.0.53, 127.0.1.1).
FIRST_OCTETS = range(100, 200)
# Ports for the servers that can only listen on 127.0.0.1 (see `LoopbackPool.shared_port`); below the
# kernel's ephemeral range (32768-60999), so outgoing connections never take them.
SHARED_PORTS = range(20000, 32000)
ATTEMPTS = 200


@dataclass(frozen=True)
class Endpoint:
    """Where a server listens. `str()` gives `host:port`, the form mailsec's `--nameserver` takes."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def ports_are_free(host: str, ports: Iterable[int]) -> bool:
    """True when nothing holds any of `ports` on `host`, over TCP or UDP."""
    for port in ports:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            with socket.socket(socket.AF_INET, kind) as probe:
                if kind == socket.SOCK_STREAM:
                    # A closed connection lingering in TIME_WAIT does not stop a server from listening.
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind((host, port))
                except OSError:
                    return False
    return True


class LoopbackPool:
    """Hands out loopback addresses (and ports on 127.0.0.1) unique among all test runs on the machine."""

    def __init__(self, lock_directory: Path = LOCK_DIRECTORY, rng: Optional[random.Random] = None) -> None:
        self._lock_directory = lock_directory
        self._locks: Dict[Endpoint, int] = {}  # claimed endpoint -> its locked file
        self._random = rng or random.SystemRandom()

    @property
    def claimed(self) -> FrozenSet[Endpoint]:
        """What the pool holds now: addresses (with port 0) and shared ports."""
        return frozenset(self._locks)

    def address(self, ports: Sequence[int]) -> str:
        """A fresh 127.x.y.z on which all `ports` are free."""
        for _ in range(ATTEMPTS):
            second, third, fourth = (
                self._random.choice(FIRST_OCTETS), self._random.randrange(256), self._random.randrange(1, 255)
            )
            host = f"127.{second}.{third}.{fourth}"
            if self._claim(Endpoint(host, 0), ports):
                return host
        raise RuntimeError(
            f"no loopback address with free ports {list(ports)} after {ATTEMPTS} tries; "
            "does a server listen on 0.0.0.0 on one of them?"
        )

    def shared_port(self) -> Endpoint:
        """A free port on 127.0.0.1, for servers that only listen on addresses an interface carries."""
        for _ in range(ATTEMPTS):
            endpoint = Endpoint("127.0.0.1", self._random.choice(SHARED_PORTS))
            if self._claim(endpoint, [endpoint.port]):
                return endpoint
        raise RuntimeError(f"no free port on 127.0.0.1 in {SHARED_PORTS} after {ATTEMPTS} tries")

    def release(self, host: str, port: int = 0) -> None:
        """Give back an address (`port` 0) or a shared port, so that other runs may claim it."""
        lock_fd = self._locks.pop(Endpoint(host, port), None)
        if lock_fd is not None:
            os.close(lock_fd)

    def close(self) -> None:
        for lock_fd in self._locks.values():
            os.close(lock_fd)
        self._locks.clear()

    def __enter__(self) -> "LoopbackPool":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _claim(self, endpoint: Endpoint, ports: Sequence[int]) -> bool:
        self._lock_directory.mkdir(parents=True, exist_ok=True)
        name = endpoint.host if endpoint.port == 0 else f"{endpoint.host}_{endpoint.port}"
        fd = os.open(str(self._lock_directory / f"{name}.lock"), os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        if not ports_are_free(endpoint.host, ports):
            os.close(fd)
            return False
        self._locks[endpoint] = fd
        return True

