"""Reports: what TLS-RPT and DMARC aggregate reports say per domain, and the ways reports get in (upload,
the report mailbox, "fetch now").

The page reads the report store and saved settings only. DNS is asked (reverse names of DMARC sources,
today's TLSA records) only when the owner presses the button for it, and the mailbox only on "fetch now".
Uploads are bounded before anything is read: the whole request is capped at `MAX_BODY_BYTES` by the CGI
relay, the backend and Flask alike, and each file then goes through `reports.ingest`, which caps what it
may expand to and refuses XML entity tricks; the file's name is only ever shown, never used as a path.
"""

import re
from dataclasses import replace
from typing import Any, List, Optional, Sequence

from flask import Blueprint, redirect, render_template, request, url_for

from mailsec import clock
from mailsec.errors import MailsecError
from mailsec.reports.mailbox import (
    IMAPS_PORT,
    MAX_PASSWORD_BYTES,
    PASSWORD_FILE,
    MailboxSettings,
    load_mailbox,
    load_password,
    save_mailbox,
)
from mailsec.web import forms
from mailsec.web.config import current_config
from mailsec.web.i18n import Text, text
from mailsec.web.protocol import MAX_BODY_BYTES
from mailsec.web.views.pages import notify, saved_settings

blueprint = Blueprint("reports", __name__)
UPLOAD_FIELD = "reports"
MAX_NAME_CHARS = 120  # of an uploaded file's name, as shown
SOURCES_SHOWN = 25  # DMARC sources listed per domain, those to fix first first; the CLI's --json lists all
_UNSHOWN = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # controls, bidi marks


@blueprint.get("/reports")
def index():
    return _page()


@blueprint.post("/reports/lookup")
def lookup():
    """The same page, with reverse names and TLSA records asked of DNS now (the configured resolver)."""
    from mailsec.nameservers import parse_nameservers  # noqa: PLC0415 - dnspython, only when asked
    from mailsec.resolver import DnsResolver  # noqa: PLC0415

    resolver = DnsResolver(parse_nameservers(saved_settings().nameservers))
    return _page(resolver=resolver, looked_up=True)


@blueprint.post("/reports/upload")
def upload():
    from mailsec.reports.ingest import import_stream  # noqa: PLC0415 - the parsers, only when a file comes

    files = [storage for storage in request.files.getlist(UPLOAD_FIELD) if storage.filename]
    if not files:
        return _page(problems=[text("reports.choose_files")], status=400)
    now = int(clock.now().timestamp())
    with _store() as store:
        results = [result for storage in files
                   for result in import_stream(store, storage.stream, shown_name(storage.filename), now)]
    return _page(imported=results)


@blueprint.post("/reports/fetch")
def fetch():
    from mailsec.reports.imap import fetch_reports  # noqa: PLC0415 - imaplib and ssl, only when asked

    state_dir = current_config().context.state_dir
    try:
        settings = load_mailbox(state_dir)
        if settings is None:
            return _page(problems=[text("reports.no_mailbox")], status=400)
        with _store() as store:
            fetched = fetch_reports(settings, load_password(state_dir), store, int(clock.now().timestamp()))
    except MailsecError as exc:  # the mailbox could not be reached or read: said on the page
        return _page(problems=[text("reports.fetch_failed", reason=str(exc))])
    return _page(imported=list(fetched.reports), fetched=fetched)


@blueprint.post("/reports/mailbox")
def save_mailbox_settings():
    state_dir = current_config().context.state_dir
    try:
        saved = load_mailbox(state_dir)
        wanted = _mailbox_form(saved)
        password = _password()
        if password is None and not (state_dir / PASSWORD_FILE).exists():
            raise forms.FormError(text("reports.password_needed"))
        save_mailbox(state_dir, wanted, password)
    except forms.FormError as exc:
        return _page(problems=[exc.message], status=400)
    except MailsecError as exc:
        return _page(problems=[text("form.invalid", reason=str(exc))], status=400)
    notify(text("reports.mailbox_saved"))
    return redirect(url_for(".index"))


def shown_name(filename: str) -> str:
    """An uploaded file's name as the results show it: the last part of a path, without control or
    direction-changing characters, shortened; it names the upload, and is never opened."""
    name = _UNSHOWN.sub("", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return (name[:MAX_NAME_CHARS - 3] + "...") if len(name) > MAX_NAME_CHARS else (name or "upload")


def _mailbox_form(saved: Optional[MailboxSettings]) -> MailboxSettings:
    """The settings the form asks for; what it does not show (trust, deleting) stays as saved."""
    port = forms.field(request.form, "port", 5)
    values = {
        "host": forms.field(request.form, "host", 253),
        "user": forms.field(request.form, "user", 256),
        "folder": forms.field(request.form, "folder", 256) or "INBOX",
        "tls_name": forms.field(request.form, "tls_name", 253),
        "port": forms.whole_number(request.form, "port") if port else IMAPS_PORT,
    }
    return replace(saved, **values) if saved else MailboxSettings(**values)


def _password() -> Optional[str]:
    """The password typed, taken as it is (spaces count); None when the field was left empty."""
    password = request.form.get("password", "")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise forms.FormError(text("form.too_long", field="password", limit=MAX_PASSWORD_BYTES))
    if any(ord(character) < 0x20 or ord(character) == 0x7f for character in password):
        raise forms.FormError(text("form.control_characters", field="password"))
    return password or None


def _store():
    from mailsec.reports.store import ReportStore  # noqa: PLC0415 - sqlite3, only on this page

    return ReportStore.open(current_config().context.state_dir)


def _page(resolver: Any = None, looked_up: bool = False, imported: Sequence[Any] = (), fetched: Any = None,
          problems: Sequence[Text] = (), status: int = 200):
    from mailsec.reports.store import STORE_FILE  # noqa: PLC0415 - the report modules, only on this page
    from mailsec.reports.summary import DEFAULT_DAYS, load_summary  # noqa: PLC0415
    from mailsec.web.report_sections import domain_sections  # noqa: PLC0415

    config = current_config()
    settings = saved_settings()
    summary, sections = None, []
    if (config.context.state_dir / STORE_FILE).exists():  # no reports yet: nothing to open, nothing created
        with _store() as store:
            summary = load_summary(store, config.context.layout, settings, resolver, clock.now())
        sections = domain_sections(summary, settings)
    mailbox = load_mailbox(config.context.state_dir)
    return render_template(
        "reports/index.html", summary=summary, sections=sections, days=DEFAULT_DAYS, looked_up=looked_up,
        imported=imported, totals=_totals(imported), fetched=fetched, problems=problems, mailbox=mailbox,
        password_saved=(config.context.state_dir / PASSWORD_FILE).exists(), upload_limit=MAX_BODY_BYTES // 1024,
        shown_sources=SOURCES_SHOWN,
        form=request.form if problems and request.endpoint == "reports.save_mailbox_settings" else None,
    ), status


def _totals(results: Sequence[Any]) -> List[int]:
    """How many were imported, were already stored, were refused."""
    outcomes = [result.outcome.value for result in results]
    return [outcomes.count(name) for name in ("imported", "duplicate", "rejected")]
