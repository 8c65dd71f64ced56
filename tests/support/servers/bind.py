"""BIND 9 as the authoritative server of test zones: plain, DNSSEC-signed, bogus, and open to TSIG updates.

named only listens on addresses that an interface carries, and the loopback interface carries just
127.0.0.1 (the rest of 127.0.0.0/8 answers without being configured). So named listens on a port of
127.0.0.1 of its own (`listener`), and a `DnsProxy` without delay gives it port 53 of its own loopback
address (`address`): what zones publish as `ns1` and what mailsec queries. A validating resolver in front
(`UnboundResolver`) may use `listener` directly.

Zones are added while named runs: each `serve*` call writes the zone and the configuration, makes named
reload (SIGHUP) and returns once named serves that version. Serving a static zone again replaces it, with
a higher serial. A dynamic zone belongs to named once served: change it with RFC 2136 updates.
"""

import contextlib
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rdatatype
import dns.zone

from tests.support.servers.dns_proxy import DNS_PORT, DnsProxy
from tests.support.servers.dnssec import ForgedRecord, TrustAnchor, forge, sign_zone
from tests.support.servers.loopback import Endpoint
from tests.support.servers.process import START_TIMEOUT, Daemon, DaemonServer, find_program, run_tool
from tests.support.servers.ready import PROBE_TIMEOUT, dns_answers
from tests.support.servers.tsig import TsigKey, make_tsig_key
from tests.support.servers.zone import Zone

POLICY = "mailsec-test"  # the dnssec-policy that signs dynamic zones: one CSK, algorithm 13, kept forever
# named signs a new dynamic zone when its key manager first runs, within a second or so of loading it.
SIGNING_TIMEOUT = 20.0


@dataclass(frozen=True)
class DynamicZone:
    """A served zone that takes RFC 2136 updates signed with `key`."""

    origin: str
    key: TsigKey
    anchor: Optional[TrustAnchor]  # None when the zone is not signed


@dataclass(frozen=True)
class _ZoneStatement:
    origin: str
    file: Path
    update_key: Optional[TsigKey] = None
    signed_by_named: bool = False

    def text(self, key_directory: Path) -> str:
        options = [f'type primary; file "{self.file}";']
        if self.update_key:
            options.append(f'allow-update {{ key "{self.update_key.name}"; }};')
        if self.signed_by_named:
            options.append(f'dnssec-policy "{POLICY}"; inline-signing no; key-directory "{key_directory}";')
        return f'zone "{self.origin}" {{ {" ".join(options)} }};'


class BindServer(DaemonServer):
    PORTS = (DNS_PORT,)

    def __init__(self, address: str, workdir: Path, listener: Endpoint) -> None:
        self.address = Endpoint(address, DNS_PORT)
        self.listener = listener
        self._workdir = workdir
        self._config = workdir / "named.conf"
        self._zones: Dict[str, _ZoneStatement] = {}
        self._serials: Dict[str, int] = {}
        named = find_program("named", "bind9")
        super().__init__(Daemon("named", [named, "-g", "-c", str(self._config)], workdir / "named.log"))
        self._front = DnsProxy(address, listener)

    def __enter__(self) -> "BindServer":
        (self._workdir / "zones").mkdir(parents=True, exist_ok=True)
        self._write_config()
        with contextlib.ExitStack() as undo:
            self.daemon.start(lambda: dns_answers(self.listener))
            undo.callback(self.daemon.stop)
            undo.enter_context(self._front)
            # A root zone, so that names outside the test zones do not exist, as on the Internet,
            # rather than being refused (which a resolver would hold against the server).
            self.serve(Zone(".", self.address.host))
            undo.pop_all()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._front.__exit__(*exc_info)
        super().__exit__(*exc_info)

    def serve(self, zone: Zone) -> None:
        """Serve `zone` unsigned (again, with a higher serial, if it is already served)."""
        self._load(_ZoneStatement(zone.origin, self._write_zone(zone)))

    def serve_signed(
        self, zone: Zone, expired: bool = False, forged: Sequence[ForgedRecord] = ()
    ) -> TrustAnchor:
        """Serve `zone` signed with keys kept for this origin, and return its trust anchor.

        `expired` and `forged` make the zone bogus: signatures past their validity, or RRsets whose data
        changed after signing.
        """
        signed = sign_zone(self._write_zone(zone), zone.origin, self._key_directory(zone.origin), expired)
        if forged:
            forge(signed, zone.origin, forged)
        self._load(_ZoneStatement(zone.origin, signed))
        return _anchor(dns.zone.from_file(str(signed), zone.origin, relativize=False))

    def serve_dynamic(self, zone: Zone, signed: bool = True) -> DynamicZone:
        """Serve `zone` open to updates signed with a new TSIG key; if `signed`, named signs it and updates.

        A dynamic zone is served once: named owns it from then on.
        """
        if zone.origin in self._zones:
            raise ValueError(f"{zone.origin} is already served; a dynamic zone is served once per server")
        key = make_tsig_key(self._workdir / f"{zone.origin}.tsig.key", f"update.{zone.origin}")
        statement = _ZoneStatement(zone.origin, self._write_zone(zone), key, signed_by_named=signed)
        if not signed:
            self._load(statement)
            return DynamicZone(zone.origin, key, None)
        self._load(statement, lambda: _fully_signed(self._transfer(zone.origin)), SIGNING_TIMEOUT)
        return DynamicZone(zone.origin, key, _anchor(self.transfer(zone.origin)))

    def transfer(self, origin: str) -> dns.zone.Zone:
        """The zone as named serves it now (AXFR)."""
        zone = self._transfer(origin)
        if zone is None:
            raise dns.exception.DNSException(f"named gave no zone transfer of {origin}")
        return zone

    def _transfer(self, origin: str) -> Optional[dns.zone.Zone]:
        try:
            messages = dns.query.xfr(
                self.listener.host, origin, port=self.listener.port, lifetime=PROBE_TIMEOUT, relativize=False
            )
            return dns.zone.from_xfr(messages, relativize=False)
        except (dns.exception.DNSException, OSError):
            return None

    def _write_zone(self, zone: Zone) -> Path:
        serial = self._serials.get(zone.origin, 0) + 1
        self._serials[zone.origin] = serial
        # A new file per version: named reloads a zone whose file changed, and a rewrite within the
        # same second as the last load could go unnoticed.
        path = self._workdir / "zones" / f"{zone.origin.strip('.') or 'root'}.{serial}.zone"
        path.write_text(zone.text(serial))
        # "-i local": check names in the zone only; out-of-zone names would go to the system's resolver.
        run_tool([find_program("named-checkzone", "bind9-utils"), "-i", "local", zone.origin, str(path)])
        return path

    def _key_directory(self, origin: str) -> Path:
        return self._workdir / "keys" / origin

    def _load(self, statement: _ZoneStatement, served: Optional[Callable[[], bool]] = None,
              timeout: float = START_TIMEOUT) -> None:
        self._zones[statement.origin] = statement
        if statement.signed_by_named:
            self._key_directory(statement.origin).mkdir(parents=True, exist_ok=True)
        self._write_config()
        self.daemon.send(signal.SIGHUP)
        serial = self._serials[statement.origin]
        self.daemon.wait_until(served or (lambda: self._soa_serial(statement.origin) == serial),
                                f"serve {statement.origin} (serial {serial})", timeout)

    def _soa_serial(self, origin: str) -> Optional[int]:
        query = dns.message.make_query(origin, dns.rdatatype.SOA)
        try:
            answer = dns.query.udp(query, self.listener.host, PROBE_TIMEOUT, self.listener.port)
        except (dns.exception.DNSException, OSError):
            return None
        rrset = answer.get_rrset(answer.answer, dns.name.from_text(origin), 1, dns.rdatatype.SOA)
        return rrset[0].serial if rrset else None

    def _write_config(self) -> None:
        keys = "".join(f'include "{z.update_key.path}";\n' for z in self._zones.values() if z.update_key)
        zones = "\n".join(z.text(self._key_directory(z.origin)) for z in self._zones.values())
        self._config.write_text(f"""\
controls {{ }};
options {{
    directory "{self._workdir}";
    pid-file "{self._workdir / 'named.pid'}";
    session-keyfile "{self._workdir / 'session.key'}";
    managed-keys-directory "{self._workdir}";
    listen-on port {self.listener.port} {{ {self.listener.host}; }};
    listen-on-v6 {{ none; }};
    recursion no;
    notify no;
    dnssec-validation no;
    allow-transfer {{ 127.0.0.0/8; }};
}};
dnssec-policy "{POLICY}" {{
    keys {{ csk lifetime unlimited algorithm ecdsap256sha256; }};
}};
{keys}{zones}
""")


def _anchor(zone: dns.zone.Zone) -> TrustAnchor:
    dnskeys = zone.find_rdataset(zone.origin, dns.rdatatype.DNSKEY)
    return TrustAnchor.from_dnskeys(zone.origin.to_text(omit_final_dot=True), dnskeys)


def _fully_signed(zone: Optional[dns.zone.Zone]) -> bool:
    """Every authoritative RRset carries a signature and every authoritative name an NSEC record."""
    if zone is None:
        return False
    delegations = [name for name, node in zone.nodes.items()
                   if name != zone.origin and node.get_rdataset(zone.rdclass, dns.rdatatype.NS)]
    for name, node in zone.nodes.items():
        if any(name.is_subdomain(cut) and name != cut for cut in delegations):
            continue  # glue: not part of the zone's data
        types = {rdataset.rdtype for rdataset in node.rdatasets} - {dns.rdatatype.RRSIG}
        if name in delegations:
            types.discard(dns.rdatatype.NS)  # the child signs its NS records
        covered = {rdataset.covers for rdataset in node.rdatasets if rdataset.rdtype == dns.rdatatype.RRSIG}
        if dns.rdatatype.NSEC not in types or not types <= covered:
            return False
    return True
