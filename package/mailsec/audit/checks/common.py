"""Findings that many checks phrase the same way."""

from typing import Sequence

from mailsec.findings import Finding, Status
from mailsec.records.issues import Parsed, RecordIssue
from mailsec.resolver import Lookup, Outcome


def lookup_failed(check_id: str, subject: str, lookup: Lookup) -> Finding:
    """The DNS did not answer: no verdict, and never mistaken for "no such record"."""
    hint = "; from a validating resolver SERVFAIL often means failed DNSSEC validation (see dnssec.domain)" \
        if lookup.outcome == Outcome.SERVFAIL else ""
    return Finding(
        check_id, Status.ERROR, subject,
        f"the DNS lookup failed ({lookup.describe()}), so this could not be checked{hint}",
        "Make sure the domain's name servers answer (and the resolver mailsec uses can reach them), "
        "then run the audit again.",
    )


def passed(check_id: str, subject: str, message: str) -> Finding:
    return Finding(check_id, Status.PASS, subject, message)


def judge_record(check_id: str, subject: str, lookup: Lookup, parsed: Parsed, kind: str, absent: Finding,
                 valid_message: str) -> Finding:
    """The usual verdict on a published TXT record: missing, several, invalid, valid with remarks, or valid."""
    if lookup.failed:
        return lookup_failed(check_id, subject, lookup)
    if parsed.published == 0:
        return absent
    if parsed.published > 1:
        return Finding(check_id, Status.FAIL, subject,
                       f"{parsed.published} {kind} records are published, so receivers use none of them",
                       f"Keep exactly one {kind} record at {subject}.")
    if not parsed.valid:
        return Finding(check_id, Status.FAIL, subject, f"the {kind} record is invalid: {issue_list(parsed.errors)}",
                       f"Publish a corrected {kind} record at {subject}.")
    if parsed.warnings:
        return Finding(check_id, Status.WARN, subject, f"{valid_message}, with remarks: "
                       f"{issue_list(parsed.warnings)}", "See the remarks.")
    return passed(check_id, subject, valid_message)


def issue_list(issues: Sequence[RecordIssue], most: int = 5) -> str:
    shown = "; ".join(str(issue) for issue in issues[:most])
    return shown + (f"; and {len(issues) - most} more" if len(issues) > most else "")
