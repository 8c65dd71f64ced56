"""English and Dutch: one catalog per language, every string used, the language chosen and switched."""

import json
import re
import string
from pathlib import Path

import pytest

from mailsec.web.i18n import COOKIE, catalog, choose_language, dsm_language, translate
from tests.web.conftest import csrf_token, page_text, post

WEB = Path(__file__).resolve().parents[2] / "package" / "mailsec" / "web"
TEXTS = WEB / "texts"
KEY = re.compile(r"""["']([a-z_]+\.[a-z0-9_]+)["']""")
USES = re.compile(r"""(?:\b_|\btext)\(\s*["']([^"']+)["']""")


def sources() -> str:
    files = [*WEB.rglob("*.py"), *WEB.rglob("*.html")]
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def fields(template: str) -> set:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_catalogs_have_the_same_keys_and_the_same_fields():
    english, dutch = catalog("en"), catalog("nl")
    assert english.keys() == dutch.keys()
    for key in english:
        assert fields(english[key]) == fields(dutch[key]), key
        assert english[key].strip() and dutch[key].strip(), key


def test_the_catalogs_are_sorted_json_without_duplicates():
    for path in TEXTS.glob("*.json"):
        pairs = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=lambda items: items)
        keys = [key for key, _ in pairs]
        assert keys == sorted(set(keys)), path


def test_every_string_the_code_asks_for_exists():
    used = set(USES.findall(sources()))
    assert used and used <= catalog("en").keys(), used - catalog("en").keys()


def test_every_string_in_the_catalog_is_used_somewhere():
    quoted = set(KEY.findall(sources()))
    assert set(catalog("en")) <= quoted, set(catalog("en")) - quoted


def test_translate_fills_fields_and_falls_back_to_english(monkeypatch):
    assert translate("nl", "dane.expires_on", date="2027-01-01", days=3) == "2027-01-01 (nog 3 dagen)"
    monkeypatch.delitem(catalog("nl"), "nav.dns")
    assert translate("nl", "nav.dns") == "DNS records"


@pytest.mark.parametrize(("cookie", "accept", "default", "chosen"), [
    ("nl", [("en", 1)], "en", "nl"),
    ("fr", [("nl-BE", 1), ("en", 0.5)], "en", "nl"),
    (None, [("de", 1), ("en-GB", 0.8)], "nl", "en"),
    (None, [("de", 1)], "nl", "nl"),
    (None, [], "en", "en"),
])
def test_the_language_is_the_choice_then_the_browser_then_the_nas(cookie, accept, default, chosen):
    assert choose_language(cookie, accept, default) == chosen


def test_dsm_language_codes_map_to_the_app_languages():
    assert dsm_language("nld") == "nl" and dsm_language("enu") == "en"
    assert dsm_language("ger") == "en" and dsm_language(None) == "en" and dsm_language("def") == "en"


def test_the_browser_language_is_followed(client):
    body = page_text(client.get("/", headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"}))
    assert '<html lang="nl">' in body and ">Overzicht</a>" in body


@pytest.mark.parametrize("path", ["/", "/dane", "/mta-sts", "/dns", "/audit", "/settings", "/schedule"])
def test_the_switch_sets_the_language_and_returns_to_the_same_page(client, path):
    response = post(client, "/language", {"language": "nl", "next": f"{path}?domain=example.nl"})
    assert response.status_code == 302 and response.headers["Location"] == f"{path}?domain=example.nl"
    cookie = response.headers["Set-Cookie"]
    assert f"{COOKIE}=nl" in cookie and "SameSite=Strict" in cookie and "HttpOnly" in cookie
    body = page_text(client.get(path, headers={"Accept-Language": "en"}))
    assert '<html lang="nl">' in body and ">Instellingen</a>" in body
    assert 'value="nl" lang="nl"\n      aria-pressed="true"' in body


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil", "relative", "/a\nb", "",
])
def test_the_switch_never_sends_the_visitor_elsewhere(client, target):
    response = post(client, "/language", {"language": "nl", "next": target})
    assert response.headers["Location"] == "/"


def test_an_unknown_language_is_a_bad_request(client):
    assert post(client, "/language", {"language": "xx", "next": "/"}).status_code == 400


def test_the_switch_on_a_page_posts_back_to_that_page(client):
    body = page_text(client.get("/dane?domain=example.nl"))
    assert 'name="next" value="/dane?domain=example.nl"' in body
    assert csrf_token(client, "/dane") in body


def test_without_a_choice_or_browser_preference_the_nas_language_counts(context, fake, login):
    from mailsec.web.app import create_app
    from mailsec.web.config import WebConfig

    config = WebConfig.from_environment({"SYNOPKG_DSM_LANGUAGE": "nld"}, str(context.layout.root))
    app = create_app(WebConfig(context, login, fake.sources(), config.default_language))
    assert '<html lang="nl">' in page_text(app.test_client().get("/"))


def test_a_refused_visitor_is_answered_in_their_language_without_asking_for_more_files(client, login):
    login.current = None
    body = page_text(client.get("/", headers={"Accept-Language": "nl"}))
    assert "Niet aangemeld" in body and "/static/" not in body
