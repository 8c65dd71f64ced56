"""Unbound as the validating resolver in front of the test zones, on port 53 of its own loopback address.

Unbound sends every query to one upstream server (a stub zone for the root pointing at BIND), so any zone
BIND serves resolves, including zones added after Unbound started, and nothing leaves the machine: no
root hints are used and Unbound never learns of another server. A zone validates as secure when a
`TrustAnchor` covers it, as insecure when none does, and answers SERVFAIL when it is bogus.

Unbound caches; after changing a zone that was already looked up, call `flush()`.

The test servers live on 127.0.0.0/8, so the reverse names of their addresses must resolve like any
other: Unbound's built-in answer for `127.in-addr.arpa` (RFC 6303, NXDOMAIN for everything) is switched
off, and those names go to BIND like the rest (serve `reverse_zone("127.0.0.0/8")` there).
"""

from pathlib import Path
from typing import Sequence

from tests.support.servers.dns_proxy import DNS_PORT
from tests.support.servers.dnssec import TrustAnchor
from tests.support.servers.loopback import Endpoint
from tests.support.servers.process import Daemon, DaemonServer, find_program, run_tool
from tests.support.servers.ready import dns_answers


class UnboundResolver(DaemonServer):
    PORTS = (DNS_PORT,)

    def __init__(
        self, address: str, workdir: Path, upstream: Endpoint, trust_anchors: Sequence[TrustAnchor] = ()
    ) -> None:
        self.address = Endpoint(address, DNS_PORT)
        self.upstream = upstream
        self.trust_anchors = tuple(trust_anchors)
        self._workdir = workdir
        self._config = workdir / "unbound.conf"
        unbound = find_program("unbound", "unbound")
        super().__init__(Daemon("unbound", [unbound, "-d", "-c", str(self._config)], workdir / "unbound.log"))

    def __enter__(self) -> "UnboundResolver":
        self._workdir.mkdir(parents=True, exist_ok=True)
        self._config.write_text(self._config_text())
        run_tool([find_program("unbound-checkconf", "unbound"), str(self._config)])
        self.daemon.start(lambda: dns_answers(self.address))
        return self

    def flush(self) -> None:
        """Forget every cached answer and key (Unbound reloads its configuration)."""
        run_tool([find_program("unbound-control", "unbound"), "-c", str(self._config), "reload"])
        self.daemon.wait_until(lambda: dns_answers(self.address), "answer after reloading")

    def _config_text(self) -> str:
        records = [record for anchor in self.trust_anchors for record in anchor.records]
        anchors = "".join(f'    trust-anchor: "{record}"\n' for record in records)
        return f"""\
server:
    interface: {self.address.host}
    port: {self.address.port}
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "{self._workdir}"
    pidfile: "{self._workdir / 'unbound.pid'}"
    use-syslog: no
    logfile: ""
    verbosity: 1
    val-log-level: 2
    num-threads: 1
    so-reuseport: no
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    qname-minimisation: no
    module-config: "validator iterator"
    trust-anchor-signaling: no
    local-zone: "127.in-addr.arpa." nodefault
{anchors}
stub-zone:
    name: "."
    stub-addr: {self.upstream.host}@{self.upstream.port}

remote-control:
    control-enable: yes
    control-use-cert: no
    control-interface: "{self._workdir / 'control.sock'}"
"""
