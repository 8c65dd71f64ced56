"""MTA-STS: edit the MX hosts, mode and max_age, preview the policy, publish it into Web Station's folder,
the TXT records that announce it, and the guarded switch to enforce.

Two rules keep mail deliverable. Nothing invalid is saved or published: the form goes through the same
validators as `mailsec configure`, and `publish_policy` refuses anything the strict parser rejects.
And the mode never becomes `enforce` against the audit (`enforce.py`), whichever button asked for it.
"""

from dataclasses import replace
from typing import Any, Callable, List, Optional

from flask import Blueprint, redirect, render_template, request, url_for

from mailsec.errors import MailsecError
from mailsec.mtasts.policy import Mode, StsPolicy, parse_policy
from mailsec.mtasts.publish import publish_policy, shared_policy
from mailsec.settings import DomainSettings, Settings, update_settings, validate_domain_settings
from mailsec.web import forms
from mailsec.web.config import current_config
from mailsec.web.dns_plan import planned_records
from mailsec.web.enforce import enforce_blockers
from mailsec.web.i18n import Text, text
from mailsec.web.served import served_policy
from mailsec.web.views.pages import chosen_domain, notify, posted_domain, saved_settings, web_root

blueprint = Blueprint("mtasts", __name__)
ANNOUNCING_TOPICS = ("mta-sts", "tls-rpt")


@blueprint.get("/mta-sts")
def index():
    settings = saved_settings()
    entry = chosen_domain(settings)
    return _page(settings, entry, entry)


@blueprint.post("/mta-sts/preview")
def preview():
    return _with_form(lambda settings, entry, candidate: _page(settings, entry, candidate, previewing=True))


@blueprint.post("/mta-sts/publish")
def publish():
    return _with_form(_save_and_publish)


@blueprint.post("/mta-sts/enforce")
def enforce():
    settings = saved_settings()
    entry = posted_domain(settings)
    return _save_and_publish(settings, entry, replace(entry, mode=Mode.ENFORCE.value))


def _with_form(then: Callable[[Settings, DomainSettings, DomainSettings], Any]):
    """`then(settings, entry, candidate)` for a valid form; the page with the problem for any other."""
    settings = saved_settings()
    entry = posted_domain(settings)
    try:
        candidate = _candidate(entry)
    except forms.FormError as exc:
        return _page(settings, entry, None, problems=[exc.message], status=400)
    return then(settings, entry, candidate)


def _candidate(entry: DomainSettings) -> DomainSettings:
    """The domain as the form wants it, checked by the validators `mailsec configure` uses."""
    wanted = replace(
        entry,
        mx=forms.names(request.form, "mx"),
        mode=forms.field(request.form, "mode", 16),
        max_age=forms.whole_number(request.form, "max_age"),
    )
    try:
        return validate_domain_settings(wanted)
    except MailsecError as exc:
        raise forms.FormError(text("form.invalid", reason=str(exc))) from None


def _save_and_publish(settings: Settings, entry: DomainSettings, candidate: DomainSettings):
    config = current_config()
    if candidate.mode == Mode.ENFORCE.value and entry.mode != Mode.ENFORCE.value:
        served = served_policy(web_root(settings), entry.policy())
        blockers = enforce_blockers(config.sources.last_audit(entry.domain), served, candidate.mx)
        if blockers:
            return _page(settings, entry, candidate, problems=[text("mtasts.enforce_refused_top")],
                         blockers=blockers, status=409)

    def change(saved: Settings) -> Settings:
        updated = saved.with_domain(candidate)
        shared_policy(updated)  # the domains share one policy file; refuse what would split them
        return updated

    try:
        saved = update_settings(config.context.state_dir, change)
    except MailsecError as exc:
        return _page(settings, entry, candidate, problems=[text("form.invalid", reason=str(exc))], status=400)
    try:
        published = publish_policy(web_root(saved), shared_policy(saved))
    except MailsecError as exc:
        notify(text("mtasts.saved_not_published", reason=str(exc)), "error")
    else:
        key = "mtasts.published" if published.changed else "mtasts.unchanged"
        notify(text(key, path=str(published.path), id=published.policy.policy_id))
    return redirect(url_for(".index", domain=entry.domain))


def _page(
    settings: Settings,
    entry: Optional[DomainSettings],
    candidate: Optional[DomainSettings],
    *,
    problems: Optional[List[Text]] = None,
    blockers: Optional[List[Text]] = None,
    previewing: bool = False,
    status: int = 200,
):
    if entry is None:
        return render_template("mtasts/index.html", entry=None, settings=settings), status
    config = current_config()
    policy: Optional[StsPolicy] = candidate.policy() if candidate else None
    served = served_policy(web_root(settings), entry.policy())
    audit = config.sources.last_audit(entry.domain)
    if blockers is None and entry.mode != Mode.ENFORCE.value:
        blockers = enforce_blockers(audit, served, entry.mx)
    form = candidate or entry
    if request.method == "POST" and candidate is None:  # an invalid form: show what was typed
        form = {"mx": request.form.get("mx", ""), "mode": request.form.get("mode", ""),
                "max_age": request.form.get("max_age", "")}
    return render_template(
        "mtasts/index.html",
        settings=settings,
        entry=entry,
        form=_form_values(form),
        policy=policy,
        warnings=parse_policy(policy.render()).warnings if policy else (),
        previewing=previewing,
        problems=problems or [],
        blockers=blockers or [],
        served=served,
        audit=audit,
        announcements=[record for record in planned_records(entry, entry.policy(), ())
                       if record.topic in ANNOUNCING_TOPICS],
        modes=[mode.value for mode in Mode],
    ), status


def _form_values(form) -> dict:
    if isinstance(form, DomainSettings):
        return {"mx": "\n".join(form.mx), "mode": form.mode, "max_age": str(form.max_age)}
    return form
