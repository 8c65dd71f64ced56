"""Whether a refresh run tells the owner, and with which message.

Only news is told: a desktop notification when the problems needing action differ from the last run's
(a daily run that keeps finding the same unreachable DNS stays quiet; Task Scheduler's "email when the
script ends abnormally" is the owner's daily reminder), and a Log Center line whenever the recorded
state changed. The desktop message is the most urgent problem's `[notify]` key in the UI strings.
"""

from typing import Iterable, Optional, Sequence, Tuple

from mailsec.errors import ExitCode
from mailsec.findings import Finding, Status
from mailsec.notify import Notice
from mailsec.refresh import compare
from mailsec.refresh.dns_publishing import PUBLISH_FINDING, STS_SERVED_FINDING
from mailsec.refresh.plan import SETTINGS_FINDING
from mailsec.refresh.rollover_report import ISSUER_CHANGED_FINDING, KEY_CHANGED_FINDING, ROLLOVER_FINDING

# (finding id, statuses, [notify] key), most urgent first
URGENCY = (
    (compare.CERTIFICATE_FINDING, (Status.ERROR,), "refresh_failed"),
    (compare.POLICY_FINDING, (Status.ERROR,), "refresh_failed"),
    (KEY_CHANGED_FINDING, (Status.FAIL,), "tlsa_key_changed"),
    (compare.TLSA_DNS_FINDING, (Status.FAIL,), "tlsa_dns"),
    (PUBLISH_FINDING, (Status.FAIL,), "tlsa_dns"),
    (ROLLOVER_FINDING, (Status.FAIL,), "tlsa_dns"),
    (ISSUER_CHANGED_FINDING, (Status.FAIL,), "tlsa_issuer_changed"),
    (compare.CERTIFICATE_FINDING, (Status.FAIL, Status.WARN), "certificate_expiry"),
    (compare.MTA_STS_DNS_FINDING, (Status.FAIL,), "mta_sts_dns"),
    (STS_SERVED_FINDING, (Status.FAIL,), "mta_sts_dns"),
    (SETTINGS_FINDING, (Status.FAIL,), "not_configured"),
    (compare.TLSA_DNS_FINDING, (Status.ERROR,), "dns_unconfirmed"),
    (compare.MTA_STS_DNS_FINDING, (Status.ERROR,), "dns_unconfirmed"),
    (KEY_CHANGED_FINDING, (Status.ERROR,), "dns_unconfirmed"),
    (ISSUER_CHANGED_FINDING, (Status.ERROR,), "dns_unconfirmed"),
    (ROLLOVER_FINDING, (Status.ERROR,), "dns_unconfirmed"),
)
LOG_LEVELS = {ExitCode.OK: "info", ExitCode.ACTION_NEEDED: "warn", ExitCode.CANNOT_RUN: "err"}
VERDICTS = {ExitCode.OK: "in sync", ExitCode.ACTION_NEEDED: "the owner must act",
            ExitCode.CANNOT_RUN: "mailsec could not do its part"}


def notice_for(previous: Sequence[Finding], findings: Sequence[Finding], exit_code: int,
               state_changed: bool) -> Optional[Notice]:
    """The notice for this run, or None when it brought nothing new."""
    if not state_changed:
        return None
    news = _needing_action(findings) != _needing_action(previous)
    urgent = most_urgent(findings)
    key = urgent[1] if urgent and news else None
    return Notice(LOG_LEVELS[exit_code], headline(findings, exit_code), key)


def headline(findings: Sequence[Finding], exit_code: int) -> str:
    """One line for the log: the verdict and the most urgent problem."""
    urgent = most_urgent(findings)
    if urgent is None:
        return f"refresh: {VERDICTS[exit_code]}"
    finding = urgent[0]
    return f"refresh: {VERDICTS[exit_code]}: {finding.subject}: {finding.message.splitlines()[0]}"


def most_urgent(findings: Iterable[Finding]) -> Optional[Tuple[Finding, str]]:
    findings = list(findings)
    for finding_id, statuses, key in URGENCY:
        for finding in findings:
            if finding.id == finding_id and finding.status in statuses:
                return finding, key
    return None


def _needing_action(findings: Iterable[Finding]) -> set:
    return {(f.id, f.subject, f.status) for f in findings if f.status in (Status.FAIL, Status.ERROR)}
