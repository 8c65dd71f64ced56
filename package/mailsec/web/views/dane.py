"""DANE: the certificate, the exact TLSA records per MX host, what DNS has (from the last audit), and
what to do after a renewal."""

from flask import Blueprint, render_template

from mailsec import clock
from mailsec.limits import TLSA_ROLLOVER_TTL_FACTOR
from mailsec.web.certificate import read_mail_certificate, records_by_host
from mailsec.web.config import current_config
from mailsec.web.views.pages import layout, mx_hosts, saved_settings

blueprint = Blueprint("dane", __name__)
DANE_CHECKS = "dane."


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
        rollover=sources.rollover_steps(), ttl_factor=TLSA_ROLLOVER_TTL_FACTOR, now=clock.now(),
    )
