"""Finding a domain's SPF record the way check_host() does (RFC 7208 §4.3-§4.5), and the result names.

Shared by the evaluator and the static lookup counter so that both treat a domain alike: a malformed
name or NXDOMAIN or no `v=spf1` record is `none`, several records or a syntax error `permerror`, and a
DNS failure `temperror` with its reason, never `none`.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Optional, Tuple

from mailsec.records.issues import RecordIssue
from mailsec.records.lookup import TxtLookup
from mailsec.records.spf.record import SpfRecord, name_problem, select_spf


class SpfVerdict(str, Enum):
    """The results of check_host() (RFC 7208 §2.6)."""

    PASS = "pass"  # noqa: S105
    FAIL = "fail"
    SOFTFAIL = "softfail"
    NEUTRAL = "neutral"
    NONE = "none"
    PERMERROR = "permerror"
    TEMPERROR = "temperror"


@dataclass(frozen=True)
class FetchedRecord:
    """The record of `domain`, or the verdict its absence or brokenness gives, with the reason."""

    domain: str
    record: Optional[SpfRecord]
    verdict: Optional[SpfVerdict]  # None when `record` is set
    reason: str = ""
    issues: Tuple[RecordIssue, ...] = ()


def fetch_spf(dns: TxtLookup, domain: str) -> FetchedRecord:
    problem = name_problem(domain)
    if problem:
        return FetchedRecord(domain, None, SpfVerdict.NONE, f"`{domain}` is not a valid domain: {problem}")
    answer = dns.txt(domain)
    if answer.failed:
        return FetchedRecord(
            domain, None, SpfVerdict.TEMPERROR, f"the TXT lookup of {domain} failed: {answer.reason}"
        )
    parsed = select_spf(answer.records)
    if parsed.published == 0:
        return FetchedRecord(domain, None, SpfVerdict.NONE, f"{domain} has no SPF record", parsed.issues)
    if parsed.record is None:
        first = parsed.errors[0] if parsed.errors else None
        return FetchedRecord(
            domain, None, SpfVerdict.PERMERROR, f"the SPF record of {domain} is invalid: {first}", parsed.issues
        )
    return FetchedRecord(domain, parsed.record, None, "", parsed.issues)
