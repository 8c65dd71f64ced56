"""`dane.tlsa-present`, `dane.tlsa-match`, `dane.dnssec`: DANE for SMTP (RFC 7672) as senders see it.

The published TLSA records are compared with the chain each MX address actually presents, even in an
unsigned zone, where a wrong record waits to break mail the day DNSSEC is switched on. Every record gets
a role: the current key, another key (a staged next key, or an old one to remove), the issuer, or
unusable; at least one usable record must match (RFC 7671 §8).
"""

from dataclasses import dataclass
from enum import Enum
from typing import List, Optional, Sequence

from cryptography import x509

from mailsec.audit.checks.common import lookup_failed, passed
from mailsec.audit.checks.dnssec import Security, explain, security_of
from mailsec.audit.concurrency import parallel_map
from mailsec.audit.facts import DomainFacts
from mailsec.certs import covers_host, summarize
from mailsec.findings import Finding, Status
from mailsec.tlsa import MatchingType, Selector, TlsaRecord, Usage, association_data, dane_ee_record, tlsa_owner

PRESENT, MATCH, SECURE = "dane.tlsa-present", "dane.tlsa-match", "dane.dnssec"
_DIGEST_LENGTHS = {MatchingType.SHA256: 32, MatchingType.SHA512: 64}


class Role(str, Enum):
    CURRENT = "the current key"
    OTHER_KEY = "another key: a staged next key, or an old one to remove"
    ISSUER = "the issuing CA"
    STALE_ISSUER = "a CA that is not in the chain the server sends"
    UNUSABLE = "unusable for SMTP"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class RecordRole:
    record: TlsaRecord
    role: Role
    detail: str = ""

    def describe(self) -> str:
        short = f"{self.record.usage} {self.record.selector} {self.record.mtype} {self.record.data[:12]}..."
        return f"{short} ({self.role.value}{': ' + self.detail if self.detail else ''})"


def classify(record: TlsaRecord, chain: Sequence[x509.Certificate]) -> RecordRole:
    """The role of one published record against the presented chain (leaf first)."""
    if record.usage in (Usage.PKIX_TA, Usage.PKIX_EE):
        return RecordRole(record, Role.UNUSABLE, "PKIX usages 0 and 1 are not used for SMTP (RFC 7672 §3.1.3)")
    if record.usage not in (Usage.DANE_TA, Usage.DANE_EE) or record.selector not in (0, 1) or record.mtype > 2:
        return RecordRole(record, Role.UNUSABLE, "unknown usage, selector or matching type")
    wanted_length = _DIGEST_LENGTHS.get(MatchingType(record.mtype))
    if wanted_length and len(record.data) != 2 * wanted_length:
        return RecordRole(record, Role.MALFORMED, f"a SHA-{256 if record.mtype == 1 else 512} digest has "
                                                  f"{2 * wanted_length} hex digits, this one {len(record.data)}")
    selector, mtype = Selector(record.selector), MatchingType(record.mtype)
    if record.usage == Usage.DANE_EE:
        matched = association_data(chain[0], selector, mtype).hex() == record.data
        return RecordRole(record, Role.CURRENT if matched else Role.OTHER_KEY)
    for ca in chain[1:]:
        if association_data(ca, selector, mtype).hex() == record.data:
            return RecordRole(record, Role.ISSUER, ca.subject.rfc4514_string())
    return RecordRole(record, Role.STALE_ISSUER, "an intermediate the CA has rotated away, or one the server "
                                                 "fails to send (RFC 7672 §3.1.2 requires it in the chain)")


def published_records(facts: DomainFacts, host: str) -> List[TlsaRecord]:
    owner = tlsa_owner(host)
    return [TlsaRecord(owner, r.usage, r.selector, r.mtype, r.cert.hex()) for r in facts.tlsa(host).records]


def check(facts: DomainFacts) -> List[Finding]:
    """Per MX host, all at once: where its records are, whether they match, whether they are secure."""
    per_host = parallel_map(lambda host: _host_findings(facts, host.name), facts.mx_hosts())
    return [finding for part in range(3) for findings in per_host for finding in findings[part]]


def _host_findings(facts: DomainFacts, host: str) -> List[List[Finding]]:
    def matches() -> List[Finding]:
        if not facts.tlsa(host).found:
            return []
        return parallel_map(lambda address: _match(facts, host, address), facts.addresses(host).addresses)

    return parallel_map(lambda part: part(), [lambda: [_present(facts, host)], matches,
                                               lambda: [_secure(facts, host)]])


def _suggested_records(facts: DomainFacts, host: str) -> str:
    leaf = _first_leaf(facts, host)
    if leaf is None:
        return "run `mailsec tlsa` on the NAS"
    return dane_ee_record(leaf, host).zone_line()


def _present(facts: DomainFacts, host: str) -> Finding:
    lookup = facts.tlsa(host)
    if lookup.failed:
        return lookup_failed(PRESENT, tlsa_owner(host), lookup)
    if lookup.found:
        return passed(PRESENT, tlsa_owner(host), f"{len(lookup.records)} TLSA record(s) published")
    apex = facts.tlsa(facts.domain)
    if host != facts.domain and apex.found:
        return Finding(PRESENT, Status.FAIL, tlsa_owner(host),
                       f"TLSA records exist at {tlsa_owner(facts.domain)}, but the MX host is {host}: DANE "
                       "senders look for them below the MX host name, not the domain",
                       f"Publish the records at the MX host's name: {_suggested_records(facts, host)}")
    return Finding(PRESENT, Status.WARN, tlsa_owner(host),
                   "no TLSA records: DANE-capable senders cannot authenticate this MX",
                   f"In a DNSSEC-signed zone, publish: {_suggested_records(facts, host)}")


def _match(facts: DomainFacts, host: str, address: str) -> Finding:
    subject = f"{host} ({address})"
    records = published_records(facts, host)
    with_issuers = any(r.usage == Usage.DANE_TA for r in records)
    chain = _presented(facts, host, address, with_issuers)
    if not chain:
        reason = facts.smtp(host, address).error
        return Finding(MATCH, Status.ERROR, subject,
                       f"could not compare the TLSA records: no certificate was seen ({reason})",
                       "Make sure the MX answers STARTTLS on port 25 (see smtp.starttls).")
    roles = [classify(record, chain) for record in records]
    named = covers_host(chain[0], host)
    usable = [r for r in roles if r.role == Role.CURRENT or (r.role == Role.ISSUER and named)]
    listed = "; ".join(role.describe() for role in roles)
    note = _chain_note(facts, host, address) if with_issuers else ""
    if not usable:
        unsigned = "" if facts.tlsa(host).secure else (
            " The zone is not validated as DNSSEC-secure, so senders ignore the records today; they will "
            "refuse mail the day DNSSEC is on.")
        fix = f"Publish {_suggested_records(facts, host)} now; remove the stale records after two TTLs."
        if any(r.role == Role.ISSUER for r in roles):
            what = (f"the issuer record matches, but the certificate presented does not name {host}, and DANE-TA "
                    "records require the name (RFC 7672 §3.2.2)")
            fix = f"Give MailPlus Server a certificate that names {host}, or: {fix}"
        else:
            what = f"no TLSA record matches the certificate presented ({summarize(chain[0]).key}, " \
                   f"{chain[0].subject.rfc4514_string()})"
        if any(r.role == Role.STALE_ISSUER for r in roles):
            fix += " If the 2 x x record is for your CA, make the server send the intermediate (the full chain)."
        return Finding(MATCH, Status.FAIL, subject,
                       f"{what}: DANE senders will not deliver. Published: {listed}{note}.{unsigned}", fix)
    doubtful = [r for r in roles if r.role in (Role.STALE_ISSUER, Role.UNUSABLE, Role.MALFORMED)]
    if doubtful:
        return Finding(MATCH, Status.WARN, subject,
                       f"matched by {usable[0].describe()}, but some records are of no use: "
                       f"{'; '.join(r.describe() for r in doubtful)}{note}",
                       "Remove or correct those records; every record type published must match the current "
                       "chain (RFC 7671 §8).")
    return passed(MATCH, subject, f"matched by {usable[0].describe()}. Published: {listed}{note}")


def _secure(facts: DomainFacts, host: str) -> Finding:
    lookup, subject = facts.tlsa(host), tlsa_owner(host)
    if lookup.absent:
        return Finding(SECURE, Status.SKIP, subject, "no TLSA records to protect")
    verdict = security_of(facts, lookup)
    if verdict.security == Security.SECURE and not facts.addresses(host).secure:
        return Finding(SECURE, Status.FAIL, subject,
                       f"the TLSA records validate, but the A/AAAA records of {host} do not, so senders never "
                       "look up TLSA (RFC 7672 §2.2.2)",
                       f"Sign the zone that holds {host}'s address records.")
    explanation = explain(verdict, f"the TLSA answer for {host}")
    if verdict.security == Security.INSECURE:
        explanation = explain(verdict, f"the zone of {host}")
        message = explanation.message + ", so its TLSA records are ignored (RFC 6698 §4.1)"
        return Finding(SECURE, Status.FAIL, subject, message, explanation.fix)
    return Finding(SECURE, explanation.status, subject, explanation.message, explanation.fix)


def _presented(facts: DomainFacts, host: str, address: str, with_issuers: bool) -> List[x509.Certificate]:
    """The chain `address` presents for `host`, leaf first; the CAs only when an issuer record needs them."""
    if not with_issuers:
        leaf_der = facts.smtp(host, address).leaf
        return [] if leaf_der is None else [x509.load_der_x509_certificate(leaf_der)]
    # The CAs come from a second handshake (openssl); it runs beside the probe, not after it.
    session, sent = parallel_map(lambda fact: fact(host, address), [facts.smtp, facts.chain])
    if session.leaf is None:
        return []
    leaf = x509.load_der_x509_certificate(session.leaf)
    chain = sent.certificates
    return [leaf, *chain[1:]] if chain and chain[0] == leaf else [leaf, *chain]


def _chain_note(facts: DomainFacts, host: str, address: str) -> str:
    error = facts.chain(host, address).error
    return f" (issuer records could not be checked: {error})" if error else ""


def _first_leaf(facts: DomainFacts, host: str) -> Optional[x509.Certificate]:
    for address in facts.addresses(host).addresses:
        chain = _presented(facts, host, address, with_issuers=False)
        if chain:
            return chain[0]
    return None
