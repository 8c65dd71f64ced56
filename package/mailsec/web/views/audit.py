"""Audit: run it, and read the findings grouped by severity, each with its fix."""

from flask import Blueprint, redirect, render_template, url_for

from mailsec.errors import MailsecError
from mailsec.web.attention import SEVERITY
from mailsec.web.config import current_config
from mailsec.web.i18n import text
from mailsec.web.views.pages import chosen_domain, notify, posted_domain, saved_settings

blueprint = Blueprint("audit", __name__)


@blueprint.get("/audit")
def index():
    settings = saved_settings()
    entry = chosen_domain(settings)
    sources = current_config().sources
    report = sources.last_audit(entry.domain) if entry else None
    groups = []
    if report is not None:
        groups = [(status, [finding for finding in report.findings if finding.status == status])
                  for status in SEVERITY]
    return render_template("audit/index.html", settings=settings, entry=entry, report=report,
                           groups=[group for group in groups if group[1]],
                           available=sources.run_audit is not None)


@blueprint.post("/audit/run")
def run():
    entry = posted_domain(saved_settings())
    run_audit = current_config().sources.run_audit
    if run_audit is None:
        notify(text("audit.not_available"), "error")
    else:
        try:
            run_audit(entry.domain)
        except MailsecError as exc:
            notify(text("audit.could_not_run", reason=str(exc)), "error")
        else:
            notify(text("audit.done"))
    return redirect(url_for(".index", domain=entry.domain))
