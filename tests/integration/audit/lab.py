"""The little Internet an audit meets in these tests: one BIND, one validating Unbound, Postfix MX hosts,
nginx policy hosts, all on loopback (`tests.support.servers`).

Each test module builds its domains once (module fixture), as separate zones on the same BIND, then
starts the resolver, which must know every trust anchor up front:

    lab = AuditLab(servers, server_ca, server_ca_bundle)
    address = lab.smtp_host("mail.good.nl")                          # Postfix, PTR mail.good.nl
    web = lab.policy_hosts([policy_site(lab.ca, "good.nl", policy_text("enforce", "mail.good.nl"))])
    lab.serve(mail_zone("good.nl", lab.nameserver, address, policy_address=web), signed=True)
    lab.start()
    report = lab.report("good.nl")                                     # run_audit through Unbound

Domains use `.nl` names: Unbound answers `.test` and `.invalid` itself (RFC 6761).
"""

import base64
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from cryptography.hazmat.primitives import serialization

from mailsec.audit.options import AuditOptions
from mailsec.audit.report import AuditReport
from mailsec.audit.runner import run_audit
from mailsec.findings import Finding, Status
from mailsec.nameservers import Nameserver
from mailsec.tlsa import MatchingType, Selector, association_data
from tests.support.pki import CertificateAuthority, Issued, ServerCertificate, make_key
from tests.support.servers import (
    POLICY_PATH,
    Endpoint,
    HttpsSite,
    ServerStack,
    SmtpService,
    TrustAnchor,
    UnboundResolver,
    Zone,
    reverse_zone,
)

EHLO_NAME = "audit.client.example"  # what the probes say in EHLO; Postfix here checks nothing
# Short enough that a test of a silent server stays quick, long enough for a loaded CI machine.
QUICK = {"dns_timeout": 1.0, "dns_lifetime": 2.0, "smtp_timeout": 3.0, "https_timeout": 3.0}


def policy_text(mode: str, *mx: str, max_age: int = 1209600) -> bytes:
    """An MTA-STS policy file (RFC 8461 §3.2), CRLF-separated as mailsec writes it."""
    lines = ["version: STSv1", f"mode: {mode}", *(f"mx: {pattern}" for pattern in mx), f"max_age: {max_age}"]
    return ("\r\n".join(lines) + "\r\n").encode()


def policy_site(ca: CertificateAuthority, domain: str, policy: Optional[bytes], names: Sequence[str] = (),
                **faults: object) -> HttpsSite:
    """`mta-sts.<domain>` serving `policy` (None: 404) with a certificate for `names` (default: its own name)."""
    host = f"mta-sts.{domain}"
    files = {POLICY_PATH: policy} if policy is not None else {}
    return HttpsSite([host], ca.server_certificate(*(names or [host])), files=files, **faults)  # type: ignore[arg-type]


def mail_zone(
    origin: str,
    nameserver: str,
    mx_address: Optional[str],
    *,
    policy_address: Optional[str] = None,
    sts_id: str = "20240101",
    spf: Optional[str] = "v=spf1 mx ~all",
    dmarc: Optional[str] = "v=DMARC1; p=reject; rua=mailto:dmarc@{origin}",
    tls_rpt: Optional[str] = "v=TLSRPTv1; rua=mailto:tls-reports@{origin}",
) -> Zone:
    """A mail domain set up the way mailsec advises: `MX 10 mail`, SPF, DMARC and TLS-RPT; MTA-STS when a
    policy host address is given. Pass None to leave a record out; `{origin}` in a text is the domain."""
    zone = Zone(origin, nameserver)
    if mx_address is not None:
        zone.mx("@", 10, "mail").address("mail", mx_address)
    if policy_address is not None:
        zone.address("mta-sts", policy_address).txt("_mta-sts", f"v=STSv1; id={sts_id}")
    for name, text in (("@", spf), ("_dmarc", dmarc), ("_smtp._tls", tls_rpt)):
        if text is not None:
            zone.txt(name, text.format(origin=origin))
    return zone


def dkim_public_key(kind: str) -> str:
    """The `p=` value of a new key: SPKI for RSA (as `openssl pkey -pubout` writes it), raw for Ed25519."""
    if kind == "rsa768":  # below what the cryptography package will generate; openssl still makes one
        key = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:768"],
                             capture_output=True, check=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubout", "-outform", "DER"], input=key,
                             capture_output=True, check=True).stdout
        return base64.b64encode(der).decode()
    public = make_key(kind).public_key()
    if kind == "ed25519":
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()
    spki = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(spki).decode()


def spki_sha256(issued: Issued) -> str:
    """The association data of a `3 1 1` (or `2 1 1`) record for this certificate."""
    return association_data(issued.cert, Selector.SPKI, MatchingType.SHA256).hex()


class AuditLab:
    """The servers of one test module, and audits run against them through the validating resolver."""

    def __init__(self, servers: ServerStack, ca: CertificateAuthority, ca_bundle: Path) -> None:
        self.servers = servers
        self.ca = ca
        self.ca_bundle = ca_bundle
        self.bind = servers.bind()
        self.reverse = Zone(reverse_zone("127.0.0.0/8"), self.bind.address.host)
        self.anchors: List[TrustAnchor] = []
        self.resolver: Optional[UnboundResolver] = None
        self.notes: Dict[str, str] = {}  # values a module's fixture made (digests, ids) for its tests
        self._reports: Dict[str, AuditReport] = {}

    @property
    def nameserver(self) -> str:
        """The address the zones publish as their name server."""
        return self.bind.address.host

    def smtp_host(self, hostname: str, certificate: Optional[ServerCertificate] = None,
                  ptr: Sequence[str] = ("",), address: Optional[str] = None, **faults: object) -> str:
        """Start Postfix as MX `hostname` (on `address`, if given) and return its address. Its PTR names are
        `ptr` ("" for `hostname`; empty for none); `certificate` defaults to one from the test CA."""
        certificate = certificate or self.ca.server_certificate(hostname)
        service = SmtpService(hostname, certificate, **faults)  # type: ignore[arg-type]
        address = self.servers.postfix(service, address).address.host
        for name in ptr:
            self.reverse.ptr(address, f"{name or hostname}.")
        return address

    def policy_hosts(self, sites: Sequence[HttpsSite], address: Optional[str] = None) -> str:
        """Start one nginx serving `sites` (chosen by SNI; on `address`, if given) and return its address."""
        return self.servers.nginx(sites, address).address.host

    def nas_address(self) -> str:
        """An address for a NAS that serves both mail (25) and web sites (443), as in the seed's set-up."""
        return self.servers.address([25, 443])

    def idle_address(self) -> str:
        """An address of our own where nothing listens: connections to it are refused at once."""
        return self.servers.address([25, 443])

    def silent_address(self) -> str:
        """An address that accepts connections on 25 and 443 (and DNS datagrams) and never answers."""
        return self.servers.silent_host([25, 443, 53]).address

    def serve(self, zone: Zone, signed: bool = False, anchored: bool = True, **signing: object) -> None:
        """Serve `zone`; signed, it validates as secure when `anchored` (else: signed, but no chain of trust)."""
        if not signed:
            self.bind.serve(zone)
            return
        anchor = self.bind.serve_signed(zone, **signing)  # type: ignore[arg-type]
        if anchored:
            self.anchors.append(anchor)

    def start(self) -> Endpoint:
        """Serve the reverse zone and start the validating resolver; call once every zone is served."""
        self.bind.serve(self.reverse)
        self.resolver = self.servers.unbound(self.bind, self.anchors)
        return self.resolver.address

    def options(self, **overrides: object) -> AuditOptions:
        """Audit options that resolve through the lab's resolver and trust the test CA."""
        assert self.resolver is not None, "start() the lab first"
        server = self.resolver.address
        options = AuditOptions(nameservers=(Nameserver(server.host, server.port),), ca_bundle=str(self.ca_bundle),
                               ehlo_name=EHLO_NAME, **QUICK)  # type: ignore[arg-type]
        return replace(options, **overrides)

    def audit(self, domain: str, **overrides: object) -> AuditReport:
        """Run the audit; whatever it meets, a check group must not break (`<group>.internal`)."""
        report = run_audit(domain, self.options(**overrides))
        broken = [f"{finding.id}: {finding.message}" for finding in report.findings if finding.id.endswith(".internal")]
        assert not broken, "\n".join(broken)
        return report

    def report(self, domain: str) -> AuditReport:
        """The audit of `domain` with the default options, run once per module."""
        if domain not in self._reports:
            self._reports[domain] = self.audit(domain)
        return self._reports[domain]


def findings(report: AuditReport, check_id: str, subject: Optional[str] = None) -> List[Finding]:
    """The findings of one check, optionally only those whose subject starts with `subject`."""
    return [finding for finding in report.findings
            if finding.id == check_id and (subject is None or finding.subject.startswith(subject))]


def expect(report: AuditReport, check_id: str, status: Status, *phrases: str, subject: Optional[str] = None) -> Finding:
    """The one finding of `check_id` (about `subject`), checked to have `status` and to say each of `phrases`."""
    finding = the(report, check_id, subject)
    assert finding.status == status, f"{finding.status.value}, not {status.value}: {finding}"
    for phrase in phrases:
        assert phrase in finding.message, f"{phrase!r} not in {finding.message!r}"
    return finding


def the(report: AuditReport, check_id: str, subject: Optional[str] = None) -> Finding:
    """The one finding of `check_id` (about `subject`); fails the test, listing the report, if not one."""
    found = findings(report, check_id, subject)
    listing = "\n".join(f"  {f.status.value} {f.id} {f.subject}: {f.message}" for f in report.findings)
    assert len(found) == 1, f"{len(found)} findings {check_id} {subject or ''} in:\n{listing}"
    return found[0]
