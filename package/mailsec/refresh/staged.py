"""A certificate staged in DSM's store for the MX hosts: the `next` key, published before it is used.

RFC 7671 §8.1's safe order is: publish the next key's record, wait two TTLs, then switch. DSM's own Let's
Encrypt renewal switches at once (the `2 1 1` issuer record bridges that day), but an owner who wants the
textbook order can add the new certificate in DSM (import it, or request it) *without* assigning it to any
service. mailsec takes such a certificate as the next one when it:

- is assigned to no service in DSM's store;
- names every MX host, has a key other than the certificate in use, was issued after it and has not
  expired.

Of several, the one issued last. Its records are published with the role `next`, and the app says from
when it may be assigned to MailPlus Server. Publishing a record for a certificate that is never used
costs nothing: an extra record never makes DANE fail.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional, Sequence

from mailsec.certs import CertificateChain, covers_host, load_chain_file
from mailsec.certstore import read_certificate_index
from mailsec.errors import MailsecError
from mailsec.nas import NasLayout
from mailsec.tlsa import spki_sha256


@dataclass(frozen=True)
class StagedCertificate:
    cert_id: str
    chain: CertificateChain


def find_staged(layout: NasLayout, in_use: CertificateChain, in_use_id: str, hosts: Sequence[str],
                now: datetime) -> Optional[StagedCertificate]:
    """The staged next certificate, or None; a store that cannot be read has none."""
    try:
        index = read_certificate_index(layout)
    except MailsecError:
        return None
    candidates: List[StagedCertificate] = []
    for cert_id, stored in index.items():
        if cert_id == in_use_id or stored.services:
            continue
        try:
            chain = load_chain_file(stored.chain_file)
        except MailsecError:
            continue
        if _qualifies(chain, in_use, hosts, now):
            candidates.append(StagedCertificate(cert_id, chain))
    return max(candidates, key=lambda staged: staged.chain.leaf.not_valid_before_utc, default=None)


def _qualifies(chain: CertificateChain, in_use: CertificateChain, hosts: Sequence[str], now: datetime) -> bool:
    leaf = chain.leaf
    return (bool(hosts) and all(covers_host(leaf, host) for host in hosts)
            and leaf.not_valid_before_utc > in_use.leaf.not_valid_before_utc
            and leaf.not_valid_after_utc > now
            and _key_digest(leaf) != _key_digest(in_use.leaf))


def _key_digest(cert) -> str:
    try:
        return spki_sha256(cert)
    except MailsecError:
        return ""
