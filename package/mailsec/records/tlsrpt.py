"""The `_smtp._tls.<domain>` TXT record of SMTP TLS Reporting (RFC 8460 §3).

`v=TLSRPTv1; rua=<uri>[,<uri>...]` tells sending servers where to report TLS failures (MTA-STS and DANE
problems they met). `rua` is required; its URIs are `mailto:` or `https:`. Of the TXT records at the
name, senders keep those beginning with `v=TLSRPTv1;` and, unless exactly one is left, assume the domain
does not want reports. The old draft name `_smtp-tlsrpt` is not read by anyone.
"""

from dataclasses import dataclass
from typing import Sequence, Tuple

from mailsec.records.fields import Field, begins_with_version, check_extensions, looks_versioned, parse_fields
from mailsec.records.issues import IssueLog, Parsed
from mailsec.records.reporturi import ReportUri, parse_uri_list
from mailsec.records.txt import TxtData, join_txt, select_one

TLSRPT_VERSION = "v=TLSRPTv1"
TLSRPT_SCHEMES = ("mailto", "https")


@dataclass(frozen=True)
class TlsRptRecord:
    """A valid TLS-RPT record: where reports go, and any extension fields (which senders ignore)."""

    rua: Tuple[ReportUri, ...]
    extensions: Tuple[Field, ...] = ()


def parse_tlsrpt(data: TxtData) -> Parsed[TlsRptRecord]:
    """Parse one TXT record's value as a TLS-RPT record."""
    joined = join_txt(data)
    problems = IssueLog()
    problems.extend(joined.issues)
    fields = parse_fields(joined.text, TLSRPT_VERSION, problems)
    record = None
    if fields is not None:
        extensions = check_extensions(fields, ("rua",), problems)
        rua = fields.first("rua")
        if rua is None:
            problems.error("the required field `rua` is missing; add `rua=mailto:tlsrpt@<your domain>`")
        else:
            record = TlsRptRecord(_destinations(rua, problems), extensions)
    return Parsed(record if not problems.has_errors else None, problems.freeze())


def _destinations(rua: Field, problems: IssueLog) -> Tuple[ReportUri, ...]:
    uris = parse_uri_list(rua.value, problems, size_suffix=False)
    for uri in uris:
        if uri.scheme not in TLSRPT_SCHEMES:
            problems.error("TLS-RPT reports go only to `mailto:` or `https:` URIs", uri.uri)
    return uris


def select_tlsrpt(records: Sequence[TxtData]) -> Parsed[TlsRptRecord]:
    """The record senders use of all TXT records at `_smtp._tls.<domain>`."""
    return select_one(
        records,
        lambda text: begins_with_version(text, TLSRPT_VERSION),
        lambda text: looks_versioned(text, TLSRPT_VERSION),
        parse_tlsrpt,
        rule=f"begin with exactly `{TLSRPT_VERSION};`",
        absent=f"no TXT record here begins with `{TLSRPT_VERSION};`, so senders send no TLS reports",
        several="senders then send no TLS reports. Keep one record and delete the others",
    )
