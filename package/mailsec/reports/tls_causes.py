"""What each TLS-RPT failure type usually means, and what today's deployment says about it.

RFC 8460 §4.3 names the failure types; a report gives the type, not the reason behind it. `CAUSES`
is the general explanation and fix for each type. `diagnose()` then adds evidence from the current
deployment where it can settle the question: a `tlsa-invalid` whose reported records match no key of
today's certificate is a stale TLSA record (the classic after a renewal); a `validation-failure` under
MTA-STS for an MX host that no `mx:` line covers is a policy that does not match the MX records; a
`certificate-host-mismatch` for a host absent from the certificate's names is the certificate.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Dict, List, Tuple

from mailsec.names import name_matches
from mailsec.reports.deployment import Deployment, normalized_rdata

RECENT_RENEWAL = timedelta(days=7)  # a new certificate this close before the first failure is "right after renewal"


@dataclass(frozen=True)
class Cause:
    explanation: str  # may name {domain}
    fix: str


@dataclass(frozen=True)
class Diagnosis:
    cause: str
    fix: str
    evidence: Tuple[str, ...]  # what the current certificate, DNS and policy say about it


@dataclass(frozen=True)
class FailureContext:
    """The policy a failure was reported under, and the deployment to check it against."""

    policy_type: str
    policy_domain: str
    mx: Tuple[str, ...]  # the policy's mx patterns (sts) or MX hosts (tlsa), as reported
    policy_strings: Tuple[str, ...]
    deployment: Deployment
    now: datetime


_DANE_STALE = (
    "Publish the TLSA record for the current key (`mailsec tlsa` prints it) next to the old one, remove the old "
    "one after two TTLs, and before the next renewal publish the next key first."
)

CAUSES: Dict[str, Cause] = {
    "starttls-not-supported": Cause(
        "The sender could not start TLS with your MX: STARTTLS was not offered on port 25, or a device on the "
        "way (a router's SMTP inspection, a provider's filter) removed it.",
        "Enable TLS for SMTP in MailPlus Server, let port 25 reach the NAS unfiltered, then run "
        "`mailsec check {domain}`."),
    "certificate-host-mismatch": Cause(
        "The certificate your MX presented does not name the MX host the sender connected to.",
        "Give MailPlus Server a certificate that names every MX host (Control Panel > Security > Certificate), "
        "or make the MX records point at a name the certificate has."),
    "certificate-expired": Cause(
        "The certificate your MX presented had expired.",
        "Renew it in Control Panel > Security > Certificate and restart MailPlus Server so it serves the new one."),
    "certificate-not-trusted": Cause(
        "The certificate your MX presented does not lead to a CA the sender trusts: it is self-signed, or the "
        "intermediate certificate was not sent along.",
        "Use a certificate from a public CA (DSM's Let's Encrypt) and make sure MailPlus Server sends the full "
        "chain."),
    "validation-failure": Cause(
        "The sender could not validate your MX: under MTA-STS usually an MX host that no `mx:` line of the policy "
        "covers, or a certificate without its name; under DANE a TLSA record that matches no certificate.",
        "Compare the policy's mx lines, the certificate's names and the TLSA records with the MX records "
        "(`mailsec check {domain}`)."),
    "tlsa-invalid": Cause(
        "The TLSA records match no certificate your MX presented, or are unusable: typically a certificate "
        "renewal changed the key while DNS still has the old `3 1 1` record.",
        _DANE_STALE),
    "dnssec-invalid": Cause(
        "The sender's resolver could not validate DNSSEC for your MX or its TLSA records: expired signatures, or "
        "a DS record at the registrar that does not match the zone's key.",
        "Check the zone's signatures and the DS record at the registrar; `mailsec check {domain}` shows the "
        "DNSSEC state."),
    "dane-required": Cause(
        "The sender requires DANE for your domain and found no usable TLSA records.",
        "Publish TLSA records in a DNSSEC-signed zone (`mailsec tlsa`), or ask the sender to lift the "
        "requirement."),
    "sts-policy-fetch-error": Cause(
        "The sender could not fetch https://mta-sts.{domain}/.well-known/mta-sts.txt: the name does not resolve, "
        "HTTPS fails or times out, or the server redirects (not allowed).",
        "Check the Web Station virtual host for mta-sts.{domain} and the file (`mailsec policy write`), then "
        "`mailsec check {domain}`."),
    "sts-policy-invalid": Cause(
        "The policy file the sender fetched is not a valid MTA-STS policy.",
        "Write it again with `mailsec policy write`; `mailsec policy check FILE` shows what is wrong."),
    "sts-webpki-invalid": Cause(
        "The HTTPS certificate of mta-sts.{domain} is not valid for that name or not publicly trusted.",
        "Put mta-sts.{domain} on a publicly trusted certificate and assign it to the Web Station virtual host."),
}

_UNKNOWN = Cause(
    "A result type RFC 8460 does not define; the sender may explain it in additional-information.",
    "Read the failure-reason-code and additional-information of these reports.")


def diagnose(result_type: str, receiving_mx: Tuple[str, ...], first_seen: int, context: FailureContext) -> Diagnosis:
    """The cause and fix of one kind of failure, with evidence from the current deployment."""
    cause = CAUSES.get(result_type, _UNKNOWN)
    evidence: List[str] = []
    for check in _EVIDENCE.get((result_type, context.policy_type), _EVIDENCE.get((result_type, ""), ())):
        evidence += check(receiving_mx, first_seen, context)
    domain = context.policy_domain
    return Diagnosis(cause.explanation.format(domain=domain), cause.fix.format(domain=domain), tuple(evidence))


def _stale_tlsa(receiving_mx: Tuple[str, ...], first_seen: int, context: FailureContext) -> List[str]:
    certificate = context.deployment.certificate
    seen = {normalized_rdata(text) for text in context.policy_strings}
    if certificate is None or not seen:
        return []
    if seen & certificate.matching_rdata:
        return ["The TLSA records senders saw match the certificate in DSM's store, so they are not stale; "
                "MailPlus Server may still present an older certificate (restart it) or an incomplete chain."]
    return [f"The TLSA records senders saw ({_listed(sorted(seen))}) match no key of the certificate in DSM's store"
            f"{_renewal_note(certificate.not_before, first_seen)}: a stale TLSA record."]


def _published_tlsa(receiving_mx: Tuple[str, ...], _first_seen: int, context: FailureContext) -> List[str]:
    deployment = context.deployment
    certificate = deployment.certificate
    notes = []
    for host in _hosts(receiving_mx, context):
        published = deployment.tlsa.get(host)
        owner = f"_25._tcp.{host}"
        if published is None:
            continue
        if published.failure:
            notes.append(f"Looking up TLSA {owner} fails now ({published.failure}).")
        elif not published.rdata:
            notes.append(f"DNS has no TLSA records at {owner} now.")
        elif certificate is not None and set(published.rdata) & certificate.matching_rdata:
            notes.append(f"DNS now has a TLSA record at {owner} that matches the current certificate: fixed "
                         "since these reports; failures stop as resolvers' caches expire.")
        elif certificate is not None:
            notes.append(f"DNS still has no TLSA record for the current certificate at {owner}: publish "
                         f"{owner}. IN TLSA {certificate.key_rdata}")
        if published.rdata and not published.secure:
            notes.append(f"The TLSA records at {owner} are not DNSSEC-validated, so DANE senders ignore them.")
    return notes


def _dnssec_now(receiving_mx: Tuple[str, ...], _first_seen: int, context: FailureContext) -> List[str]:
    notes = []
    for host in _hosts(receiving_mx, context):
        published = context.deployment.tlsa.get(host)
        if published is not None and published.failure:
            notes.append(f"TLSA _25._tcp.{host} still fails to resolve now ({published.failure}).")
        elif published is not None and published.secure:
            notes.append(f"TLSA _25._tcp.{host} validates now: the zone was probably re-signed since.")
    return notes


def _mx_patterns(receiving_mx: Tuple[str, ...], _first_seen: int, context: FailureContext) -> List[str]:
    patterns = [line.split(":", 1)[1].strip() for line in context.policy_strings
                if line.lower().startswith("mx:")]
    if not patterns:
        return []
    return [f"The MX host {host} matches no mx line of the policy senders fetched ({', '.join(patterns)}): in "
            f"enforce mode they refuse it. Add it: `mailsec configure --domain {context.policy_domain} --mx ...` "
            "with every MX host, then `mailsec policy write`."
            for host in receiving_mx if not any(name_matches(pattern, host) for pattern in patterns)]


def _certificate_names(receiving_mx: Tuple[str, ...], _first_seen: int, context: FailureContext) -> List[str]:
    certificate = context.deployment.certificate
    if certificate is None or not receiving_mx:
        return []
    missing = [host for host in receiving_mx if not any(name_matches(name, host) for name in certificate.names)]
    if missing:
        return [f"The certificate in DSM's store names {', '.join(certificate.names)}; {', '.join(missing)} "
                "is not among them."]
    return [f"The certificate in DSM's store now covers {', '.join(receiving_mx)}: it changed since these reports, "
            "or MailPlus Server still presents another one (restart it)."]


def _certificate_dates(_receiving_mx: Tuple[str, ...], _first_seen: int, context: FailureContext) -> List[str]:
    certificate = context.deployment.certificate
    if certificate is None:
        return []
    if certificate.not_after > context.now:
        return [f"The certificate in DSM's store is valid until {certificate.not_after:%Y-%m-%d}: it was renewed; "
                "restart MailPlus Server if port 25 still presents the old one."]
    return [f"The certificate in DSM's store expired on {certificate.not_after:%Y-%m-%d}: renew it."]


def _policy_text(_receiving_mx: Tuple[str, ...], _first_seen: int, context: FailureContext) -> List[str]:
    configured = context.deployment.policies.get(context.policy_domain)
    if configured is None or not context.policy_strings:
        return []
    if _comparable(configured) == _comparable(context.policy_strings):
        return ["The policy senders fetched is the one configured in mailsec."]
    return ["The policy senders fetched differs from the one configured in mailsec: publish it again with "
            "`mailsec policy write`."]


Check = Callable[[Tuple[str, ...], int, FailureContext], List[str]]
_EVIDENCE: Dict[Tuple[str, str], Tuple[Check, ...]] = {
    ("tlsa-invalid", ""): (_stale_tlsa, _published_tlsa),
    ("validation-failure", "tlsa"): (_stale_tlsa, _published_tlsa),
    ("validation-failure", "sts"): (_mx_patterns, _certificate_names),
    ("dane-required", ""): (_published_tlsa,),
    ("dnssec-invalid", ""): (_dnssec_now,),
    ("certificate-host-mismatch", "sts"): (_mx_patterns, _certificate_names),
    ("certificate-host-mismatch", ""): (_certificate_names,),
    ("certificate-expired", ""): (_certificate_dates,),
    ("sts-policy-invalid", ""): (_policy_text,),
}


def _hosts(receiving_mx: Tuple[str, ...], context: FailureContext) -> List[str]:
    return [host for host in dict.fromkeys([*receiving_mx, *context.mx]) if "*" not in host]


def _renewal_note(not_before: datetime, first_seen: int) -> str:
    first = datetime.fromtimestamp(first_seen, timezone.utc)
    if first - RECENT_RENEWAL <= not_before <= first + timedelta(days=1):
        return f", which was issued on {not_before:%Y-%m-%d}, right before the failures began"
    return f" (issued on {not_before:%Y-%m-%d})"


def _listed(values: List[str]) -> str:
    return "; ".join(value if len(value) < 30 else value[:24] + "..." for value in values)


def _comparable(lines: Tuple[str, ...]) -> List[str]:
    return sorted(" ".join(line.lower().split()) for line in lines if line.strip())
