"""Real servers on loopback for the integration tests: BIND 9, Unbound, nginx, Postfix and Dovecot."""

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
