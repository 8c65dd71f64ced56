"""`tls-rpt.txt`: where sending servers report failed TLS deliveries (RFC 8460 §3)."""

from typing import List

from mailsec.audit.checks.common import judge_record
from mailsec.audit.facts import DomainFacts
from mailsec.audit.maildns import txt_data
from mailsec.findings import Finding, Status
from mailsec.records.tlsrpt import select_tlsrpt

ID = "tls-rpt.txt"


def check(facts: DomainFacts) -> List[Finding]:
    name = f"_smtp._tls.{facts.domain}"
    lookup = facts.txt(name)
    parsed = select_tlsrpt(txt_data(lookup))
    absent = Finding(ID, Status.WARN, name,
                     "no TLS-RPT record: senders cannot tell you when TLS, MTA-STS or DANE stop them delivering",
                     f'Publish {name}. IN TXT "v=TLSRPTv1; rua=mailto:tls-reports@{facts.domain}"')
    destinations = ", ".join(uri.uri for uri in parsed.record.rua) if parsed.record else ""
    return [judge_record(ID, name, lookup, parsed, "TLS-RPT", absent, f"reports go to {destinations}")]
