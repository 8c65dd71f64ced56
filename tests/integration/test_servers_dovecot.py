"""Dovecot serving IMAP over TLS for a mailbox the test fills with report mail."""

import email
import email.policy
import gzip
import imaplib
import io
import json
import ssl
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.support.pki import CertificateAuthority
from tests.support.servers import DovecotServer, ServerStack

pytestmark = pytest.mark.servers

IMAP_NAME = "imap.example.nl"
REPORT_NAME = "provider.example!example.nl!1704067200!1704153599"
TLSRPT = {"organization-name": "Provider", "report-id": "2024-01-01T00:00:00Z_example.nl", "policies": []}
DMARC_XML = b"<feedback><report_metadata><report_id>42</report_id></report_metadata></feedback>"


def tls_report_mail() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = "noreply-smtp-tls-reporting@provider.example", "reports@example.nl"
    message["Subject"] = "Report Domain: example.nl Submitter: provider.example Report-ID: <1@provider>"
    message["TLS-Report-Domain"], message["TLS-Report-Submitter"] = "example.nl", "provider.example"
    message.set_content("This is an aggregate TLS report.")
    message.add_attachment(gzip.compress(json.dumps(TLSRPT).encode()), maintype="application",
                           subtype="tlsrpt+gzip", filename=f"{REPORT_NAME}.json.gz")
    return message


def dmarc_report_mail() -> EmailMessage:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"{REPORT_NAME}.xml", DMARC_XML)
    message = EmailMessage()
    message["From"], message["To"] = "dmarc-noreply@provider.example", "reports@example.nl"
    message["Subject"] = "Report domain: example.nl Submitter: provider.example Report-ID: 42"
    message.set_content("DMARC aggregate report.")
    message.add_attachment(archive.getvalue(), maintype="application", subtype="zip",
                           filename=f"{REPORT_NAME}.zip")
    return message


@pytest.fixture(scope="module")
def imap(servers: ServerStack, server_ca: CertificateAuthority) -> DovecotServer:
    server = servers.dovecot(server_ca.server_certificate(IMAP_NAME), {"reports": "s3cret", "other": "pa55"})
    server.deliver("reports", tls_report_mail())
    server.deliver("reports", dmarc_report_mail().as_bytes())
    server.deliver("reports", dmarc_report_mail(), folder="DMARC")
    return server


@pytest.fixture(scope="module")
def trust(server_ca_bundle: Path) -> ssl.SSLContext:
    """Verifies the chain against the test CA; the name is checked apart, as the client dials an address."""
    context = ssl.create_default_context(cafile=str(server_ca_bundle))
    context.check_hostname = False
    return context


def login(server: DovecotServer, trust: ssl.SSLContext, user: str = "reports") -> imaplib.IMAP4_SSL:
    client = imaplib.IMAP4_SSL(server.imaps.host, server.imaps.port, ssl_context=trust)
    assert ("DNS", IMAP_NAME) in client.sock.getpeercert()["subjectAltName"]
    client.login(user, server.users[user])
    return client


def count(client: imaplib.IMAP4, folder: str = "INBOX") -> int:
    status, data = client.select(folder, readonly=True)
    assert status == "OK", data
    return int(data[0])


def test_login_over_imaps_sees_the_delivered_messages(imap: DovecotServer, trust: ssl.SSLContext) -> None:
    assert imap.imaps.port == 993
    client = login(imap, trust)
    assert count(client) == 2
    assert count(client, "DMARC") == 1
    client.logout()


def test_port_143_requires_starttls_before_login(imap: DovecotServer, trust: ssl.SSLContext) -> None:
    client = imaplib.IMAP4(imap.imap.host, imap.imap.port)
    assert {"STARTTLS", "LOGINDISABLED"} <= set(client.capabilities)
    client.starttls(ssl_context=trust)
    assert client.login("reports", "s3cret")[0] == "OK"
    client.logout()


def test_a_wrong_password_is_refused(imap: DovecotServer, trust: ssl.SSLContext) -> None:
    client = imaplib.IMAP4_SSL(imap.imaps.host, imap.imaps.port, ssl_context=trust)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        client.login("reports", "wrong")
    client.logout()


def test_report_attachments_arrive_intact_and_unread(imap: DovecotServer, trust: ssl.SSLContext) -> None:
    client = login(imap, trust)
    count(client)
    assert client.search(None, "UNSEEN")[1] == [b"1 2"]
    parts = {}
    for number in (b"1", b"2"):
        raw = client.fetch(number, "(BODY.PEEK[])")[1][0][1]
        message = email.message_from_bytes(raw, policy=email.policy.default)
        attachment = next(message.iter_attachments())
        parts[attachment.get_content_type()] = attachment.get_payload(decode=True)
    client.logout()
    assert json.loads(gzip.decompress(parts["application/tlsrpt+gzip"])) == TLSRPT
    with zipfile.ZipFile(io.BytesIO(parts["application/zip"])) as zipped:
        assert [zipped.read(name) for name in zipped.namelist()] == [DMARC_XML]


def test_a_message_delivered_while_dovecot_runs_is_seen_at_once(imap: DovecotServer, trust) -> None:
    client = login(imap, trust, "other")
    assert count(client) == 0
    imap.deliver("other", b"From: a@example.org\r\nSubject: late\r\n\r\nhello\r\n")
    assert count(client) == 1
    client.logout()
