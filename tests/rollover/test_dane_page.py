"""The app's DANE page after real refresh runs against BIND: the rollover state, each record's role, the
steps and when, the publishing settings with a connection test that changes nothing, and no secret."""

import pytest

from mailsec.cli.common import Context
from mailsec.web.app import create_app
from mailsec.web.auth import Visitor
from mailsec.web.config import WebConfig
from mailsec.web.sources import saved_sources
from tests.refresh.conftest import renew
from tests.rollover.conftest import HOUR, START, spki_sha256
from tests.support.cloudflare_standin import CloudflareStandIn
from tests.support.demo_nas import DOMAIN
from tests.web.conftest import StubLogin, page_text, post

pytestmark = pytest.mark.servers


def dane_page(nas, at=None, monkeypatch=None):
    layout = nas.demo.layout
    context = Context(layout, layout.state_dir())
    app = create_app(WebConfig(context, StubLogin(Visitor("owner", True)), saved_sources(context), "en"))
    app.testing = True
    if monkeypatch is not None and at is not None:
        monkeypatch.setenv("MAILSEC_NOW", str(at))
    return app.test_client()


def test_the_page_shows_the_rollover_with_roles_steps_and_the_publishing_settings(nas, monkeypatch):
    assert nas.configure_rfc2136().code == 0
    nas.refresh(START)
    old = spki_sha256(nas.demo.mail.cert)
    new = spki_sha256(renew(nas.demo).cert)
    nas.refresh(START + HOUR)
    client = dane_page(nas, START + HOUR, monkeypatch)

    body = page_text(client.get("/dane"))

    assert "mailsec publishes these records and removes old ones when it is safe." in body
    assert "Waiting: the new records are on all 1 name servers" in body
    row = "<td>{}</td>\n        <td><code>_25._tcp.mail.example.nl. IN TLSA 3 1 1 {}"
    assert row.format("old: removed once safe", old) in body
    assert row.format("current: the certificate in use", new) in body
    assert "mailsec removes, at its first run from" in body
    assert "RFC 2136 dynamic updates signed with TSIG" in body and str(nas.bind.address.host) in body
    assert "TSIG key update.example.nl (hmac-sha256), kept on the NAS" in body
    assert nas.zone.key.secret not in body


def test_test_connection_asks_the_server_and_changes_nothing(nas):
    assert nas.configure_rfc2136().code == 0
    client = dane_page(nas)
    zone_before = nas.bind.transfer(DOMAIN).to_text()

    response = post(client, "/dane/test-publishing", {}, follow_redirects=True)

    body = page_text(response)
    assert "Connection test passed: " in body and "accepts the TSIG key update.example.nl" in body
    assert nas.bind.transfer(DOMAIN).to_text() == zone_before
    assert nas.zone.key.secret not in body


def test_a_failed_connection_test_says_why(nas, tmp_path):
    from tests.support.servers import make_tsig_key

    nas.configure_rfc2136(make_tsig_key(tmp_path / "other.key", "intruder.example.nl").path)
    body = page_text(post(dane_page(nas), "/dane/test-publishing", {}, follow_redirects=True))
    assert "The connection test failed: " in body and "does not know the TSIG key intruder.example.nl" in body


def test_a_cloudflare_token_never_reaches_the_page(nas):
    token = "page-must-not-show-this-token"
    with CloudflareStandIn(DOMAIN, token) as cloudflare:
        assert nas.configure("--publish", "cloudflare", "--zone", DOMAIN, "--api-url", cloudflare.url,
                             "--api-token-file", "-", stdin=token.encode()).code == 0
        client = dane_page(nas)
        pages = [page_text(client.get("/dane")),
                 page_text(post(client, "/dane/test-publishing", {}, follow_redirects=True))]
    assert "API token stored on the NAS" in pages[0] and "Connection test passed" in pages[1]
    assert all(token not in page for page in pages)


def test_without_publishing_the_page_says_the_owner_publishes_and_shows_the_steps(nas, monkeypatch):
    assert nas.configure().code == 0
    nas.refresh(START)
    body = page_text(dane_page(nas, START, monkeypatch).get("/dane"))
    assert "You publish the records yourself." in body and "Test connection" not in body
    assert "Now: add to the zone, next to the records already there:" in body
    assert saved_sources(Context(nas.demo.layout, nas.demo.layout.state_dir())).rollover_steps()[0].startswith(
        "Now: add to the zone")
