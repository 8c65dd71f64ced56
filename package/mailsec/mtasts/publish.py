"""Publishing the policy file into Web Station's folder, atomically and only when valid."""

from dataclasses import dataclass
from pathlib import Path

from mailsec.atomicfile import ensure_folder, write_if_changed
from mailsec.errors import MailsecError
from mailsec.mtasts.policy import StsPolicy, parse_policy
from mailsec.records.ststxt import render_sts_txt
from mailsec.settings import Settings

POLICY_FOLDER = "mta-sts"
POLICY_PATH_IN_FOLDER = Path(".well-known/mta-sts.txt")


@dataclass(frozen=True)
class PublishedPolicy:
    """Where the policy now lives and the DNS record that announces it."""

    path: Path
    policy: StsPolicy
    changed: bool

    @property
    def txt_value(self) -> str:
        return txt_value(self.policy)


def txt_value(policy: StsPolicy) -> str:
    """The value of the `_mta-sts` TXT record that announces `policy` (RFC 8461 §3.1)."""
    return render_sts_txt(policy.policy_id)


def shared_policy(settings: Settings) -> StsPolicy:
    """The policy all configured domains publish.

    Every domain's `mta-sts.<domain>` is served from the one folder `mta-sts`, so they must agree on the
    policy; writing one domain's policy would otherwise leave another domain's MX hosts uncovered.
    """
    if not settings.domains:
        raise MailsecError(
            "no mail domain is configured yet; run 'mailsec configure --domain D --mx HOST' first."
        )
    distinct = {entry.policy() for entry in settings.domains}
    if len(distinct) > 1:
        raise MailsecError(
            "the configured domains need different policies but share the folder 'mta-sts'; give them "
            "the same MX hosts, mode and max_age, or keep one domain per NAS."
        )
    return distinct.pop()


def policy_file(web_root: Path, folder: str = POLICY_FOLDER) -> Path:
    """`<web root>/mta-sts/.well-known/mta-sts.txt`: the file Web Station serves as the policy."""
    return web_root / folder / POLICY_PATH_IN_FOLDER


def publish_policy(web_root: Path, policy: StsPolicy, folder: str = POLICY_FOLDER) -> PublishedPolicy:
    """Write `policy` to its file unless the file already holds exactly that text.

    The old file stays untouched on any error, and a policy the strict parser rejects is never written.
    """
    text = policy.render().encode("ascii")
    parsed = parse_policy(text)
    if not parsed.valid:
        raise MailsecError("refusing to publish an invalid policy: " + "; ".join(map(str, parsed.errors)))
    path = policy_file(web_root, folder)
    try:
        if not web_root.is_dir():
            raise MailsecError(
                f"the Web Station folder {web_root} does not exist. Install Web Station (it creates the "
                "shared folder 'web'), or give the right folder with --web-root."
            )
        ensure_folder(path.parent, 0o755)
        changed = write_if_changed(path, text, 0o644)
    except PermissionError:
        raise MailsecError(
            f"cannot write {path}: permission denied. Give the mailsec user read/write access to the "
            "'web' shared folder (Control Panel > Shared Folder > web > Edit > Permissions)."
        ) from None
    except OSError as exc:
        raise MailsecError(f"cannot write {path}: {exc.strerror}; the previous policy file is unchanged.") from None
    return PublishedPolicy(path, policy, changed)
