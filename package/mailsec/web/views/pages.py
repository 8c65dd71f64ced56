"""What the views share: the saved settings, the chosen domain, messages after a form."""

from pathlib import Path
from typing import Optional, Tuple

from flask import abort, flash, request

from mailsec.nas import NasLayout
from mailsec.settings import DomainSettings, Settings, load_settings
from mailsec.web.config import current_config
from mailsec.web.i18n import Text


def saved_settings() -> Settings:
    return load_settings(current_config().context.state_dir)


def layout() -> NasLayout:
    return current_config().context.layout


def web_root(settings: Settings) -> Path:
    return current_config().context.web_root(None, settings.web_root)


def mx_hosts(settings: Settings) -> Tuple[str, ...]:
    """The MX hosts of every configured domain, each once."""
    return tuple(dict.fromkeys(host for entry in settings.domains for host in entry.mx))


def chosen_domain(settings: Settings) -> Optional[DomainSettings]:
    """The domain the query names (404 when it is not configured), else the first one, if any."""
    wanted = request.args.get("domain")
    if wanted:
        return _configured(settings, wanted)
    return settings.domains[0] if settings.domains else None


def posted_domain(settings: Settings) -> DomainSettings:
    """The configured domain a form names in its field `domain`; 400 without one, 404 for another."""
    name = request.form.get("domain", "")
    if not name:
        abort(400)
    return _configured(settings, name)


def _configured(settings: Settings, name: str) -> DomainSettings:
    entry = settings.domain(name)
    if entry is None:
        abort(404)
    return entry


def notify(message: Text, category: str = "success") -> None:
    """A message for the page the browser is sent to next (post, redirect, get)."""
    flash(tuple(message), category)
