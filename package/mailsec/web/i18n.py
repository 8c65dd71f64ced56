"""The app's words in English and Dutch: one catalog per language, one key per string.

Catalogs are flat JSON files in `texts/`, keyed like `mtasts.publish`; a value is a `str.format` template
with named fields (`{days}`). Templates call `_(key, **fields)` and the result is escaped like any other
text, so a field that came from DNS or a certificate can never become markup. Python code that produces
a message for a page returns `text(key, **fields)` and the template translates it with `say(...)`.

The language is, in order: the visitor's own choice (the switch in the page header, kept in a cookie),
the browser's preference, the NAS's language (`SYNOPKG_DSM_LANGUAGE`, DSM's three-letter codes), English.
"""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, NamedTuple, Optional, Tuple

from flask import Flask, current_app, g, request

LANGUAGES = {"en": "English", "nl": "Nederlands"}
FALLBACK = "en"
COOKIE = "mailsec_lang"
DSM_LANGUAGE_ENV = "SYNOPKG_DSM_LANGUAGE"
DEFAULT_LANGUAGE_KEY = "MAILSEC_DEFAULT_LANGUAGE"  # in app.config: the NAS's language
_DSM_CODES = {"enu": "en", "nld": "nl"}
_TEXTS = Path(__file__).parent / "texts"


class Text(NamedTuple):
    """A message to show, still to be translated: a catalog key and its fields."""

    key: str
    fields: Dict[str, Any]


def text(key: str, **fields: Any) -> Text:
    return Text(key, fields)


@lru_cache(maxsize=None)
def catalog(language: str) -> Dict[str, str]:
    with (_TEXTS / f"{language}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def translate(language: str, key: str, **fields: Any) -> str:
    template = catalog(language).get(key)
    if template is None:
        template = catalog(FALLBACK)[key]
    return template.format(**fields)  # a field the caller forgot raises, so the tests find it


def dsm_language(code: Optional[str]) -> str:
    """The app language for a DSM language code (`enu`, `nld`, `def`, ...)."""
    return _DSM_CODES.get((code or "").strip().lower(), FALLBACK)


def choose_language(cookie: Optional[str], accept_language: Iterable[Tuple[str, float]], default: str) -> str:
    if cookie in LANGUAGES:
        return cookie
    for tag, _quality in accept_language:
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
        if tag == "*":
            break
    return default


def current_language() -> str:
    """The language of the current request, chosen once per request."""
    if "language" not in g:
        g.language = choose_language(request.cookies.get(COOKIE), request.accept_languages,
                                     current_app.config[DEFAULT_LANGUAGE_KEY])
    return g.language


def _(key: str, **fields: Any) -> str:
    return translate(current_language(), key, **fields)


def say(message: Text) -> str:
    """Translate a message made by `text()`; flashed messages come back as plain pairs, which works too."""
    key, fields = message
    return _(key, **fields)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(_=_, say=say, languages=LANGUAGES, current_language=current_language)
