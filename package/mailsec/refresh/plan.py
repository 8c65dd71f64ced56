"""What the NAS should publish now: the TLSA records of every MX host and the MTA-STS policy.

Pure: settings and the certificates go in, a `RefreshPlan` comes out. The policy is shared by every
configured domain, because they share Web Station's `mta-sts` folder. Each host's records carry the role
the rollover gives them: the certificate in use (`current`, its CA `issuer`) and a staged one (`next`).
"""

from dataclasses import dataclass
from typing import Optional, Tuple

from mailsec.certs import CertificateChain, key_description
from mailsec.errors import MailsecError
from mailsec.findings import Finding, Status
from mailsec.mtasts.policy import StsPolicy
from mailsec.mtasts.publish import shared_policy
from mailsec.refresh.rollover import Role, RoleRecord
from mailsec.refresh.staged import StagedCertificate
from mailsec.refresh.state import CertificateFacts
from mailsec.settings import Settings
from mailsec.tlsa import SMTP_PORT, TlsaRecord, Usage, default_records, spki_sha256

SETTINGS_FINDING = "refresh.settings"


@dataclass(frozen=True)
class MailCertificate:
    """The certificate MailPlus Server uses, as read from DSM's store."""

    chain: CertificateChain
    facts: CertificateFacts
    note: str  # why this certificate (bound to MailPlus, or DSM's default)


@dataclass(frozen=True)
class HostPlan:
    """The TLSA records one MX host should have: those of the certificate in use, and of a staged one."""

    host: str
    records: Tuple[TlsaRecord, ...]
    next_records: Tuple[TlsaRecord, ...] = ()

    def wanted(self) -> Tuple[RoleRecord, ...]:
        live = tuple(RoleRecord(r, Role.CURRENT if r.usage == Usage.DANE_EE else Role.ISSUER) for r in self.records)
        staged = tuple(RoleRecord(r, Role.NEXT) for r in self.next_records if r not in self.records)
        return live + staged


@dataclass(frozen=True)
class RefreshPlan:
    hosts: Tuple[HostPlan, ...]
    domains: Tuple[str, ...]
    policy: Optional[StsPolicy]
    problems: Tuple[Finding, ...]  # settings that keep refresh from doing part of its work

    @property
    def records(self) -> Tuple[TlsaRecord, ...]:
        return tuple(record for host in self.hosts for record in host.records)


def certificate_facts(chain: CertificateChain, cert_id: str, path: str, bound_to_mailplus: bool) -> CertificateFacts:
    leaf, issuer = chain.leaf, chain.issuer
    return CertificateFacts(
        cert_id=cert_id,
        path=path,
        subject=leaf.subject.rfc4514_string(),
        not_after=leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        key=key_description(leaf),
        spki_sha256=spki_sha256(leaf),
        issuer_subject=issuer.subject.rfc4514_string() if issuer else "",
        issuer_spki_sha256=spki_sha256(issuer) if issuer else "",
        bound_to_mailplus=bound_to_mailplus,
    )


def mx_hosts(settings: Settings) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(host for entry in settings.domains for host in entry.mx))


def plan_refresh(settings: Settings, certificate: Optional[MailCertificate],
                 staged: Optional[StagedCertificate] = None) -> RefreshPlan:
    """The records and policy for `settings`; no TLSA records when the certificate could not be read."""
    host_plans: Tuple[HostPlan, ...] = ()
    if certificate is not None:
        host_plans = tuple(HostPlan(host, tuple(default_records(certificate.chain, [host], [SMTP_PORT])),
                                    tuple(default_records(staged.chain, [host], [SMTP_PORT])) if staged else ())
                           for host in mx_hosts(settings))
    policy, problems = _shared_policy(settings)
    return RefreshPlan(host_plans, tuple(entry.domain for entry in settings.domains), policy, problems)


def _shared_policy(settings: Settings) -> Tuple[Optional[StsPolicy], Tuple[Finding, ...]]:
    try:
        return shared_policy(settings), ()
    except MailsecError as exc:
        return None, (Finding(SETTINGS_FINDING, Status.FAIL, "settings", str(exc),
                              "Enter the mail domains and their MX hosts in the mailsec app (Settings)."),)
