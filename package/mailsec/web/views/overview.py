"""Overview: per domain the certificate, the TLSA records, the policy, the last refresh and audit, and
what needs attention first."""

from flask import Blueprint, render_template

from mailsec import clock
from mailsec.web.attention import attention, counts, worst
from mailsec.web.certificate import read_mail_certificate
from mailsec.web.config import current_config
from mailsec.web.served import served_policy
from mailsec.web.views.pages import layout, mx_hosts, saved_settings, web_root

blueprint = Blueprint("overview", __name__)
TLSA_MATCH = "dane.tlsa-match"  # the audit's verdict on the published records against the live certificate


@blueprint.get("/")
def index():
    settings = saved_settings()
    sources = current_config().sources
    reading = read_mail_certificate(layout(), mx_hosts(settings))
    refresh = sources.last_refresh()
    now = clock.now()
    domains = []
    for entry in settings.domains:
        audit = sources.last_audit(entry.domain)
        served = served_policy(web_root(settings), entry.policy())
        findings = audit.findings if audit else ()
        domains.append({
            "entry": entry,
            "audit": audit,
            "served": served,
            "attention": attention(entry, reading, served, audit, refresh, now=now),
            "counts": counts(findings),
            "tlsa_status": worst(findings, TLSA_MATCH),
        })
    return render_template("overview/index.html", reading=reading, refresh=refresh, domains=domains, now=now)
