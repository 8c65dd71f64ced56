"""DANE: the certificate, the exact TLSA records per MX host, what DNS has (from the last audit), the
rollover as the last refresh left it (each record's role, what happens next and when), and how records are
published, with a connection test that changes nothing.

Publishing secrets stay on the NAS: the page names the TSIG key and says whether a token is stored, and
the connection test reports the provider's sentence, which never holds a secret.
"""

from dataclasses import dataclass
from typing import Optional

from flask import Blueprint, redirect, render_template, url_for

from mailsec import clock
from mailsec.errors import MailsecError
from mailsec.limits import TLSA_ROLLOVER_TTL_FACTOR
from mailsec.settings import PublishingSettings, PublishMethod, Settings
from mailsec.web.certificate import read_mail_certificate, records_by_host
from mailsec.web.config import current_config
from mailsec.web.i18n import Text, text
from mailsec.web.views.pages import layout, mx_hosts, notify, saved_settings

blueprint = Blueprint("dane", __name__)
DANE_CHECKS = "dane."


@dataclass(frozen=True)
class PublishingView:
    """The publishing settings as the page shows them: no secret, only whether and which."""

    settings: PublishingSettings
    credential: Optional[Text]  # the TSIG key's name, or that a token is stored, or what is wrong


@blueprint.get("/dane")
def index():
    settings = saved_settings()
    sources = current_config().sources
    hosts = mx_hosts(settings)
    reading = read_mail_certificate(layout(), hosts)
    refresh = sources.last_refresh()
    audits = [audit for audit in (sources.last_audit(entry.domain) for entry in settings.domains) if audit]
    in_dns = {host: [finding for audit in audits for finding in audit.findings
                     if finding.id.startswith(DANE_CHECKS) and host in finding.subject] for host in hosts}
    return render_template(
        "dane/index.html", reading=reading, refresh=refresh, hosts=hosts, audited=bool(audits), in_dns=in_dns,
        groups=records_by_host(reading.records or (tuple(refresh.records) if refresh else ())),
        rollover=sources.rollover_steps(), state=sources.rollover(), publishing=_publishing(settings),
        ttl_factor=TLSA_ROLLOVER_TTL_FACTOR, now=clock.now(),
    )


@blueprint.post("/dane/test-publishing")
def test_publishing():
    """Ask the provider whether the saved settings work; it changes nothing in the zone."""
    from mailsec.publish.providers import saved_publisher  # noqa: PLC0415 - dnspython and requests, only when asked

    try:
        publisher = saved_publisher(saved_settings().publishing, current_config().context.state_dir)
        if publisher is None:
            notify(text("dane.test_none"), "error")
        else:
            notify(text("dane.test_ok", result=publisher.check()))
    except MailsecError as exc:
        notify(text("dane.test_failed", reason=str(exc)), "error")
    return redirect(url_for(".index") + "#publishing")


def _publishing(settings: Settings) -> PublishingView:
    publishing = settings.publishing
    if not publishing.automatic:
        return PublishingView(publishing, None)
    from mailsec.publish.secretstore import load_secrets  # noqa: PLC0415 - read only when there is one

    try:
        secrets = load_secrets(current_config().context.state_dir)
    except MailsecError as exc:
        return PublishingView(publishing, text("dane.credential_unreadable", reason=str(exc)))
    if publishing.method == PublishMethod.RFC2136.value:
        key = secrets.tsig
        credential = text("dane.credential_key", name=key.name, algorithm=key.algorithm) if key else None
    else:
        credential = text("dane.credential_token") if secrets.api_token else None
    return PublishingView(publishing, credential or text("dane.credential_missing"))
