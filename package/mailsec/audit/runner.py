"""Running an audit: facts gathered once, check groups run concurrently, findings in a fixed order."""

import time
import traceback
from types import ModuleType
from typing import List

from mailsec import clock
from mailsec.audit import checks
from mailsec.audit.checks.mtasts import sighting_of
from mailsec.audit.concurrency import parallel_map
from mailsec.audit.facts import DomainFacts
from mailsec.audit.options import AuditOptions
from mailsec.audit.report import AuditReport
from mailsec.findings import Finding, Status
from mailsec.names import host_name_problem, normalize_host


def run_audit(domain: str, options: AuditOptions) -> AuditReport:
    """Audit `domain`; what it finds never raises, it becomes findings."""
    started, began = clock.now(), time.monotonic()
    name = normalize_host(domain)
    problem = host_name_problem(name)
    if problem:
        finding = Finding(checks.names.ID, Status.FAIL, domain, f"the mail domain is not a valid host name: {problem}",
                          "Give the domain as it appears after the @ in your addresses.")
        return AuditReport(name, started, time.monotonic() - began, (finding,))
    facts = DomainFacts(name, options)
    groups = parallel_map(lambda module: _run_group(module, facts), checks.ALL)
    findings = tuple(finding for group in groups for finding in group)
    return AuditReport(name, started, time.monotonic() - began, findings, sighting_of(facts, started))


def _run_group(module: ModuleType, facts: DomainFacts) -> List[Finding]:
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
