"""The mail-domain audit: every check a sending server or a big mailbox provider makes, with fixes.

`run_audit(domain, options)` gathers facts through `DomainFacts` (DNS through the configured resolver,
SMTP and HTTPS probes) and runs the check groups of `checks.ALL` concurrently; the report lists their
findings in a fixed order.
"""

import time
import traceback
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Tuple

from mailsec import clock
from mailsec.audit import checks
from mailsec.audit.concurrency import parallel_map
from mailsec.audit.facts import DomainFacts
from mailsec.audit.options import AuditOptions
from mailsec.findings import Finding, Status
from mailsec.names import host_name_problem, normalize_host

__all__ = ["AuditOptions", "AuditReport", "run_audit"]


@dataclass(frozen=True)
class AuditReport:
    domain: str
    started: datetime
    seconds: float
    findings: Tuple[Finding, ...]

    def count(self, status: Status) -> int:
        return sum(1 for finding in self.findings if finding.status == status)

    @property
    def failed(self) -> bool:
        return self.count(Status.FAIL) > 0

    @property
    def incomplete(self) -> bool:
        return self.count(Status.ERROR) > 0

    def to_dict(self) -> Dict[str, Any]:
        return {
            "domain": self.domain,
            "started": self.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "seconds": round(self.seconds, 3),
            "findings": [finding.to_dict() for finding in self.findings],
        }


def run_audit(domain: str, options: AuditOptions) -> AuditReport:
    """Audit `domain`; never raises for what it finds, only for what it cannot start."""
    started, began = clock.now(), time.monotonic()
    name = normalize_host(domain)
    problem = host_name_problem(name)
    if problem:
        findings: List[Finding] = [Finding(checks.names.ID, Status.FAIL, domain,
                                           f"the mail domain is not a valid host name: {problem}",
                                           "Give the domain as it appears after the @ in your addresses.")]
    else:
        facts = DomainFacts(name, options)
        groups = parallel_map(lambda module: _run_group(module, facts), checks.ALL)
        findings = [finding for group in groups for finding in group]
    return AuditReport(name, started, time.monotonic() - began, tuple(findings))


def _run_group(module: Any, facts: DomainFacts) -> List[Finding]:
    """One check group; a bug in it becomes an `error` finding instead of ending the audit."""
    try:
        return module.check(facts)
    except Exception as exc:  # reported as a finding, with where it happened
        where = traceback.extract_tb(exc.__traceback__)[-1]
        group = module.__name__.rsplit(".", 1)[-1]
        return [Finding(f"{group}.internal", Status.ERROR, facts.domain,
                        f"mailsec could not finish the {group} checks ({type(exc).__name__}: {exc} at "
                        f"{where.filename.rsplit('/', 1)[-1]}:{where.lineno}); this is a bug in mailsec",
                        "Please report it with this message.")]
