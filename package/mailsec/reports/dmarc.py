"""DMARC aggregate reports (RFC 7489 §7.2 and appendix C; RFC 9990): what receivers saw of our mail.

A report says, for one period and one policy domain, which IP addresses sent mail with our domain in
From:, how many messages, whether SPF and DKIM passed *aligned* with that domain (`policy_evaluated`,
what DMARC judges), what they passed for unaligned (`auth_results`), and what the receiver did. RFC 9990
adds a namespace, `<version>`, `np`, `testing` and `envelope_from`; both generations are read alike.

`read_dmarc()` reads the header (`report_metadata`, `policy_published`) at once and yields the records
one at a time, so a report of any length passes through a bounded amount of memory.
"""

import itertools
from dataclasses import dataclass
from typing import BinaryIO, Dict, Iterator, List, Optional, Tuple
from xml.etree.ElementTree import Element

from mailsec.reports import safexml
from mailsec.reports.errors import ReportError
from mailsec.reports.fields import ReportOrigin, checked_origin, count, ip_address, text
from mailsec.reports.limits import MAX_AUTH_RESULTS, MAX_DMARC_RECORDS

_HEADER_TAGS = ("version", "report_metadata", "policy_published", "extension")


@dataclass(frozen=True)
class PublishedPolicy:
    """The DMARC record the receiver found, as it reports it (`pct` RFC 7489 only; `np`, `t` RFC 9990)."""

    domain: str
    p: str
    sp: str = ""
    np: str = ""
    pct: Optional[int] = None
    testing: str = ""  # RFC 9990 `t`: "y" or "n"
    adkim: str = ""
    aspf: str = ""


@dataclass(frozen=True)
class AuthResult:
    """One raw SPF or DKIM result, for whatever domain it was (aligned or not)."""

    method: str  # "dkim" or "spf"
    domain: str
    result: str
    selector: str = ""  # DKIM
    scope: str = ""  # SPF: "mfrom" or "helo"


@dataclass(frozen=True)
class DmarcRecord:
    """Messages from one source IP with the same results."""

    source_ip: str
    count: int
    disposition: str
    dkim_aligned: str  # policy_evaluated dkim: "pass" or "fail"
    spf_aligned: str  # policy_evaluated spf: "pass" or "fail"
    header_from: str
    envelope_from: str = ""
    envelope_to: str = ""
    reasons: Tuple[str, ...] = ()  # policy override reasons: forwarded, mailing_list, local_policy, ...
    auth_results: Tuple[AuthResult, ...] = ()

    @property
    def dmarc_pass(self) -> bool:
        """DMARC passes when SPF or DKIM passes aligned with the From: domain (RFC 7489 §4.2)."""
        return "pass" in (self.dkim_aligned, self.spf_aligned)


@dataclass(frozen=True)
class DmarcReportHeader:
    origin: ReportOrigin
    policy: PublishedPolicy
    errors: Tuple[str, ...] = ()  # problems the reporter had while making the report


class DmarcReport:
    """A report being read: the header is known, the records come as they are parsed."""

    def __init__(self, header: DmarcReportHeader, records: Iterator[DmarcRecord]) -> None:
        self.header = header
        self._records = records

    def records(self) -> Iterator[DmarcRecord]:
        """The records, once; a malformed record raises `ReportError` when it is reached."""
        return self._records


def read_dmarc(stream: BinaryIO, source: str) -> DmarcReport:
    """Start reading the aggregate report in `stream`; raises `ReportError` for an unusable header."""
    elements = safexml.children(stream, source, MAX_DMARC_RECORDS + len(_HEADER_TAGS))
    header_parts: Dict[str, Element] = {}
    first_record: Optional[Element] = None
    for element in elements:
        if element.tag == "record":
            first_record = element
            break
        header_parts.setdefault(element.tag, element)
    try:
        header = _header(header_parts)
    except ReportError as exc:
        raise ReportError(f"{source}: {exc}") from None
    return DmarcReport(header, _records(first_record, elements, source))


def _records(first: Optional[Element], rest: Iterator[Element], source: str) -> Iterator[DmarcRecord]:
    number = 0
    pending = [first] if first is not None else []
    for element in itertools.chain(pending, rest):
        if element.tag != "record":
            continue
        number += 1
        try:
            yield _record(element)
        except ReportError as exc:
            raise ReportError(f"{source}: record {number}: {exc}") from None


def _header(parts: Dict[str, Element]) -> DmarcReportHeader:
    metadata, policy = parts.get("report_metadata"), parts.get("policy_published")
    if metadata is None or policy is None:
        missing = " and ".join(tag for tag in ("report_metadata", "policy_published") if tag not in parts)
        raise ReportError(f"not a DMARC aggregate report: <{missing}> is missing before the records")
    origin = checked_origin(ReportOrigin(
        organization=_field(metadata, "org_name", required=True),
        report_id=_field(metadata, "report_id", required=True),
        contact=_field(metadata, "email"),
        begin=count(_field(metadata, "date_range/begin", required=True), "date_range/begin"),
        end=count(_field(metadata, "date_range/end", required=True), "date_range/end"),
    ))
    pct = _field(policy, "pct")
    published = PublishedPolicy(
        domain=_field(policy, "domain", required=True).rstrip(".").lower(),
        p=_field(policy, "p").lower(),
        sp=_field(policy, "sp").lower(),
        np=_field(policy, "np").lower(),
        pct=count(pct, "pct") if pct else None,
        testing=_field(policy, "testing").lower(),
        adkim=_field(policy, "adkim").lower(),
        aspf=_field(policy, "aspf").lower(),
    )
    errors = tuple(text(error.text, "error") for error in metadata.findall("error")[:MAX_AUTH_RESULTS])
    return DmarcReportHeader(origin, published, errors)


def _record(record: Element) -> DmarcRecord:
    reasons = _limited(record.findall("row/policy_evaluated/reason"), "reason")
    results = _limited(record.findall("auth_results/dkim") + record.findall("auth_results/spf"), "auth_results")
    return DmarcRecord(
        source_ip=ip_address(_field(record, "row/source_ip"), "source_ip", required=True),
        count=count(_field(record, "row/count", required=True), "count"),
        disposition=_field(record, "row/policy_evaluated/disposition").lower(),
        dkim_aligned=_field(record, "row/policy_evaluated/dkim").lower(),
        spf_aligned=_field(record, "row/policy_evaluated/spf").lower(),
        header_from=_field(record, "identifiers/header_from").rstrip(".").lower(),
        envelope_from=_field(record, "identifiers/envelope_from").rstrip(".").lower(),
        envelope_to=_field(record, "identifiers/envelope_to").rstrip(".").lower(),
        reasons=tuple(_field(reason, "type").lower() for reason in reasons),
        auth_results=tuple(_auth_result(result) for result in results),
    )


def _auth_result(element: Element) -> AuthResult:
    return AuthResult(
        method=element.tag,
        domain=_field(element, "domain").rstrip(".").lower(),
        result=_field(element, "result").lower(),
        selector=_field(element, "selector"),
        scope=_field(element, "scope").lower(),
    )


def _field(element: Element, path: str, required: bool = False) -> str:
    found = element.find(path)
    return text(found.text if found is not None else None, path, required)


def _limited(elements: List[Element], what: str) -> List[Element]:
    if len(elements) > MAX_AUTH_RESULTS:
        raise ReportError(f"refused, {len(elements)} <{what}> entries in one record (at most {MAX_AUTH_RESULTS})")
    return elements
