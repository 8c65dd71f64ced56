"""`ServerStack` starts servers on fresh loopback addresses and stops them all, in reverse order, on close.

Each server gets an address from the `LoopbackPool` (with its ports checked free) and a work directory
below the stack's own, which is removed on close. The stack's directory is traversable by other users
(mode 0711), because Postfix and Dovecot drop root before they read their queue and mailboxes.
"""

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Mapping, Optional, Sequence, TypeVar

from tests.support.pki import ServerCertificate
from tests.support.servers.bind import BindServer
from tests.support.servers.dns_proxy import DnsProxy
from tests.support.servers.dnssec import TrustAnchor
from tests.support.servers.dovecot import DovecotServer
from tests.support.servers.loopback import Endpoint, LoopbackPool
from tests.support.servers.nginx import HttpsSite, NginxServer
from tests.support.servers.postfix import PostfixServer, SmtpService
from tests.support.servers.silent import SilentHost
from tests.support.servers.unbound import UnboundResolver

Server = TypeVar("Server", bound=contextlib.AbstractContextManager)


class ServerStack:
    """The servers of one test module (or one benchmark), each on an address of its own."""

    def __init__(self, pool: LoopbackPool) -> None:
        self.pool = pool
        self.workdir = Path(tempfile.mkdtemp(prefix="mailsec-servers-"))
        self.workdir.chmod(0o711)
        self._stack = contextlib.ExitStack()
        self._stack.callback(shutil.rmtree, str(self.workdir), ignore_errors=True)

    def __enter__(self) -> "ServerStack":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    def address(self, ports: Sequence[int]) -> str:
        """A loopback address for the stack's lifetime with `ports` free (for a server made by the test)."""
        address = self.pool.address(ports)
        self._stack.callback(self.pool.release, address)
        return address

    def start(self, server: Server) -> Server:
        """Enter `server` and stop it when the stack closes."""
        return self._stack.enter_context(server)

    def bind(self) -> BindServer:
        """A BIND 9 without zones; add them with `serve`, `serve_signed` and `serve_dynamic`."""
        listener = self.pool.shared_port()
        self._stack.callback(self.pool.release, listener.host, listener.port)
        address = self.address(BindServer.PORTS)
        return self.start(BindServer(address, self._workdir("named", address), listener))

    def unbound(self, upstream: BindServer, trust_anchors: Sequence[TrustAnchor] = ()) -> UnboundResolver:
        """A validating resolver that asks `upstream` everything and trusts `trust_anchors`."""
        address = self.address(UnboundResolver.PORTS)
        workdir = self._workdir("unbound", address)
        return self.start(UnboundResolver(address, workdir, upstream.listener, trust_anchors))

    def dns_proxy(self, upstream: Endpoint, delay_ms: float = 0.0, tcp: bool = True) -> DnsProxy:
        """A relay to `upstream` that holds every query back for `delay_ms` (over UDP only without `tcp`)."""
        return self.start(DnsProxy(self.address(DnsProxy.PORTS), upstream, delay_ms, tcp))

    def silent_host(self, ports: Sequence[int]) -> SilentHost:
        """An address where connections to `ports` are accepted and queries received, and nothing answers."""
        return self.start(SilentHost(self.address(ports), ports))

    def nginx(self, sites: Sequence[HttpsSite], address: Optional[str] = None) -> NginxServer:
        """nginx on port 443, serving `sites` (the first is also the default for unknown names).

        `address` (from `address([25, 443])`) puts it beside another server, as on a NAS that serves its
        mail and its web sites from one address."""
        address = address or self.address(NginxServer.PORTS)
        return self.start(NginxServer(address, self._workdir("nginx", address), sites))

    def postfix(self, service: SmtpService, address: Optional[str] = None) -> PostfixServer:
        """Postfix on port 25, answering as `service` describes (on `address`, if given; see `nginx`)."""
        address = address or self.address(PostfixServer.PORTS)
        return self.start(PostfixServer(address, self._workdir("postfix", address), service))

    def dovecot(self, certificate: ServerCertificate, users: Mapping[str, str]) -> DovecotServer:
        """Dovecot on ports 993 and 143 for `users` (name -> password), with empty mailboxes to fill."""
        address = self.address(DovecotServer.PORTS)
        return self.start(DovecotServer(address, self._workdir("dovecot", address), certificate, users))

    def _workdir(self, program: str, address: str) -> Path:
        path = self.workdir / f"{program}-{address}"
        path.mkdir(mode=0o755)
        return path
