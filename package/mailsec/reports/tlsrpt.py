"""TLS-RPT aggregate reports (RFC 8460 §4): the JSON a sending server mails about TLS to our MX.

Each report covers one period (normally a UTC day) and lists, per policy the sender applied (MTA-STS
`sts`, DANE `tlsa`, or `no-policy-found`), how many SMTP sessions succeeded and failed, with details for
the failures. Real reports deviate from the RFC in known ways, which are accepted here:
`mx-host` as a plain string instead of an array (the RFC's own example, erratum 6241), timestamps
without a time zone (read as UTC), and optional fields left out. What cannot be stored meaningfully
(no report id, counts that are not numbers) is refused.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Tuple

from mailsec.reports.errors import ReportError
from mailsec.reports.fields import ReportOrigin, checked_origin, count, ip_address, text
from mailsec.reports.limits import MAX_POLICY_STRINGS, MAX_TLS_FAILURE_DETAILS, MAX_TLS_POLICIES

# RFC 3339 date-time, with the time zone optional and a space allowed for the "T" (seen in the wild)
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2}))?\Z"
)


@dataclass(frozen=True)
class TlsFailure:
    """One `failure-details` entry: a kind of failure, where it happened and how often."""

    result_type: str
    sessions: int
    sending_ip: str = ""
    receiving_mx: str = ""
    receiving_helo: str = ""
    receiving_ip: str = ""
    reason_code: str = ""
    additional_info: str = ""


@dataclass(frozen=True)
class TlsPolicyResult:
    """The sessions a sender ran under one policy, and their failures."""

    policy_type: str  # "sts", "tlsa" or "no-policy-found"
    policy_domain: str
    policy_strings: Tuple[str, ...]  # MTA-STS policy lines, or TLSA records as "3 1 1 <hex>"
    mx_hosts: Tuple[str, ...]
    successes: int
    failures: int
    failure_details: Tuple[TlsFailure, ...]


@dataclass(frozen=True)
class TlsReport:
    origin: ReportOrigin
    policies: Tuple[TlsPolicyResult, ...]


def parse_tlsrpt(data: bytes, source: str) -> TlsReport:
    """The report in `data` (UTF-8 JSON), or a `ReportError` naming what is wrong."""
    try:
        document = json.loads(data.decode("utf-8-sig"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise ReportError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise ReportError(f"{source}: refused, the JSON nests too deeply") from None
    except ValueError as exc:
        raise ReportError(f"{source}: not valid JSON ({exc})") from None
    try:
        return _report(document)
    except ReportError as exc:
        raise ReportError(f"{source}: {exc}") from None


def parse_timestamp(value: object, field: str) -> int:
    """Seconds since the epoch for an RFC 3339 date-time; without a time zone, UTC is assumed."""
    match = _DATETIME.match(text(value, field, required=True))
    if not match:
        raise ReportError(f"{field} is not a date and time: {value!r}")
    year, month, day, hour, minute, second, _zulu, sign, off_hours, off_minutes = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                          tzinfo=timezone.utc)
    except ValueError as exc:
        raise ReportError(f"{field} is not a valid date: {value!r} ({exc})") from None
    if sign:
        offset = timedelta(hours=int(off_hours), minutes=int(off_minutes))
        moment = moment - offset if sign == "+" else moment + offset
    return int(moment.timestamp())


def _report(document: Any) -> TlsReport:
    report = _object(document, "the report")
    date_range = _object(report.get("date-range"), "date-range")
    origin = checked_origin(ReportOrigin(
        organization=text(report.get("organization-name"), "organization-name", required=True),
        report_id=text(report.get("report-id"), "report-id", required=True),
        contact=text(report.get("contact-info"), "contact-info"),
        begin=parse_timestamp(date_range.get("start-datetime"), "start-datetime"),
        end=parse_timestamp(date_range.get("end-datetime"), "end-datetime"),
    ))
    entries = _array(report.get("policies"), "policies", MAX_TLS_POLICIES)
    policies = tuple(_policy(entry, f"policies[{index}]") for index, entry in enumerate(entries))
    details = sum(len(policy.failure_details) for policy in policies)
    if details > MAX_TLS_FAILURE_DETAILS:
        raise ReportError(f"refused, {details} failure details (at most {MAX_TLS_FAILURE_DETAILS})")
    return TlsReport(origin, policies)


def _policy(entry: Any, where: str) -> TlsPolicyResult:
    item = _object(entry, where)
    policy = _object(item.get("policy"), f"{where}.policy")
    summary = _object(item.get("summary"), f"{where}.summary")
    details = _array(item.get("failure-details", []), f"{where}.failure-details", MAX_TLS_FAILURE_DETAILS)
    return TlsPolicyResult(
        policy_type=text(policy.get("policy-type"), f"{where}.policy-type", required=True).lower(),
        policy_domain=text(policy.get("policy-domain"), f"{where}.policy-domain", required=True).lower(),
        policy_strings=_strings(policy.get("policy-string"), f"{where}.policy-string"),
        mx_hosts=tuple(host.lower() for host in _strings(policy.get("mx-host"), f"{where}.mx-host")),
        successes=count(summary.get("total-successful-session-count", 0), f"{where}.total-successful-session-count"),
        failures=count(summary.get("total-failure-session-count", 0), f"{where}.total-failure-session-count"),
        failure_details=tuple(_failure(detail, f"{where}.failure-details[{index}]")
                              for index, detail in enumerate(details)),
    )


def _failure(entry: Any, where: str) -> TlsFailure:
    detail = _object(entry, where)
    return TlsFailure(
        result_type=text(detail.get("result-type"), f"{where}.result-type", required=True).lower(),
        sessions=count(detail.get("failed-session-count", 0), f"{where}.failed-session-count"),
        sending_ip=ip_address(detail.get("sending-mta-ip"), f"{where}.sending-mta-ip"),
        receiving_mx=text(detail.get("receiving-mx-hostname"), f"{where}.receiving-mx-hostname").rstrip(".").lower(),
        receiving_helo=text(detail.get("receiving-mx-helo"), f"{where}.receiving-mx-helo"),
        receiving_ip=ip_address(detail.get("receiving-ip"), f"{where}.receiving-ip"),
        reason_code=text(detail.get("failure-reason-code"), f"{where}.failure-reason-code"),
        additional_info=text(detail.get("additional-information"), f"{where}.additional-information"),
    )


def _strings(value: Any, field: str) -> Tuple[str, ...]:
    """A JSON array of strings, a single string (erratum 6241), or nothing."""
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else _array(value, field, MAX_POLICY_STRINGS)
    return tuple(text(item, f"{field}[{index}]") for index, item in enumerate(values))


def _object(value: Any, field: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise ReportError(f"{field} is missing" if value is None else f"{field} should be a JSON object")
    return value


def _array(value: Any, field: str, limit: int) -> List[Any]:
    if not isinstance(value, list):
        raise ReportError(f"{field} is missing" if value is None else f"{field} should be a JSON array")
    if len(value) > limit:
        raise ReportError(f"refused, {field} has {len(value)} entries (at most {limit})")
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")
