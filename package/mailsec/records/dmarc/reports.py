"""Whether a DMARC report destination accepts reports for the domain (RFC 7489 §7.1, RFC 9990).

A domain may send its reports to a mailbox of another organisation (a DMARC reporting service) only if
that organisation agrees, by publishing a TXT record beginning with `v=DMARC1` at
`<policy domain>._report._dmarc.<destination host>` (a `*` wildcard in place of the policy domain
is allowed). Receivers drop destinations without it, silently: the owner sees no reports and does not
know why. No record is needed when both hosts belong to the same Organizational Domain; this compares
Organizational Domains (RFC 9989 tree walk, `treewalk`), never the exact names, so
`rua=mailto:dmarc@reports.example.com` for `example.com` needs none.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Callable, Dict, List, Tuple

from mailsec.limits import DNS_NAME_MAX_LEN
from mailsec.records.dmarc.record import DmarcRecord, is_dmarc_record
from mailsec.records.dmarc.treewalk import OrganizationalDomain, organizational_domain
from mailsec.records.lookup import TxtLookup
from mailsec.records.reporturi import ReportUri
from mailsec.records.txt import join_txt


class Authorization(str, Enum):
    SAME_ORGANIZATION = "same-organization"  # no authorisation needed
    AUTHORIZED = "authorized"
    NOT_AUTHORIZED = "not-authorized"  # receivers ignore this destination
    UNKNOWN = "unknown"  # a DNS failure or an over-long name left it open


@dataclass(frozen=True)
class DestinationCheck:
    uri: ReportUri
    tag: str  # "rua" or "ruf"
    status: Authorization
    reason: str
    query: str = ""  # the authorisation name asked, when one was needed
    fix: str = ""  # the record the destination's owner must publish, when missing


def check_report_destinations(policy_domain: str, record: DmarcRecord, dns: TxtLookup) -> Tuple[DestinationCheck, ...]:
    """Check every `rua` and `ruf` destination of the record published for `policy_domain`."""
    domain = policy_domain.rstrip(".").lower()
    organizations: Dict[str, OrganizationalDomain] = {}

    def organization(name: str) -> OrganizationalDomain:
        if name not in organizations:
            organizations[name] = organizational_domain(name, dns)
        return organizations[name]

    checks: List[DestinationCheck] = []
    for tag, uris in (("rua", record.rua), ("ruf", record.ruf)):
        checks.extend(_check(domain, uri, tag, dns, organization) for uri in uris)
    return tuple(checks)


def _check(
    domain: str, uri: ReportUri, tag: str, dns: TxtLookup, organization: Callable[[str], OrganizationalDomain]
) -> DestinationCheck:
    if not uri.host:
        return DestinationCheck(uri, tag, Authorization.UNKNOWN, "the URI names no host to check")
    own, theirs = organization(domain), organization(uri.host)
    if own.error or theirs.error:
        return DestinationCheck(uri, tag, Authorization.UNKNOWN, own.error or theirs.error)
    if own.domain == theirs.domain:
        return DestinationCheck(
            uri, tag, Authorization.SAME_ORGANIZATION,
            f"{uri.host} belongs to the same organisation ({own.domain}); no authorisation needed",
        )
    query = f"{domain}._report._dmarc.{uri.host}"
    if len(query) > DNS_NAME_MAX_LEN:
        return DestinationCheck(uri, tag, Authorization.UNKNOWN,
                                f"the authorisation name would be {len(query)} characters, too long for DNS", query)
    answer = dns.txt(query)
    if answer.failed:
        return DestinationCheck(uri, tag, Authorization.UNKNOWN, f"the TXT lookup of {query} failed: {answer.reason}",
                                query)
    if any(is_dmarc_record(join_txt(data).text) for data in answer.records):
        return DestinationCheck(uri, tag, Authorization.AUTHORIZED, f"{query} authorises reports for {domain}", query)
    return DestinationCheck(
        uri, tag, Authorization.NOT_AUTHORIZED,
        f"{uri.host} is outside {own.domain} and has not agreed to receive reports for {domain} ({query} has no "
        "`v=DMARC1` record), so receivers drop this address",
        query,
        fix=f'{query}. IN TXT "v=DMARC1"',
    )
