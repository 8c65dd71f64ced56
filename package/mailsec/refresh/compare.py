"""Judging a refresh: the certificate against the last run, and the plan against what DNS publishes.

Pure: values in, findings out. The rules that keep mail deliverable:

- a TLSA record is current when it matches the certificate MailPlus presents (usage 3/1 the server
  certificate, usage 2/0 a CA of its chain), whatever selector and matching type it uses;
- new records are always published before old ones are removed, and old ones stay at least two TTLs
  after the new ones are visible (RFC 7671 §8.1), so no resolver is left with only the old set;
- a lookup that failed means "could not confirm", never "missing": nothing is advised from it.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Collection, Iterable, List, Optional, Tuple

from mailsec.certs import CertificateChain, CertificateError
from mailsec.errors import ExitCode, MailsecError
from mailsec.findings import Finding, Status
from mailsec.limits import CERT_EXPIRY_WARNING_DAYS, TLSA_ROLLOVER_TTL_FACTOR
from mailsec.mtasts.publish import PublishedPolicy
from mailsec.refresh.plan import HostPlan, MailCertificate
from mailsec.refresh.state import CertificateFacts
from mailsec.resolver import Lookup
from mailsec.tlsa import MatchingType, Selector, TlsaRecord, Usage, association_data

CERTIFICATE_FINDING = "refresh.certificate"
TLSA_DNS_FINDING = "refresh.tlsa.dns"
POLICY_FINDING = "refresh.policy"
MTA_STS_DNS_FINDING = "refresh.mta-sts.dns"
OWN_PART_FINDINGS = (CERTIFICATE_FINDING, POLICY_FINDING)  # an error in these is mailsec's own failure

END_ENTITY_USAGES = (Usage.DANE_EE, Usage.PKIX_EE)
TRUST_ANCHOR_USAGES = (Usage.DANE_TA, Usage.PKIX_TA)
_WAIT = (f"Keep the old records until the new ones have been in DNS for at least {TLSA_ROLLOVER_TTL_FACTOR} "
         "TTLs of the record set, so that no resolver still holds only the old ones.")
_STS_ID = re.compile(r"(?:^|;)\s*id=([A-Za-z0-9]{1,32})\s*(?:;|$)")


@dataclass(frozen=True)
class PublishedTlsa:
    """A TLSA record as DNS returned it."""

    usage: int
    selector: int
    mtype: int
    data: str  # lower-case hex

    @classmethod
    def of(cls, record: TlsaRecord) -> "PublishedTlsa":
        return cls(record.usage, record.selector, record.mtype, record.data)


def exit_code(findings: Iterable[Finding]) -> int:
    """2 when mailsec could not do its own part, 1 when the owner must act (or DNS was unconfirmed), else 0."""
    findings = list(findings)
    if any(f.id in OWN_PART_FINDINGS and f.status == Status.ERROR for f in findings):
        return ExitCode.CANNOT_RUN
    if any(f.status in (Status.FAIL, Status.ERROR) for f in findings):
        return ExitCode.ACTION_NEEDED
    return ExitCode.OK


def certificate_change(previous: Optional[CertificateFacts], current: CertificateFacts, now: datetime
                       ) -> Optional[str]:
    """A sentence about how the certificate changed since the last run, or None when it did not."""
    if previous is None or previous == current:
        return None
    noticed = now.strftime("%Y-%m-%d %H:%M UTC")
    if previous.same_key(current):
        return (f"renewed with the same key (noticed {noticed}; before: valid until {previous.not_after}): "
                "the TLSA records stay valid, nothing to do")
    return f"replaced by one with a new key (noticed {noticed}; before: {previous.cert_id}, {previous.key})"


def certificate_finding(current: Optional[MailCertificate], error: Optional[MailsecError], change: str,
                        now: datetime) -> Finding:
    """The mail certificate now, and its last change (kept until the next one, so the text is stable)."""
    if current is None:
        return Finding(CERTIFICATE_FINDING, Status.ERROR, "certificate", str(error),
                       "The TLSA records were not checked this time; the ones mailsec showed before still apply.")
    facts = current.facts
    story = f"{facts.cert_id} ({facts.key}, {facts.subject}, valid until {facts.not_after}): {current.note}"
    if change:
        story += f"; last change: {change}"
    days_left = (current.chain.leaf.not_valid_after_utc - now).days
    if days_left < 0:
        return Finding(CERTIFICATE_FINDING, Status.FAIL, "certificate", f"{story}; it has EXPIRED",
                       "Renew it in Control Panel > Security > Certificate; senders refuse an expired certificate.")
    if days_left < CERT_EXPIRY_WARNING_DAYS:
        return Finding(CERTIFICATE_FINDING, Status.WARN, "certificate",
                       f"{story}; it expires within {CERT_EXPIRY_WARNING_DAYS} days and DSM has not renewed it yet",
                       "Check its renewal in Control Panel > Security > Certificate.")
    return Finding(CERTIFICATE_FINDING, Status.PASS, "certificate", story)


def tlsa_dns_finding(host: HostPlan, lookup: Lookup, chain: CertificateChain,
                     rolling: Collection[TlsaRecord] = ()) -> Finding:
    """Does DNS publish records that let DANE senders accept the certificate of `host`?

    `rolling` are the records the rollover keeps on purpose (old ones until safe, a staged next one);
    they are not called stale here, since the rollover finding says when they go.
    """
    wanted = {PublishedTlsa.of(record): record for record in host.records}
    expected = {PublishedTlsa.of(record) for record in rolling}
    owner = host.records[0].name
    if lookup.failed:
        return Finding(TLSA_DNS_FINDING, Status.ERROR, host.host, f"could not confirm the TLSA records: "
                       f"{lookup.describe()}", "Nothing to change now; mailsec looks again at its next run. If this "
                       "keeps happening, check the name servers in mailsec's settings.")
    published = [PublishedTlsa(r.usage, r.selector, r.mtype, r.cert.hex()) for r in lookup.records]
    missing = [record for key, record in wanted.items() if key not in published]
    if not published:
        return Finding(TLSA_DNS_FINDING, Status.FAIL, host.host, f"no TLSA records are published at {owner}",
                       "Publish in the DNSSEC-signed zone:\n" + _lines(missing))
    current = [r for r in published if matches_chain(r, chain)]
    stale_ee = [r for r in published if r not in current and r not in expected and r.usage in END_ENTITY_USAGES]
    stale_ta = [r for r in published if r not in current and r not in expected and r.usage in TRUST_ANCHOR_USAGES]
    if not current:
        return Finding(TLSA_DNS_FINDING, Status.FAIL, host.host, f"none of the TLSA records at {owner} matches the "
                       "certificate MailPlus Server presents: DANE senders defer all mail to this host",
                       "Publish now, next to the old records:\n" + _lines(missing) + f"\n{_WAIT}\nThen remove:\n" +
                       _published_lines(owner, stale_ee + stale_ta))
    issues: List[Tuple[Status, str, str]] = []
    if not any(r.usage in END_ENTITY_USAGES for r in current):
        ee = [r for r in missing if r.usage in END_ENTITY_USAGES]
        issues.append((Status.FAIL, "no TLSA record matches the current key; only the issuer record keeps mail "
                       "flowing", "Publish:\n" + _lines(ee)))
    if stale_ee:
        issues.append((Status.FAIL, "DNS still has TLSA records for a previous key",
                       f"{_WAIT} Then remove:\n" + _published_lines(owner, stale_ee)))
    ta = [r for r in missing if r.usage in TRUST_ANCHOR_USAGES]
    if ta and not any(r.usage in TRUST_ANCHOR_USAGES for r in current):
        issues.append((Status.WARN, "no 2 1 1 record for the issuing CA, which keeps DANE working through a "
                       "renewal that changes the key", "Publish:\n" + _lines(ta)))
    if stale_ta:
        issues.append((Status.WARN, "DNS has a CA record that matches no CA of the current chain",
                       "Keep it if you publish records for several intermediates on purpose; otherwise remove:\n" +
                       _published_lines(owner, stale_ta)))
    if not issues:
        return Finding(TLSA_DNS_FINDING, Status.PASS, host.host, f"DNS publishes TLSA records at {owner} that match "
                       "the current certificate")
    worst = Status.FAIL if any(status == Status.FAIL for status, _, _ in issues) else Status.WARN
    return Finding(TLSA_DNS_FINDING, worst, host.host, "; ".join(message for _, message, _ in issues),
                   "\n".join(fix for _, _, fix in issues))


def matches_chain(record: PublishedTlsa, chain: CertificateChain) -> bool:
    """Whether `record` matches the server certificate (usage 3/1) or a CA of its chain (usage 2/0)."""
    if record.usage in END_ENTITY_USAGES:
        candidates = [chain.leaf]
    elif record.usage in TRUST_ANCHOR_USAGES:
        candidates = list(chain.issuers)
    else:
        return False
    try:
        selector, mtype = Selector(record.selector), MatchingType(record.mtype)
        return any(association_data(cert, selector, mtype).hex() == record.data for cert in candidates)
    except (ValueError, CertificateError):
        return False


def mta_sts_dns_finding(domain: str, owner: str, published: PublishedPolicy, lookup: Lookup) -> Finding:
    """Does `_mta-sts.<domain>` announce the policy now in Web Station's folder?"""
    expected_id = published.policy.policy_id
    wanted = f'{owner} IN TXT "{published.txt_value}"'
    if lookup.failed:
        return Finding(MTA_STS_DNS_FINDING, Status.ERROR, domain, f"could not confirm the _mta-sts record: "
                       f"{lookup.describe()}", "Nothing to change now; mailsec looks again at its next run.")
    announcements = [text for text in lookup.texts if text.startswith("v=STSv1")]
    if not announcements:
        return Finding(MTA_STS_DNS_FINDING, Status.FAIL, domain, f"no MTA-STS TXT record at {owner}, so senders "
                       "never fetch the policy", f"Publish:\n{wanted}")
    if len(announcements) > 1:
        return Finding(MTA_STS_DNS_FINDING, Status.FAIL, domain, f"{owner} has {len(announcements)} v=STSv1 "
                       "records; senders ignore them all (RFC 8461 §3.1)", f"Keep only:\n{wanted}")
    match = _STS_ID.search(announcements[0])
    found = match.group(1) if match else "no valid id"
    if found != expected_id:
        return Finding(MTA_STS_DNS_FINDING, Status.FAIL, domain, f"{owner} announces {found}, but the policy now "
                       f"served has id {expected_id}: senders keep their cached old policy until the id changes",
                       f"Replace the record with:\n{wanted}")
    return Finding(MTA_STS_DNS_FINDING, Status.PASS, domain, f"{owner} announces the current policy (id {expected_id})")


def _lines(records: Iterable[TlsaRecord]) -> str:
    return "\n".join(record.zone_line() for record in records)


def _published_lines(owner: str, records: Iterable[PublishedTlsa]) -> str:
    return _lines(TlsaRecord(owner, r.usage, r.selector, r.mtype, r.data) for r in records)
