"""Auditing a domain for its owner: with the saved settings, remembering the result.

The CLI (`mailsec check`) and the desktop app's Audit page both come here, so they audit alike: the
configured resolver and DKIM selectors unless overridden, the previous audit's MTA-STS sighting for
`mta-sts.id-changed`, and the report saved for the app and the next audit.
"""

from pathlib import Path
from typing import Callable, Optional, Sequence

from mailsec.audit.options import AuditOptions
from mailsec.audit.report import AuditReport
from mailsec.audit.runner import run_audit
from mailsec.audit.store import load_audit, save_audit
from mailsec.errors import MailsecError
from mailsec.names import normalize_host
from mailsec.nameservers import parse_nameservers
from mailsec.nas import NasLayout
from mailsec.settings import load_settings


def audit_for_owner(
    layout: NasLayout,
    state_dir: Path,
    domain: str,
    nameservers: Sequence[str] = (),
    dkim_selectors: Sequence[str] = (),
    ca_bundle: Optional[str] = None,
    on_save_error: Callable[[str], None] = lambda message: None,
) -> AuditReport:
    """Audit `domain`; empty overrides fall back to the saved settings."""
    settings = load_settings(state_dir)
    configured = settings.domain(domain)
    servers = parse_nameservers(nameservers or settings.nameservers)
    selectors = tuple(dkim_selectors) or (configured.dkim_selectors if configured else ())
    previous = load_audit(state_dir, normalize_host(domain))
    options = AuditOptions(nameservers=servers, dkim_selectors=selectors, ca_bundle=ca_bundle, layout=layout,
                           previous_sighting=previous.sighting if previous else None)
    report = run_audit(domain, options)
    if state_dir.is_dir():
        try:
            save_audit(state_dir, report)
        except MailsecError as exc:
            on_save_error(str(exc))
    return report
