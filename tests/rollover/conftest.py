"""A demo NAS whose zone `example.nl` is served by BIND 9 on loopback, DNSSEC-signed and open to TSIG-signed
RFC 2136 updates, and `mailsec` run as the Task Scheduler runs it: a fresh process, the time given in
$MAILSEC_NOW.

`nas.refresh(at)` runs `mailsec refresh --json` at a moment; `nas.published()` is the TLSA record set as
BIND serves it; `assert_presented_certificate_matches(nas)` is the invariant the rollover must keep at
every step: the certificate the MX presents (MailPlus uses the one in DSM's store) matches at least one
published record.
"""

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Set

import dns.rdatatype
import pytest
from cryptography.hazmat.primitives import serialization

from mailsec.certs import load_chain_file
from tests.support.cli import Run, mailsec
from tests.support.demo_nas import DOMAIN, MAIL_HOST, DemoNas, build_demo_nas
from tests.support.servers import BindServer, DynamicZone, Zone
from tests.support.servers.clients import dns_query, dns_update
from tests.support.servers.pytest_plugin import (  # noqa: F401 (fixtures)
    loopback,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    server_ca,
    server_ca_bundle,
    servers,
)

OWNER = f"_25._tcp.{MAIL_HOST}."
HOUR = 3600
START = int(time.time())  # the certificates of the demo NAS are valid around the real time


@dataclass
class ZoneNas:
    demo: DemoNas
    bind: BindServer
    zone: DynamicZone

    @property
    def root(self) -> str:
        return str(self.demo.layout.root)

    def mailsec(self, *args: str, at: Optional[int] = None, stdin: bytes = b"") -> Run:
        env = {"MAILSEC_NOW": str(at)} if at is not None else {}
        return mailsec("--root", self.root, *args, env=env, stdin=stdin)

    def configure(self, *publishing: str, stdin: bytes = b"") -> Run:
        return self.mailsec("configure", "--domain", DOMAIN, "--nameserver", str(self.bind.address), *publishing,
                            stdin=stdin)

    def configure_rfc2136(self, keyfile: Optional[Path] = None) -> Run:
        return self.configure("--publish", "rfc2136", "--dns-server", str(self.bind.address), "--zone", DOMAIN,
                              "--tsig-keyfile", str(keyfile or self.zone.key.path))

    def refresh(self, at: int, *options: str) -> "Refreshed":
        run = self.mailsec("refresh", "--json", *options, at=at)
        assert run.code in (0, 1), (run.code, run.stdout, run.stderr)
        return Refreshed(run, json.loads(run.stdout))

    def update(self, name: str, rtype: str, data: str) -> None:
        """Add a record the way the owner (or another tool) would, outside mailsec."""
        dns_update(self.bind.address, DOMAIN, self.zone.key, name=name, rtype=rtype, data=data)

    def published(self, owner: str = OWNER, rtype: str = "TLSA") -> Set[str]:
        """The record set as BIND serves it now, each record in presentation form."""
        answer = dns_query(self.bind.address, owner, rtype)
        rrsets = [rrset for rrset in answer.answer if rrset.rdtype == dns.rdatatype.from_text(rtype)]
        return {rdata.to_text() for rrset in rrsets for rdata in rrset}


@dataclass
class Refreshed:
    run: Run
    document: dict

    @property
    def code(self) -> int:
        return self.run.code

    def finding(self, finding_id: str) -> dict:
        return next(f for f in self.document["findings"] if f["id"] == finding_id)

    def ids(self) -> List[str]:
        return [f["id"] for f in self.document["findings"]]

    @property
    def phase(self) -> str:
        return self.document["rollover"]["hosts"][0]["phase"]

    def roles(self) -> dict:
        return {r["zone_line"].split()[-1]: r["role"] for r in self.document["rollover"]["hosts"][0]["records"]}


def spki_sha256(cert) -> str:
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def presented_records(demo: DemoNas) -> Set[str]:
    """The records that match the certificate the MX presents: 3 1 1 of its key, 2 1 1 of each CA above it."""
    chain = load_chain_file(demo.layout.certificate_folder(demo.mail_cert_id) / "fullchain.pem")
    return {f"3 1 1 {spki_sha256(chain.leaf)}", *(f"2 1 1 {spki_sha256(ca)}" for ca in chain.issuers)}


def assert_presented_certificate_matches(nas: ZoneNas) -> None:
    published = nas.published()
    assert published & presented_records(nas.demo), f"no published record matches the MX: {published}"


@pytest.fixture
def nas(servers, tmp_path) -> ZoneNas:  # noqa: F811
    """A fresh BIND with `example.nl` signed and open to updates, and a demo NAS configured for it."""
    bind = servers.bind()
    zone = bind.serve_dynamic(Zone(DOMAIN, bind.address.host).mx("@", 10, "mail").a("mail", "127.0.0.25"))
    return ZoneNas(build_demo_nas(tmp_path / "nas"), bind, zone)
