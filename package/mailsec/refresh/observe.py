"""What refresh reads: the mail certificate from DSM's store, and what DNS publishes now.

DNS is asked through the resolver the owner configured (`mailsec configure --nameserver`), for the TLSA
records of each MX host and the `_mta-sts` TXT record of each domain, all at once: the lookups are
independent, so their waits overlap instead of adding up. A lookup that fails is kept as such; the
comparison reports it as "could not confirm", never as "missing".
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Dict, Sequence

from mailsec.certs import load_chain_file
from mailsec.certstore import find_mail_certificate
from mailsec.nas import NasLayout
from mailsec.refresh.plan import MailCertificate, certificate_facts
from mailsec.resolver import Lookup
from mailsec.tlsa import SMTP_PORT, tlsa_owner

MAX_PARALLEL_LOOKUPS = 8


@dataclass(frozen=True)
class DnsView:
    """The lookups refresh compares its plan with."""

    tlsa: Dict[str, Lookup]  # by MX host
    mta_sts: Dict[str, Lookup]  # by mail domain


def read_mail_certificate(layout: NasLayout) -> MailCertificate:
    """The certificate MailPlus Server uses (raises `MailsecError` saying what is wrong with the store)."""
    choice = find_mail_certificate(layout)
    path = choice.certificate.chain_file
    chain = load_chain_file(path)
    facts = certificate_facts(chain, choice.certificate.cert_id, str(path), choice.used_by_mailplus)
    return MailCertificate(chain, facts, choice.note)


def mta_sts_name(domain: str) -> str:
    return f"_mta-sts.{domain}."


def observe_dns(resolver, hosts: Sequence[str], domains: Sequence[str]) -> DnsView:
    """TLSA of `_25._tcp.<host>` for each host and TXT of `_mta-sts.<domain>` for each domain.

    `resolver` is anything with `query(name, rdtype) -> Lookup`, normally a `mailsec.resolver.DnsResolver`.
    """
    questions = [(tlsa_owner(host, SMTP_PORT), "TLSA") for host in hosts]
    questions += [(mta_sts_name(domain), "TXT") for domain in domains]
    if not questions:
        return DnsView({}, {})
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_LOOKUPS, len(questions))) as pool:
        answers = list(pool.map(lambda question: resolver.query(*question), questions))
    return DnsView(dict(zip(hosts, answers[: len(hosts)])), dict(zip(domains, answers[len(hosts):])))
