"""The MailPlus certificate and its TLSA records as the pages show them, live or from the last refresh.

On the NAS only root reads DSM's certificate store, and the app runs as the package user, so the pages
normally show what the scheduled `mailsec refresh` (run as root) computed. When the store is readable
(the demo NAS, or a NAS where the owner granted access) the app reads it itself and is always current.
`cryptography` is imported only once the store turned out to be readable.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Sequence, Tuple

from mailsec.certstore import find_mail_certificate
from mailsec.errors import MailsecError, NeedsRootError
from mailsec.limits import CERT_EXPIRY_WARNING_DAYS
from mailsec.names import normalize_host
from mailsec.nas import NasLayout


@dataclass(frozen=True)
class MailCertificate:
    note: str  # which certificate and why (bound to MailPlus Server, or DSM's default)
    subject: str
    sans: Tuple[str, ...]
    not_after: datetime
    key: str
    uncovered: Tuple[str, ...]  # MX hosts the certificate does not name

    def days_left(self, now: datetime) -> int:
        return (self.not_after - now).days

    def expiring(self, now: datetime) -> bool:
        return self.days_left(now) < CERT_EXPIRY_WARNING_DAYS


@dataclass(frozen=True)
class CertificateReading:
    """The certificate and its records, or why the app could not read it (`needs_root`: the usual case)."""

    certificate: Optional[MailCertificate] = None
    records: Tuple[str, ...] = ()  # zone lines, `_25._tcp.<host>. IN TLSA ...`
    problem: str = ""
    needs_root: bool = False


def read_mail_certificate(layout: NasLayout, hosts: Sequence[str]) -> CertificateReading:
    """The certificate MailPlus Server uses and the default TLSA records for `hosts` on port 25."""
    try:
        choice = find_mail_certificate(layout)
        from mailsec import certs, tlsa  # noqa: PLC0415 - cryptography, only when there is a certificate

        chain = certs.load_chain_file(choice.certificate.chain_file)
        records = tlsa.default_records(chain, hosts, [tlsa.SMTP_PORT])
    except NeedsRootError as exc:
        return CertificateReading(problem=str(exc), needs_root=True)
    except MailsecError as exc:
        return CertificateReading(problem=str(exc))
    summary = certs.summarize(chain.leaf)
    certificate = MailCertificate(
        note=choice.note,
        subject=summary.subject,
        sans=summary.sans,
        not_after=summary.not_after,
        key=summary.key,
        uncovered=tuple(host for host in hosts if not certs.covers_host(chain.leaf, host)),
    )
    return CertificateReading(certificate, tuple(record.zone_line() for record in records))


def records_by_host(zone_lines: Sequence[str]) -> List[Tuple[str, List[str]]]:
    """TLSA zone lines grouped by the MX host they belong to, in their order."""
    groups: Dict[str, List[str]] = {}
    for line in zone_lines:
        owner = line.split(None, 1)[0] if line.strip() else ""
        host = normalize_host(owner.split(".", 2)[2]) if owner.count(".") >= 2 else owner
        groups.setdefault(host, []).append(line)
    return list(groups.items())
