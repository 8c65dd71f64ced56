"""Real servers on loopback for the integration tests: BIND 9, Unbound, nginx, Postfix and Dovecot.

Each server gets an address of its own in 127.0.0.0/8 and listens on its real port (53, 25, 443, 993),
since mailsec connects to port 25 and 443 of whatever a name resolves to. Addresses are claimed
machine-wide (`loopback.py`), so concurrent runs and pytest-xdist workers never collide. Every server
writes its configuration to a temporary directory, runs in the foreground, is polled until it really
answers and is stopped with its whole process group; when something fails, its logs are in the error
and in the report of the failing test. Nothing is configured system-wide and nothing leaves loopback:
the resolver knows only BIND, and BIND serves a root zone of its own.

In tests under `tests/integration/` the fixtures are `servers` (a `ServerStack` per test module),
`server_ca` (the test CA), `server_ca_bundle` (its file, for `--ca-bundle`) and `loopback`:

    @pytest.fixture(scope="module")
    def example_nl(servers, server_ca, server_ca_bundle):
        bind = servers.bind()
        mx = servers.postfix(SmtpService("mail.example.nl", server_ca.server_certificate("mail.example.nl")))
        policy = b"version: STSv1\\r\\nmode: enforce\\r\\nmx: mail.example.nl\\r\\nmax_age: 86400\\r\\n"
        site = HttpsSite(["mta-sts.example.nl"], server_ca.server_certificate("mta-sts.example.nl"),
                         files={POLICY_PATH: policy})
        web = servers.nginx([site])
        zone = (Zone("example.nl", nameserver=bind.address.host)
                .mx("@", 10, "mail").a("mail", mx.address.host)
                .a("mta-sts", web.address.host).txt("_mta-sts", "v=STSv1; id=20240101"))
        resolver = servers.unbound(bind, [bind.serve_signed(zone)])
        return resolver.address  # mailsec check example.nl --nameserver ADDRESS --ca-bundle server_ca_bundle

More, by task:
- DNSSEC failures: `bind.serve_signed(zone, expired=True)`, or
  `forged=[ForgedRecord("mail", "A", "127.9.9.9")]` (Unbound answers SERVFAIL); a zone whose anchor
  Unbound was not given is insecure.
- Reverse DNS: `Zone(reverse_zone("127.0.0.0/8"), bind.address.host)`, then
  `.ptr(mx.address.host, "mail.example.nl.")`; Unbound passes 127/8 reverse names to BIND (other
  RFC 6303 ranges, such as 192.0.2.0/24, it still answers itself).
- TSIG updates: `dynamic = bind.serve_dynamic(zone)`: `dynamic.key.path` is the key file for
  `--tsig-keyfile`, `dynamic.anchor` the DS to trust, `bind.address` the server for `--dns-server`;
  `make_tsig_key(path, name)` makes a wrong key. `bind.transfer(origin)` reads the zone back.
- Changed zones: serve them again; then `resolver.flush()`, since Unbound caches.
- Timeouts: `servers.silent_host([53, 25, 443])` accepts and never answers;
  `servers.dns_proxy(bind.address, delay_ms=30)` is a slow DNS path (`make bench`), and with `tcp=False`
  a path where truncated answers have no TCP fallback.
- One host for mail and web, as a NAS: `address = servers.address([25, 443])`, then
  `servers.postfix(service, address)` and `servers.nginx(sites, address)`.
- SMTP and HTTPS faults: the fields of `SmtpService` and `HttpsSite` (see postfix.py and nginx.py).
- IMAP: `imap = servers.dovecot(certificate, {"reports": "secret"})`, `imap.deliver("reports", message)`.

Outside pytest (`make bench`), the same with `with LoopbackPool() as pool, ServerStack(pool) as servers:`.
"""

from tests.support.servers.bind import BindServer, DynamicZone
from tests.support.servers.dns_proxy import DnsProxy
from tests.support.servers.dnssec import ForgedRecord, TrustAnchor
from tests.support.servers.dovecot import DovecotServer
from tests.support.servers.loopback import Endpoint, LoopbackPool
from tests.support.servers.nginx import POLICY_PATH, HttpsSite, NginxServer
from tests.support.servers.postfix import PostfixServer, SmtpService
from tests.support.servers.process import MissingProgram, ServerError
from tests.support.servers.silent import SilentHost
from tests.support.servers.stack import ServerStack
from tests.support.servers.tsig import TsigKey, make_tsig_key, read_tsig_key
from tests.support.servers.unbound import UnboundResolver
from tests.support.servers.zone import Zone, reverse_zone

__all__ = [
    "POLICY_PATH",
    "BindServer",
    "DnsProxy",
    "DovecotServer",
    "DynamicZone",
    "Endpoint",
    "ForgedRecord",
    "HttpsSite",
    "LoopbackPool",
    "MissingProgram",
    "NginxServer",
    "PostfixServer",
    "ServerError",
    "ServerStack",
    "SilentHost",
    "SmtpService",
    "TrustAnchor",
    "TsigKey",
    "UnboundResolver",
    "Zone",
    "make_tsig_key",
    "read_tsig_key",
    "reverse_zone",
]
