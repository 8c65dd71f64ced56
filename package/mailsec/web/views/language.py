"""The language switch in every page's header: remembered in a cookie, then back to the same page."""

from flask import Blueprint, abort, redirect, request

from mailsec.web.i18n import COOKIE, LANGUAGES

blueprint = Blueprint("language", __name__)
ONE_YEAR = 365 * 24 * 3600


@blueprint.post("/language")
def choose():
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400)
    response = redirect(request.script_root + _safe_return_path(request.form.get("next", "")))
    response.set_cookie(COOKIE, language, max_age=ONE_YEAR, path=request.script_root or "/",
                        secure=request.is_secure, httponly=True, samesite="Strict")
    return response


def _safe_return_path(path: str) -> str:
    """A path inside the app to return to; anything that could lead elsewhere becomes the overview."""
    inside = path.startswith("/") and not path.startswith("//") and "\\" not in path
    return path if inside and path.isprintable() and len(path) <= 2048 else "/"

