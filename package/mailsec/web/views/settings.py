"""Settings: mail domains with their MX hosts and DKIM selectors, the resolver and Web Station's folder.

Everything is saved through `settings.update_settings` with the validators `mailsec configure` uses.
The domains share one policy file, so a change that would give them different policies is refused
(`shared_policy`), and a new domain starts with the mode and max_age the others already have.
"""

import os
from dataclasses import replace
from typing import Callable

from flask import Blueprint, redirect, render_template, request, url_for

from mailsec.errors import MailsecError
from mailsec.mtasts.publish import shared_policy
from mailsec.settings import (
    DomainSettings,
    Settings,
    update_settings,
    validate_domain_settings,
    validate_nameservers,
)
from mailsec.web import forms
from mailsec.web.config import current_config
from mailsec.web.i18n import Text, text
from mailsec.web.views.pages import notify, posted_domain, saved_settings, web_root

blueprint = Blueprint("settings", __name__)


@blueprint.get("/settings")
def index():
    settings = saved_settings()
    return render_template("settings/index.html", settings=settings, web_root=web_root(settings), posted={})


@blueprint.post("/settings/domain")
def save_domain():
    def change(saved: Settings) -> Settings:
        name = forms.field(request.form, "domain", 256)
        existing = saved.domain(name) if name else None
        template = existing or (saved.domains[0] if saved.domains else DomainSettings(domain=name, mx=()))
        entry = validate_domain_settings(replace(
            template,
            domain=name,
            mx=forms.names(request.form, "mx"),
            dkim_selectors=forms.names(request.form, "dkim_selectors"),
        ))
        updated = saved.with_domain(entry)
        shared_policy(updated)
        return updated

    return _save(change, text("settings.domain_saved", domain=request.form.get("domain", "")))


@blueprint.post("/settings/domain/remove")
def remove_domain():
    entry = posted_domain(saved_settings())

    def change(saved: Settings) -> Settings:
        return replace(saved, domains=tuple(other for other in saved.domains if other.domain != entry.domain))

    return _save(change, text("settings.domain_removed", domain=entry.domain))


@blueprint.post("/settings/system")
def save_system():
    def change(saved: Settings) -> Settings:
        folder = forms.field(request.form, "web_root", 4096)
        if folder and not (os.path.isabs(folder) and os.path.isdir(folder)):
            raise forms.FormError(text("settings.no_such_folder", folder=folder))
        return replace(saved, web_root=folder or None,
                       nameservers=validate_nameservers(forms.names(request.form, "nameservers")))

    return _save(change, text("settings.system_saved"))


def _save(change: Callable[[Settings], Settings], done: Text):
    try:
        update_settings(current_config().context.state_dir, change)
    except forms.FormError as exc:
        return _refused(exc.message)
    except MailsecError as exc:
        return _refused(text("form.invalid", reason=str(exc)))
    notify(done)
    return redirect(url_for(".index"))


def _refused(message: Text):
    """The page again with the problem; a new domain's form keeps what was typed."""
    settings = saved_settings()
    name = request.form.get("domain", "")
    posted = request.form if name and settings.domain(name) is None else {}
    return render_template("settings/index.html", settings=settings, web_root=web_root(settings),
                           problem=message, posted=posted), 400
