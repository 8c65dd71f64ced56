"""What every request and response goes through: the login gate, CSRF tokens and strict headers.

- Every route, the static files included, answers 401 without a DSM session and 403 to anyone outside
  `administrators`, before any view or data is touched.
- Every POST carries the session's CSRF token (a hidden form field), compared in constant time.
- Every response forbids scripts, styles and images from anywhere but the app itself and inline code,
  and may be framed only by pages of the same origin: DSM's own desktop window, nothing else.

The session cookie holds nothing but the CSRF token and whom it was issued to. It is signed with a key
kept in the state folder (mode 0600), so that the relay's in-process fallback and the backend agree.
"""

import hmac
import os
import secrets
from pathlib import Path

from flask import Flask, g, render_template, request, session
from flask.sessions import SecureCookieSessionInterface

from mailsec.atomicfile import ensure_folder
from mailsec.errors import MailsecError
from mailsec.web.config import current_config
from mailsec.web.i18n import Text, text

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'self'"
)
CSRF_FIELD = "csrf_token"
SECRET_FILE = "web-secret"  # noqa: S105 - the file name, not the key
STATIC_MAX_AGE = 86400  # the stylesheet, script and icon; their URLs carry the version


class _ScopedSession(SecureCookieSessionInterface):
    """The session cookie belongs to the app's own path, and is Secure whenever the request was."""

    def get_cookie_path(self, app: Flask) -> str:
        return request.script_root or "/"

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


def init_app(app: Flask, state_dir: Path) -> None:
    app.config.update(
        SECRET_KEY=load_secret_key(state_dir),
        SESSION_COOKIE_NAME="mailsec_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
    )
    app.session_interface = _ScopedSession()
    app.before_request(require_administrator)
    app.before_request(require_csrf_token)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token


def load_secret_key(state_dir: Path) -> bytes:
    """The app's signing key, created once: written aside, then linked into place so no reader sees half."""
    path = state_dir / SECRET_FILE
    try:
        ensure_folder(state_dir, 0o755)
        if not path.exists():
            spare = state_dir / f".{SECRET_FILE}.{os.getpid()}"
            spare.write_bytes(secrets.token_bytes(32))
            os.chmod(str(spare), 0o600)
            try:
                os.link(str(spare), str(path))
            except FileExistsError:
                pass  # another process was first; its key counts
            finally:
                spare.unlink()
        return path.read_bytes()
    except OSError as exc:
        raise MailsecError(f"cannot keep the app's key in {state_dir}: {exc.strerror}.") from None


def require_administrator():
    visitor = current_config().login.visitor(request.environ)
    if visitor is None:
        return _refused(401, text("refused.signed_out_title"), text("refused.signed_out"))
    if not visitor.is_admin:
        return _refused(403, text("refused.not_admin_title"), text("refused.not_admin", user=visitor.user))
    if session.get("user") != visitor.user:
        session.clear()
        session["user"] = visitor.user
    g.visitor = visitor
    return None


def csrf_token() -> str:
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def require_csrf_token():
    if request.method != "POST":
        return None
    expected = session.get(CSRF_FIELD, "")
    sent = request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        return _refused(400, text("refused.csrf_title"), text("refused.csrf"))
    return None


def _refused(status: int, title: Text, message: Text):
    return render_template("errors/refused.html", title=title, message=message), status


def add_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Frame-Options"] = "SAMEORIGIN"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint == "static" and response.status_code in (200, 304):
        headers["Cache-Control"] = f"private, max-age={STATIC_MAX_AGE}"
    else:
        headers["Cache-Control"] = "no-store"
    return response
