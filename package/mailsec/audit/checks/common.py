"""Findings that many checks phrase the same way."""

from mailsec.findings import Finding, Status
from mailsec.resolver import Lookup


def lookup_failed(check_id: str, subject: str, lookup: Lookup) -> Finding:
    """The DNS did not answer: no verdict, and never mistaken for "no such record"."""
    return Finding(
        check_id, Status.ERROR, subject,
        f"the DNS lookup failed ({lookup.describe()}), so this could not be checked",
        "Make sure the domain's name servers answer (and the resolver mailsec uses can reach them), "
        "then run the audit again.",
    )


def passed(check_id: str, subject: str, message: str) -> Finding:
    return Finding(check_id, Status.PASS, subject, message)
