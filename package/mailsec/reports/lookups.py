"""Looking up what the interpretation checks reports against: certificate, TLSA records, reverse names.

Everything here is I/O and may fail; failures become notes in the `Deployment` (or an empty reverse
name), never exceptions, so a summary is always produced. DNS lookups go through `mailsec.resolver`
with the owner's configured servers and run concurrently; the certificate is read from DSM's store,
which only root may read (the scheduled task runs as root; the app does not, and says so).
"""

from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

from mailsec.audit.concurrency import parallel_map
from mailsec.certs import dns_names, load_chain_file
from mailsec.certstore import find_mail_certificate
from mailsec.errors import MailsecError, NeedsRootError
from mailsec.nas import NasLayout
from mailsec.reports.deployment import Deployment, NasCertificate, PublishedTlsa
from mailsec.resolver import DnsResolver, Lookup
from mailsec.settings import Settings
from mailsec.tlsa import MatchingType, Selector, Usage, association_data

MAX_REVERSE_LOOKUPS = 200  # the busiest sources get a name; the rest are listed by address only


def look_up_deployment(layout: NasLayout, settings: Settings, resolver: Optional[DnsResolver],
                       mx_hosts: Iterable[str]) -> Deployment:
    """Today's certificate, configured policies and, unless `resolver` is None, TLSA records and MX addresses."""
    certificate, certificate_note = _certificate(layout)
    notes = [certificate_note] if certificate_note else []
    tlsa: Dict[str, PublishedTlsa] = {}
    own_addresses: FrozenSet[str] = frozenset()
    if resolver is None:
        notes.append("DNS was not consulted: no reverse names, and TLS failures were not compared with DNS")
    else:
        tlsa, own_addresses = _dns_facts(resolver, mx_hosts, settings)
    return Deployment(
        certificate=certificate,
        tlsa=tlsa,
        policies={domain.domain: tuple(domain.policy().render().splitlines()) for domain in settings.domains},
        own_addresses=own_addresses,
        notes=tuple(notes),
    )


def reverse_names(resolver: DnsResolver, addresses: Iterable[str]) -> Dict[str, str]:
    """The first PTR name of each address ("" when there is none), looked up concurrently."""
    wanted = list(dict.fromkeys(addresses))[:MAX_REVERSE_LOOKUPS]
    names = parallel_map(lambda address: _first_name(resolver.query_address(address)), wanted)
    return dict(zip(wanted, names))


def _dns_facts(resolver: DnsResolver, mx_hosts: Iterable[str],
               settings: Settings) -> Tuple[Dict[str, PublishedTlsa], FrozenSet[str]]:
    """The TLSA records of the reported MX hosts and the addresses of the configured ones, looked up at once."""
    hosts = sorted({host for host in mx_hosts if host and "*" not in host})
    own_hosts = sorted({host for domain in settings.domains for host in domain.mx})
    queries = [(f"_25._tcp.{host}", "TLSA") for host in hosts]
    queries += [(host, rdtype) for host in own_hosts for rdtype in ("A", "AAAA")]
    lookups = parallel_map(lambda query: resolver.query(*query), queries)
    tlsa = {host: _published(host, lookup) for host, lookup in zip(hosts, lookups)}
    addresses = frozenset(record.address for lookup in lookups[len(hosts):] for record in lookup.records)
    return tlsa, addresses


def _certificate(layout: NasLayout) -> Tuple[Optional[NasCertificate], str]:
    if not layout.certificate_archive.exists():
        return None, f"no DSM certificate store under {layout.root}: TLS failures were not compared with a certificate"
    try:
        chain = load_chain_file(find_mail_certificate(layout).certificate.chain_file)
    except NeedsRootError:
        return None, ("only root may read DSM's certificate store, so TLS failures were not compared with the "
                      "MailPlus certificate (the scheduled task runs as root)")
    except MailsecError as exc:
        return None, f"the MailPlus certificate could not be read: {exc}"
    leaf = chain.leaf
    key_rdata = f"3 1 1 {association_data(leaf, Selector.SPKI, MatchingType.SHA256).hex()}"
    return NasCertificate(
        names=dns_names(leaf),
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
        key_rdata=key_rdata,
        matching_rdata=_matching_rdata([(leaf, Usage.DANE_EE)] + [(ca, Usage.DANE_TA) for ca in chain.issuers]),
    ), ""


def _matching_rdata(certificates: List[Tuple[object, Usage]]) -> FrozenSet[str]:
    """Every DANE record (usage 2 or 3, any selector, SHA-256 or SHA-512) that matches one of `certificates`."""
    return frozenset(
        f"{int(usage)} {int(selector)} {int(mtype)} {association_data(cert, selector, mtype).hex()}"
        for cert, usage in certificates
        for selector in (Selector.CERT, Selector.SPKI)
        for mtype in (MatchingType.SHA256, MatchingType.SHA512)
    )


def _published(host: str, lookup: Lookup) -> PublishedTlsa:
    if lookup.failed:
        return PublishedTlsa(host, (), False, lookup.reason or lookup.outcome.value)
    rdata = tuple(f"{r.usage} {r.selector} {r.mtype} {r.cert.hex()}" for r in lookup.records)
    return PublishedTlsa(host, rdata, lookup.secure)


def _first_name(lookup: Lookup) -> str:
    names = sorted(record.target.to_text().rstrip(".").lower() for record in lookup.records)
    return names[0] if names else ""
