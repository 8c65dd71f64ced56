"""The `_smtp._tls.<domain>` TXT record of SMTP TLS Reporting (RFC 8460 §3).

`v=TLSRPTv1; rua=<uri>[,<uri>...]` tells sending servers where to report TLS failures (MTA-STS and DANE
problems they met). `rua` is required; its URIs are `mailto:` or `https:`. Of the TXT records at the
name, senders keep those beginning with `v=TLSRPTv1;` and, unless exactly one is left, assume the domain
does not want reports. The old draft name `_smtp-tlsrpt` is not read by anyone.
"""

from dataclasses import dataclass
from typing import Sequence, Tuple

from mailsec.records.fields import Field, parse_required_field, select_versioned
from mailsec.records.issues import IssueLog, Parsed
from mailsec.records.reporturi import ReportUri, parse_uri_list
from mailsec.records.txt import TxtData, read_txt

TLSRPT_VERSION = "v=TLSRPTv1"
TLSRPT_SCHEMES = ("mailto", "https")


@dataclass(frozen=True)
class TlsRptRecord:
    """A valid TLS-RPT record: where reports go, and any extension fields (which senders ignore)."""

    rua: Tuple[ReportUri, ...]
    extensions: Tuple[Field, ...] = ()


def parse_tlsrpt(data: TxtData) -> Parsed[TlsRptRecord]:
    """Parse one TXT record's value as a TLS-RPT record."""
    text, problems = read_txt(data)
    found = parse_required_field(
        text, TLSRPT_VERSION, "rua", problems, missing="add `rua=mailto:tlsrpt@<your domain>`"
    )
    record = None
    if found is not None:
        rua, extensions = found
        record = TlsRptRecord(_destinations(rua, problems), extensions)
    return problems.result(record)


def _destinations(rua: Field, problems: IssueLog) -> Tuple[ReportUri, ...]:
    uris = parse_uri_list(rua.value, problems, size_suffix=False)
    for uri in uris:
        if uri.scheme not in TLSRPT_SCHEMES:
            problems.error("TLS-RPT reports go only to `mailto:` or `https:` URIs", uri.uri)
    return uris


def select_tlsrpt(records: Sequence[TxtData]) -> Parsed[TlsRptRecord]:
    """The record senders use of all TXT records at `_smtp._tls.<domain>`."""
    return select_versioned(
        records,
        TLSRPT_VERSION,
        parse_tlsrpt,
        absent=f"no TXT record here begins with `{TLSRPT_VERSION};`, so senders send no TLS reports",
        several="senders then send no TLS reports. Keep one record and delete the others",
    )
