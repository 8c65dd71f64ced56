"""May the MTA-STS policy go to `enforce`? Only on the word of a current audit.

In enforce mode a sending server refuses to deliver to an MX host the policy does not name, or one that
presents a certificate it cannot validate. Switching while either is true makes mail undeliverable, so
the app refuses the switch unless the last audit
- exists, and ran after the served policy file last changed (it judged the policy that is online now);
- reported `mta-sts.mx-coverage` and `mta-sts.mx-certificate`, and every one of them passed;
and the switch keeps the MX hosts of the served policy, which that audit judged (change hosts in testing
mode first, then audit again).
"""

from typing import List, Optional, Sequence, Set

from mailsec.findings import Status
from mailsec.mtasts.policy import parse_policy
from mailsec.names import normalize_host
from mailsec.web.i18n import Text, text
from mailsec.web.served import FileState, ServedPolicy
from mailsec.web.sources import AuditOutcome

GUARDED_CHECKS = ("mta-sts.mx-coverage", "mta-sts.mx-certificate")


def enforce_blockers(
    audit: Optional[AuditOutcome], served: ServedPolicy, new_mx: Sequence[str]
) -> List[Text]:
    """Why the policy may not switch to enforce with MX hosts `new_mx` now; empty when it may."""
    reasons = []
    if served.state == FileState.MISSING or served.changed_at is None:
        reasons.append(text("enforce.not_published"))
    elif _hosts(parse_policy(served.served).fields.mx) != _hosts(new_mx):
        reasons.append(text("enforce.mx_changed"))
    if audit is None:
        return [*reasons, text("enforce.no_audit")]
    if served.changed_at is not None and audit.started < served.changed_at:
        reasons.append(text("enforce.audit_outdated", audited=f"{audit.started:%Y-%m-%d %H:%M}",
                            changed=f"{served.changed_at:%Y-%m-%d %H:%M}"))
    for check in GUARDED_CHECKS:
        findings = [finding for finding in audit.findings if finding.id == check]
        if not findings:
            reasons.append(text("enforce.not_checked", check=check))
        reasons += [
            text("enforce.finding", check=check, subject=finding.subject, message=finding.message)
            for finding in findings
            if finding.status != Status.PASS
        ]
    return reasons


def _hosts(names: Sequence[str]) -> Set[str]:
    return {normalize_host(name) for name in names}
