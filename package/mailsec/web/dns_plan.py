"""Every DNS record a MailPlus mail domain should have, as zone lines to paste into the DNS panel.

Values mailsec knows are complete: MX, SPF, DMARC, `_mta-sts` (its id follows the policy), `_smtp._tls`,
the `mta-sts` CNAME and the TLSA records. Values only the owner knows (the NAS's public addresses, the
DKIM key MailPlus generated) carry a placeholder in angle brackets and are commented out in the zone
file, so that pasting the file can never publish a placeholder. Later DMARC stages are commented out
too: they replace the first one as the reports allow.

Reports go to `postmaster@<domain>`, the one address every mail domain must accept (RFC 5321 §4.5.1).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import List, Sequence

from mailsec.mtasts.policy import StsPolicy
from mailsec.mtasts.publish import txt_value
from mailsec.settings import DomainSettings

TXT_STRING_MAX = 255  # RFC 1035 §3.3: one character-string; longer values are split into several
TOPICS = ("mx", "address", "spf", "dkim", "dmarc", "mta-sts", "tls-rpt", "dane")
# RFC 9989 §5.1 and App. A.6: monitor, then enforce cautiously (t=y, and pct=0 for RFC 7489 receivers)
DMARC_STAGES = ("p=none", "p=quarantine; t=y; pct=0", "p=quarantine", "p=reject")


@dataclass(frozen=True)
class PlannedRecord:
    topic: str
    name: str  # absolute, with the trailing dot
    rtype: str
    value: str  # as a zone file writes it (TXT values quoted)
    placeholder: bool = False  # holds a value only the owner knows, in angle brackets
    stage: int = 0  # DMARC rollout stage, 1 first; 0 for every other record

    @property
    def zone_line(self) -> str:
        return f"{self.name} IN {self.rtype} {self.value}"

    @property
    def publish_now(self) -> bool:
        return not self.placeholder and self.stage <= 1


def planned_records(
    entry: DomainSettings, policy: StsPolicy, tlsa_lines: Sequence[str]
) -> List[PlannedRecord]:
    """The records of `entry`'s domain, in the order of `TOPICS`."""
    domain = f"{entry.domain}."
    reports = f"mailto:postmaster@{entry.domain}"
    records = [
        PlannedRecord("mx", domain, "MX", f"{10 * preference} {host}.")
        for preference, host in enumerate(entry.mx, start=1)
    ]
    for host in entry.mx:  # an MX target must have its own addresses; never a CNAME (RFC 2181 §10.3)
        records.append(PlannedRecord("address", f"{host}.", "A", "<IPv4>", placeholder=True))
        records.append(PlannedRecord("address", f"{host}.", "AAAA", "<IPv6>", placeholder=True))
    records.append(PlannedRecord("spf", domain, "TXT", quote_txt("v=spf1 mx ~all")))
    records += [
        PlannedRecord("dkim", f"{selector}._domainkey.{domain}", "TXT", quote_txt("v=DKIM1; k=rsa; p=<KEY>"),
                      placeholder=True)
        for selector in entry.dkim_selectors
    ]
    records += [
        PlannedRecord("dmarc", f"_dmarc.{domain}", "TXT", quote_txt(f"v=DMARC1; {policy}; rua={reports}"),
                      stage=number)
        for number, policy in enumerate(DMARC_STAGES, start=1)
    ]
    if entry.mx:
        records.append(PlannedRecord("mta-sts", f"mta-sts.{domain}", "CNAME", f"{entry.mx[0]}."))
    records.append(PlannedRecord("mta-sts", f"_mta-sts.{domain}", "TXT", quote_txt(txt_value(policy))))
    records.append(
        PlannedRecord("tls-rpt", f"_smtp._tls.{domain}", "TXT", quote_txt(f"v=TLSRPTv1; rua={reports}"))
    )
    for line in tlsa_lines:
        owner, _, rtype, rdata = line.split(None, 3)
        records.append(PlannedRecord("dane", owner, rtype, rdata))
    return records


def quote_txt(value: str) -> str:
    """A TXT value in zone-file form: quoted, escaped, split into strings of at most 255 characters."""
    parts = [value[start : start + TXT_STRING_MAX] for start in range(0, len(value), TXT_STRING_MAX)] or [""]
    return " ".join('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"' for part in parts)


def zone_file(domain: str, records: Sequence[PlannedRecord], generated: datetime) -> str:
    """The records as a zone-file fragment; what must not be published yet is commented out."""
    lines = [
        f"; DNS records for {domain}, from mailsec on {generated:%Y-%m-%d %H:%M} UTC.",
        "; Lines starting with ';' need a value only you know (<...>) or are a later DMARC stage.",
    ]
    for topic in TOPICS:
        chosen = [record for record in records if record.topic == topic]
        if chosen:
            lines.append(f"\n; {topic}")
            lines += [("" if record.publish_now else "; ") + record.zone_line for record in chosen]
    return "\n".join(lines) + "\n"
