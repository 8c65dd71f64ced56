"""`nas.certificate` and `nas.tlsa`: the MailPlus certificate on this NAS against the live MX and DNS.

DSM renews the certificate in its store; MailPlus Server serves it only after it reloads, and DANE
senders accept it only once DNS has its TLSA record. Comparing the three catches both gaps before a
sender does. Runs only where the certificate store is readable (root on the NAS).
"""

from typing import List

from cryptography import x509

from mailsec.audit.checks.common import passed
from mailsec.audit.checks.dane import Role, classify, published_records
from mailsec.audit.facts import DomainFacts
from mailsec.certs import CertificateChain, covers_host, load_chain_file
from mailsec.certstore import find_mail_certificate
from mailsec.errors import MailsecError, NeedsRootError
from mailsec.findings import Finding, Status
from mailsec.tlsa import dane_ee_record, spki_sha256

PRESENTED, PUBLISHED = "nas.certificate", "nas.tlsa"


def check(facts: DomainFacts) -> List[Finding]:
    layout = facts.options.layout
    if layout is None or not layout.certificate_archive.exists():
        return []
    subject = "MailPlus Server certificate"
    try:
        chain = load_chain_file(find_mail_certificate(layout).certificate.chain_file)
    except NeedsRootError:
        return [Finding(PRESENTED, Status.SKIP, subject,
                        "the NAS certificate store is readable only by root, so it was not compared",
                        "Run the audit as root (the scheduled task does) to compare it.")]
    except MailsecError as exc:
        return [Finding(PRESENTED, Status.ERROR, subject, f"could not read the NAS certificate: {exc}", "")]
    hosts = [host.name for host in facts.mx_hosts() if covers_host(chain.leaf, host.name)]
    findings = [_presented(facts, chain, host, address) for host, address in facts.mx_endpoints() if host in hosts]
    findings += [_published(facts, chain, host) for host in hosts if facts.tlsa(host).found]
    return findings


def _presented(facts: DomainFacts, chain: CertificateChain, host: str, address: str) -> Finding:
    subject = f"{host} ({address})"
    seen = facts.smtp(host, address).leaf
    if seen is None:
        return Finding(PRESENTED, Status.ERROR, subject,
                       f"no certificate was seen on port 25 to compare: {facts.smtp(host, address).error}",
                       "Make sure the MX answers STARTTLS on port 25 (see smtp.starttls).")
    presented = x509.load_der_x509_certificate(seen)
    if presented == chain.leaf:
        return passed(PRESENTED, subject, "port 25 presents the certificate DSM assigned to MailPlus Server")
    same_key = spki_sha256(presented) == spki_sha256(chain.leaf)
    if same_key:
        return Finding(PRESENTED, Status.WARN, subject,
                       "port 25 still presents an older certificate than the one in DSM's store (with the same "
                       "key, so TLSA records still match)",
                       "Restart MailPlus Server (Package Center) so it loads the renewed certificate.")
    return Finding(PRESENTED, Status.FAIL, subject,
                   "port 25 presents a different key than the certificate DSM assigned to MailPlus Server; TLSA "
                   "records made from the NAS certificate will not match what senders see",
                   "Check which certificate MailPlus Server uses (Control Panel > Security > Certificate > "
                   "Settings) and restart MailPlus Server.")


def _published(facts: DomainFacts, chain: CertificateChain, host: str) -> Finding:
    wanted = dane_ee_record(chain.leaf, host)
    local_chain = [chain.leaf, *chain.issuers]
    roles = [classify(record, local_chain) for record in published_records(facts, host)]
    matching = [role for role in roles if role.role in (Role.CURRENT, Role.ISSUER)]
    if matching:
        return passed(PUBLISHED, wanted.name, f"DNS has a record for the NAS certificate: {matching[0].describe()}")
    return Finding(PUBLISHED, Status.FAIL, wanted.name,
                   "DNS has no TLSA record for the certificate in DSM's store: once MailPlus Server serves it, "
                   "DANE senders will refuse delivery",
                   f"Publish {wanted.zone_line()} now, and keep the current records until it is live.")
