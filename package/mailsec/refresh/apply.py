"""What refresh changes on the NAS: the MTA-STS policy file in Web Station's folder.

Publishing goes through `mtasts.publish`: validated, atomic, and only when the text differs, so an
unchanged policy is never rewritten and a failed write leaves the old policy in place. A dry run writes
nothing and says what the file would hold.
"""

from pathlib import Path
from typing import Optional, Tuple

from mailsec.atomicfile import read_if_exists
from mailsec.errors import MailsecError
from mailsec.findings import Finding, Status
from mailsec.mtasts.policy import StsPolicy
from mailsec.mtasts.publish import PublishedPolicy, policy_file, publish_policy
from mailsec.refresh.compare import POLICY_FINDING


def publish_planned_policy(policy: Optional[StsPolicy], web_root: Path, dry_run: bool = False
                           ) -> Tuple[Optional[PublishedPolicy], Optional[Finding]]:
    """Publish `policy` (when there is one) and say what happened."""
    if policy is None:
        return None, None
    try:
        published = _planned(policy, web_root) if dry_run else publish_policy(web_root, policy)
    except MailsecError as exc:
        return None, Finding(POLICY_FINDING, Status.ERROR, "policy", str(exc),
                             "Senders keep using the policy file that is there now, if any.")
    # The same words whether or not this run wrote the file, so an unchanged run records an unchanged state.
    message = f"the policy (mode {policy.mode.value}, id {policy.policy_id}) is published at {published.path}"
    return published, Finding(POLICY_FINDING, Status.PASS, "policy", message)


def _planned(policy: StsPolicy, web_root: Path) -> PublishedPolicy:
    path = policy_file(web_root)
    try:
        unchanged = read_if_exists(path) == policy.render().encode("ascii")
    except OSError:
        unchanged = False
    return PublishedPolicy(path, policy, changed=not unchanged)
