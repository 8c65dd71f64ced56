"""The Reports page's two buttons that leave the NAS, against real servers on loopback: "look up reverse
names and TLSA records" (BIND and Unbound) and "fetch now" (Dovecot over IMAP with TLS).

Uses the servers harness (`tests.support.servers`), like tests/reports/test_lookups.py and test_imap.py.
"""

import json
from dataclasses import replace

import pytest

from mailsec import certs
from mailsec.reports.mailbox import SETTINGS_FILE, MailboxSettings, load_mailbox, save_mailbox
from mailsec.tlsa import MatchingType, Selector, association_data
from tests.reports.corpus import (
    DAY,
    MAY_1,
    dmarc_row,
    dmarc_xml,
    gzipped,
    report_mail,
    tls_failure,
    tls_json,
    tls_policy,
    tls_report,
    zipped,
)
from tests.support.demo_nas import MAIL_HOST
from tests.web.conftest import page_text, post
from tests.web.test_reports_page import upload

pytest.importorskip("tests.support.servers.pytest_plugin", reason="the servers harness has not landed yet")
from tests.support.servers import Zone, reverse_zone
from tests.support.servers.pytest_plugin import loopback, server_ca, server_ca_bundle, servers  # noqa: F401

pytestmark = pytest.mark.servers

# Unbound answers the reverse zones of RFC 6303 itself, so the sources sit in 198.18.0.0/15 (RFC 2544).
NAS_ADDRESS = "198.18.0.25"
SIBLING = "198.18.0.26"
USER, PASSWORD = "reports", "report-secret"


@pytest.fixture(autouse=True)
def may_2024(monkeypatch):
    monkeypatch.setenv("MAILSEC_NOW", str(MAY_1 + 20 * DAY))


@pytest.fixture(scope="module")
def resolver(servers, demo_template):  # noqa: F811 (fixture names)
    """example.nl signed, with the TLSA record of the demo NAS's certificate; PTR names for two sources."""
    chain = certs.load_chain_file(demo_template / "usr/syno/etc/certificate/_archive/Mp7Q2a/fullchain.pem")
    key_data = association_data(chain.leaf, Selector.SPKI, MatchingType.SHA256).hex()
    bind = servers.bind()
    zone = (Zone("example.nl", bind.address.host).mx("@", 10, "mail").a("mail", NAS_ADDRESS)
            .tlsa("_25._tcp.mail", 3, 1, 1, key_data))
    anchor = bind.serve_signed(zone)
    bind.serve(Zone(reverse_zone("198.18.0.0/24"), bind.address.host)
               .ptr(NAS_ADDRESS, "mail.example.nl.").ptr(SIBLING, "backup.example.nl."))
    return servers.unbound(bind, [anchor])


def test_reverse_names_and_tlsa_records_are_looked_up_only_when_asked(client, resolver):
    unsigned = dict(dkim="fail", spf="fail", dkim_domain=None, spf_result="fail")
    stale = tls_policy("tlsa", 1, [tls_failure("tlsa-invalid", 4)], strings=["3 1 1 " + "ab" * 32])
    upload(client, ("d.xml", dmarc_xml(rows=[dmarc_row(NAS_ADDRESS, 10), dmarc_row(SIBLING, 3, **unsigned)])),
           ("t.json", tls_json(tls_report(policies=[stale]))))
    assert post(client, "/settings/system", {"web_root": "", "nameservers": resolver.address.host}).status_code == 302

    shown = page_text(client.get("/reports"))
    assert "backup.example.nl" not in shown and "reverse name not looked up" in shown

    response = post(client, "/reports/lookup", {})
    body = page_text(response)
    assert response.status_code == 200
    assert "Reverse names and TLSA records as DNS answered just now." in body
    assert "mail.example.nl</span>" in body and "backup.example.nl</span>" in body
    sibling = body[body.index(f"<code>{SIBLING}</code>"):]
    assert "Yours, failing</span>" in sibling[:sibling.index("</tr>")]  # own by its reverse name: fix it first
    assert "DNS now has a TLSA record at _25._tcp.mail.example.nl that matches the current certificate" in body
    assert "DNS was not consulted" not in body


@pytest.fixture(scope="module")
def dovecot(servers, server_ca):  # noqa: F811
    return servers.dovecot(server_ca.server_certificate(MAIL_HOST), {USER: PASSWORD})


@pytest.fixture
def folder(dovecot, request) -> str:
    name = f"W{abs(hash(request.node.name)) % 10**8}"
    dovecot.deliver(USER, report_mail([]), name)  # a message without a report
    return name


def test_fetch_now_imports_what_waits_in_the_mailbox_set_up_on_the_page(client, context, dovecot, folder,
                                                                        server_ca_bundle):  # noqa: F811
    tls = gzipped(tls_json(tls_report("fetched-tls")))
    dovecot.deliver(USER, report_mail([("application/tlsrpt+gzip", "t.json.gz", tls)]), folder)
    dovecot.deliver(USER, report_mail([("application/zip", "d.zip", zipped({"d.xml": dmarc_xml("fetched")}))]),
                    folder)
    form = {"host": dovecot.imaps.host, "port": str(dovecot.imaps.port), "user": USER, "password": PASSWORD,
            "folder": folder, "tls_name": MAIL_HOST}
    assert post(client, "/reports/mailbox", form).status_code == 302
    saved = load_mailbox(context.state_dir)
    save_mailbox(context.state_dir, replace(saved, ca_bundle=str(server_ca_bundle)), None)  # the test CA

    body = page_text(post(client, "/reports/fetch", {}))
    assert "3 messages read from the mailbox, 0 left for the next run, 0 deleted." in body
    assert "2 imported, 0 already stored, 1 refused." in body
    assert "TLS-RPT · Google Inc. · <code>fetched-tls</code>" in body
    assert f"TLS: MTA-STS policy, MX {MAIL_HOST}</h3>" in body
    assert PASSWORD not in body
    again = page_text(post(client, "/reports/fetch", {}))
    assert "0 messages read from the mailbox" in again


def test_fetch_now_shows_a_refused_login_and_keeps_the_settings(client, context, dovecot, folder,
                                                                server_ca_bundle):  # noqa: F811
    save_mailbox(context.state_dir, MailboxSettings(dovecot.imaps.host, USER, port=dovecot.imaps.port,
                                                    folder=folder, tls_name=MAIL_HOST,
                                                    ca_bundle=str(server_ca_bundle)), "wrong")
    body = page_text(post(client, "/reports/fetch", {}))
    assert "The mailbox could not be read:" in body and "refused the login of &#39;reports&#39;" in body
    assert json.loads((context.state_dir / SETTINGS_FILE).read_text())["folder"] == folder
