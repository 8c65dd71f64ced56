"""Report files made by the tests: TLS-RPT JSON, DMARC XML, and their gzip, zip and mail wrappings.

Builders take keyword overrides so a test states only what matters to it; the defaults describe a
healthy day of mail for example.nl.
"""

import gzip
import io
import json
import zipfile
from email.message import EmailMessage
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple
from xml.sax.saxutils import escape

DAY = 86400
MAY_1 = 1714521600  # 2024-05-01T00:00:00Z


def tls_failure(result_type: str = "validation-failure", sessions: int = 2, **fields: Any) -> Dict[str, Any]:
    detail = {"result-type": result_type, "sending-mta-ip": "209.85.220.41",
              "receiving-mx-hostname": "mail.example.nl", "receiving-ip": "192.0.2.25",
              "failed-session-count": sessions}
    detail.update(fields)
    return detail


def tls_policy(policy_type: str = "sts", successes: int = 100, failures: Sequence[Dict[str, Any]] = (),
               mx_host: Any = ("mail.example.nl",), strings: Optional[Sequence[str]] = None,
               domain: str = "example.nl") -> Dict[str, Any]:
    if strings is None:
        strings = (["version: STSv1", "mode: testing", "mx: mail.example.nl", "max_age: 86400"]
                   if policy_type == "sts" else ["3 1 1 " + "ab" * 32])
    return {
        "policy": {"policy-type": policy_type, "policy-string": list(strings), "policy-domain": domain,
                   "mx-host": list(mx_host) if isinstance(mx_host, (list, tuple)) else mx_host},
        "summary": {"total-successful-session-count": successes,
                    "total-failure-session-count": sum(f["failed-session-count"] for f in failures)},
        "failure-details": list(failures),
    }


def tls_report(report_id: str = "tls-1", begin: int = MAY_1, organization: str = "Google Inc.",
               policies: Optional[List[Dict[str, Any]]] = None, start: Optional[str] = None,
               end: Optional[str] = None) -> Dict[str, Any]:
    return {
        "organization-name": organization,
        "date-range": {"start-datetime": start or _rfc3339(begin), "end-datetime": end or _rfc3339(begin + DAY - 1)},
        "contact-info": "smtp-tls-reporting@google.com",
        "report-id": report_id,
        "policies": policies if policies is not None else [tls_policy()],
    }


def tls_json(report: Dict[str, Any]) -> bytes:
    return json.dumps(report).encode("utf-8")


def dmarc_row(source_ip: str = "192.0.2.25", count: int = 10, dkim: str = "pass", spf: str = "pass",
              disposition: str = "none", header_from: str = "example.nl", dkim_domain: Optional[str] = "example.nl",
              dkim_result: str = "pass", spf_domain: Optional[str] = "example.nl", spf_result: str = "pass",
              reasons: Sequence[str] = ()) -> Tuple[Any, ...]:
    return (source_ip, count, dkim, spf, disposition, header_from, dkim_domain, dkim_result, spf_domain, spf_result,
            tuple(reasons))


def dmarc_xml(report_id: str = "dmarc-1", begin: int = MAY_1, rows: Iterable[Tuple[Any, ...]] = (),
              organization: str = "google.com", domain: str = "example.nl", p: str = "none",
              pct: Optional[int] = None, testing: str = "", namespace: str = "", prolog: str = "") -> bytes:
    rows = list(rows) or [dmarc_row()]
    policy = f"<domain>{domain}</domain><adkim>r</adkim><aspf>r</aspf><p>{p}</p>"
    policy += f"<pct>{pct}</pct>" if pct is not None else ""
    policy += f"<testing>{testing}</testing>" if testing else ""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    head = (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<feedback{xmlns}>'
            f"<report_metadata><org_name>{escape(organization)}</org_name><email>noreply@{escape(organization)}"
            f"</email><report_id>{escape(report_id)}</report_id><date_range><begin>{begin}</begin>"
            f"<end>{begin + DAY - 1}</end></date_range></report_metadata>"
            f"<policy_published>{policy}</policy_published>")
    return head.encode("utf-8") + dmarc_records(rows) + b"</feedback>"


def dmarc_records(rows: Iterable[Tuple[Any, ...]]) -> bytes:
    """The <record> elements for `rows` (made by `dmarc_row`)."""
    return "".join(_dmarc_record(*row) for row in rows).encode("utf-8")


def _dmarc_record(source_ip: str, count: int, dkim: str, spf: str, disposition: str, header_from: str,
                  dkim_domain: Optional[str], dkim_result: str, spf_domain: Optional[str], spf_result: str,
                  reasons: Tuple[str, ...]) -> str:
    reason = "".join(f"<reason><type>{r}</type></reason>" for r in reasons)
    auth = f"<dkim><domain>{dkim_domain}</domain><result>{dkim_result}</result></dkim>" if dkim_domain else ""
    auth += f"<spf><domain>{spf_domain}</domain><result>{spf_result}</result></spf>" if spf_domain else ""
    return (f"<record><row><source_ip>{source_ip}</source_ip><count>{count}</count><policy_evaluated>"
            f"<disposition>{disposition}</disposition><dkim>{dkim}</dkim><spf>{spf}</spf>{reason}"
            f"</policy_evaluated></row><identifiers><header_from>{header_from}</header_from></identifiers>"
            f"<auth_results>{auth}</auth_results></record>")


def gzipped(data: bytes, times: int = 1) -> bytes:
    for _ in range(times):
        data = gzip.compress(data)
    return data


def zipped(members: Dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def report_mail(attachments: Sequence[Tuple[str, str, bytes]], subject: str = "Report Domain: example.nl") -> bytes:
    """A report mail with (media type, file name, bytes) attachments, as receivers send them."""
    message = EmailMessage()
    message["From"] = "noreply-dmarc-support@google.com"
    message["To"] = "reports@example.nl"
    message["Subject"] = subject
    message["Message-ID"] = f"<{abs(hash(subject))}@google.com>"
    message.set_content("This is an aggregate report.")
    for media_type, name, data in attachments:
        maintype, subtype = media_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def _rfc3339(timestamp: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
