"""The login gate, CSRF tokens, headers and escaping, for every route the app has."""

import re

import pytest

from mailsec import __version__, clock
from mailsec.findings import Finding, Status
from mailsec.settings import load_settings
from mailsec.web.app import create_app
from mailsec.web.auth import DsmLogin, Visitor
from mailsec.web.config import WebConfig
from mailsec.web.security import CONTENT_SECURITY_POLICY
from tests.support.demo_nas import DOMAIN, MAIL_HOST
from tests.support.standin_login import standin_environment
from tests.web.conftest import RecordedAudit, page_text, post

ARGUMENTS = {"filename": "mailsec.css"}  # a value for each variable part of a route


def every_request(app):
    """(method, path) for every method of every route in the url_map."""
    for rule in app.url_map.iter_rules():
        path = rule.build({name: ARGUMENTS[name] for name in rule.arguments})[1]
        for method in sorted(rule.methods):
            yield method, path


def assert_no_data(response) -> None:
    body = page_text(response)
    for secret in (DOMAIN, MAIL_HOST, "mta-sts.txt", "TLSA", "BEGIN CERTIFICATE"):
        assert secret not in body


def test_the_app_has_the_routes_of_every_page(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {"overview.index", "dane.index", "mtasts.index", "mtasts.preview", "mtasts.publish",
            "mtasts.enforce", "dns.index", "dns.zone", "audit.index", "audit.run", "settings.index",
            "settings.save_domain", "settings.remove_domain", "settings.save_system", "schedule.index",
            "reports.index", "reports.lookup", "reports.upload", "reports.fetch", "reports.save_mailbox_settings",
            "spam.index", "spam.explain", "language.choose", "static"} <= endpoints


def test_every_route_refuses_a_visitor_who_is_not_signed_in(app, client, login):
    login.current = None
    requests = list(every_request(app))
    assert len(requests) > 20
    for method, path in requests:
        response = client.open(path, method=method, data={"domain": DOMAIN})
        assert response.status_code == 401, (method, path)
        assert_no_data(response)


def test_every_route_refuses_a_signed_in_user_outside_administrators(app, client, login):
    login.current = Visitor("guest", False)
    for method, path in every_request(app):
        response = client.open(path, method=method, data={"domain": DOMAIN})
        assert response.status_code == 403, (method, path)
        assert_no_data(response)
    assert "guest" in page_text(client.get("/"))


def test_every_route_refuses_a_request_without_a_dsm_session_when_dsm_itself_is_asked(context, fake):
    login = DsmLogin.from_environment(standin_environment())
    app = create_app(WebConfig(context, login, fake.sources(), "en"))
    client = app.test_client()
    for method, path in every_request(app):
        response = client.open(path, method=method, headers={"Cookie": "id=nobody-session"})
        assert response.status_code == 401, (method, path)
        assert_no_data(response)


def test_unknown_pages_are_refused_before_they_are_looked_up(client, login):
    login.current = None
    assert client.get("/no-such-page").status_code == 401
    login.current = Visitor("owner", True)
    assert client.get("/no-such-page").status_code == 404


def post_requests(app):
    return [(method, path) for method, path in every_request(app) if method == "POST"]


def test_every_post_without_the_csrf_token_is_refused_and_changes_nothing(app, client, context):
    before = (context.state_dir / "settings.json").read_bytes()
    form = {"domain": DOMAIN, "mx": "mail2.example.nl", "mode": "testing", "max_age": "60", "language": "nl"}
    assert len(post_requests(app)) == 14
    for _, path in post_requests(app):
        response = client.post(path, data=form)
        assert response.status_code == 400, path
        assert "security token" in page_text(response)
        response = client.post(path, data={**form, "csrf_token": "forged"})
        assert response.status_code == 400, path
    assert (context.state_dir / "settings.json").read_bytes() == before
    assert "mailsec_lang" not in response.headers.get("Set-Cookie", "")


def test_the_csrf_token_changes_with_the_dsm_user(client, login):
    post(client, "/settings/system", {"web_root": "", "nameservers": ""})
    token = client.get_cookie("mailsec_session")
    login.current = Visitor("other", True)
    client.get("/settings")
    assert client.get_cookie("mailsec_session").value != token.value


def test_every_response_forbids_foreign_content_and_foreign_frames(app, client):
    for path in ("/", "/dane", "/dns/zone", "/static/mailsec.css", "/no-such-page"):
        headers = client.get(path).headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'self'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_pages_are_never_cached_and_static_files_only_privately(client):
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/static/mailsec.css").headers["Cache-Control"] == "private, max-age=86400"


def test_pages_link_and_load_only_the_app_itself_and_hold_no_inline_code(client):
    for path in ("/", "/dane", "/mta-sts", "/dns", "/audit", "/reports", "/spam", "/settings", "/schedule"):
        body = page_text(client.get(path))
        targets = re.findall(r'(?:src|href|action|formaction)="([^"]*)"', body)
        assert targets and all(target[:1] == "/" and target[:2] != "//" for target in targets), path
        scripts = re.findall(r"<script[^>]*>", body)
        assert scripts == [f'<script src="/static/copy.js?v={__version__}" defer>'], path
        assert not re.search(r"\sstyle=|\son[a-z]+=|<style", body), path


def test_the_session_cookie_is_http_only_strict_scoped_to_the_app_and_secure_over_https(client):
    cookie = client.get("/", environ_base={"SCRIPT_NAME": "/webman/3rdparty/mailsec/index.cgi"},
                        base_url="https://nas.example.nl:5001/webman/3rdparty/mailsec/index.cgi/").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" in cookie
    assert "Path=/webman/3rdparty/mailsec/index.cgi" in cookie


def test_text_from_audits_and_certificates_is_shown_as_text_never_as_markup(client, fake):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    fake.audits[DOMAIN] = RecordedAudit(DOMAIN, clock.now(), (
        Finding("dane.tlsa-match", Status.FAIL, f"{MAIL_HOST} {hostile}", hostile, hostile),
        Finding("spf.record", Status.WARN, hostile, hostile, hostile),
    ))
    for path in ("/", "/audit", "/dane"):
        body = page_text(client.get(path))
        assert "<script>alert" not in body and "<img src=x" not in body, path
        assert "&lt;script&gt;alert(" in body, path


def test_a_hostile_certificate_name_is_escaped(nas, client):
    from tests.support.demo_nas import write_certificate
    from tests.support.pki import make_intermediate, make_leaf, make_root_ca

    issuer = make_intermediate(make_root_ca())
    leaf = make_leaf(issuer, [MAIL_HOST], common_name="<b>bold</b>&<i>")
    write_certificate(nas, "Mp7Q2a", leaf, [issuer])
    body = page_text(client.get("/dane"))
    assert "&lt;b\\&gt;bold" in body and "<b>" not in body  # RFC 4514 adds the backslashes


@pytest.mark.parametrize("size", [2 * 1024 * 1024 + 1, 8 * 1024 * 1024])
def test_an_oversized_request_is_refused_before_it_is_read(client, size):
    response = client.post("/settings/system", data={"web_root": "x" * size})
    assert response.status_code == 413


def test_the_settings_survive_a_refused_request(client, context):
    client.post("/settings/domain", data={"domain": "evil.example", "mx": "mx.evil.example"})
    assert load_settings(context.state_dir).domain("evil.example") is None
