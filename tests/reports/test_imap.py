"""Fetching reports over IMAP with TLS from a real Dovecot on loopback, with a mailbox the tests fill.

Uses the servers harness (`tests.support.servers`): `servers.dovecot(certificate, users)` and
`imap.deliver(user, message)`.
"""

import imaplib
import json
import ssl
from contextlib import contextmanager
from dataclasses import replace
from typing import Iterator, List

import pytest

from mailsec.reports.imap import IMPORTED_KEYWORD, REFUSED_KEYWORD, ImapError, fetch_reports
from mailsec.reports.ingest import Outcome
from mailsec.reports.mailbox import MailboxSettings
from tests.reports.corpus import dmarc_xml, gzipped, report_mail, tls_json, tls_report, zipped

pytest.importorskip("tests.support.servers.pytest_plugin", reason="the servers harness has not landed yet")
from tests.support.servers.pytest_plugin import loopback, server_ca, servers  # noqa: F401

pytestmark = pytest.mark.servers

MAIL_HOST = "mail.example.nl"
USER, PASSWORD = "reports", "report-secret"


@pytest.fixture(scope="module")
def dovecot(servers, server_ca):  # noqa: F811 (fixture names)
    return servers.dovecot(server_ca.server_certificate(MAIL_HOST), {USER: PASSWORD, "other": "x"})


@pytest.fixture(scope="module")
def ca_bundle(server_ca, tmp_path_factory) -> str:  # noqa: F811
    return str(server_ca.write_bundle(tmp_path_factory.mktemp("ca") / "ca.pem"))


@pytest.fixture
def mailbox(dovecot, ca_bundle, request) -> MailboxSettings:
    """A fresh folder per test, so tests do not see each other's messages."""
    folder = f"T{abs(hash(request.node.name)) % 10**8}"
    dovecot.deliver(USER, report_mail([]), folder)  # creates the folder with one message that is no report
    return MailboxSettings(host=dovecot.imaps.host, user=USER, port=dovecot.imaps.port, folder=folder,
                           tls_name=MAIL_HOST, ca_bundle=ca_bundle)


@contextmanager
def other_client(settings: MailboxSettings, ca_bundle: str) -> Iterator[imaplib.IMAP4_SSL]:
    """Another mail client on the same folder, to see and change what mailsec left behind."""
    context = ssl.create_default_context(cafile=ca_bundle)
    context.check_hostname = False
    client = imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=context)
    try:
        client.login(USER, PASSWORD)
        client.select(settings.folder)
        yield client
    finally:
        client.logout()


def peek(settings: MailboxSettings, ca_bundle: str) -> List[str]:
    """Each message's flags in the folder."""
    with other_client(settings, ca_bundle) as client:
        _status, data = client.fetch("1:*", "(FLAGS)")
        return [line.decode() for line in data if line]


def tls_mail(report_id: str) -> bytes:
    return report_mail([("application/tlsrpt+gzip", f"{report_id}.json.gz", gzipped(tls_json(tls_report(report_id))))],
                       subject=f"Report Domain: example.nl Submitter: google.com Report-ID: {report_id}")


def dmarc_mail(report_id: str) -> bytes:
    return report_mail([("application/zip", f"{report_id}.zip", zipped({"r.xml": dmarc_xml(report_id)}))],
                       subject=f"Report domain: example.nl Report-ID: {report_id}")


def test_reports_are_imported_and_messages_marked_not_deleted(dovecot, mailbox, store, ca_bundle):
    dovecot.deliver(USER, tls_mail("t1"), mailbox.folder)
    dovecot.deliver(USER, dmarc_mail("d1"), mailbox.folder)
    result = fetch_reports(mailbox, PASSWORD, store, 0)
    assert (result.messages, result.remaining, result.deleted) == (3, 0, 0)
    assert sorted((r.outcome, r.kind) for r in result.reports) == [
        (Outcome.IMPORTED, "dmarc"), (Outcome.IMPORTED, "tlsrpt"), (Outcome.REJECTED, "")]
    flags = peek(mailbox, ca_bundle)
    assert len(flags) == 3
    assert sum(IMPORTED_KEYWORD in line for line in flags) == 2
    assert sum(REFUSED_KEYWORD in line for line in flags) == 1
    assert not any("\\Seen" in line for line in flags)  # read with BODY.PEEK: still unread for the owner
    assert (store.counts().tlsrpt_reports, store.counts().dmarc_reports) == (1, 1)


def test_marked_messages_are_not_read_again_and_a_resent_report_is_a_duplicate(dovecot, mailbox, store):
    dovecot.deliver(USER, tls_mail("t2"), mailbox.folder)
    fetch_reports(mailbox, PASSWORD, store, 0)
    assert fetch_reports(mailbox, PASSWORD, store, 0).messages == 0
    dovecot.deliver(USER, tls_mail("t2"), mailbox.folder)
    (again,) = fetch_reports(mailbox, PASSWORD, store, 0).reports
    assert again.outcome == Outcome.DUPLICATE


def test_a_message_whose_mark_was_lost_is_not_imported_twice(dovecot, mailbox, store, ca_bundle):
    dovecot.deliver(USER, dmarc_mail("d2"), mailbox.folder)
    fetch_reports(mailbox, PASSWORD, store, 0)
    with other_client(mailbox, ca_bundle) as client:
        client.store("1:*", "-FLAGS", f"({IMPORTED_KEYWORD} {REFUSED_KEYWORD})")
    second = fetch_reports(mailbox, PASSWORD, store, 0)
    assert (second.messages, second.reports) == (2, ())  # both remembered by UIDVALIDITY and UID
    assert sum(IMPORTED_KEYWORD in line for line in peek(mailbox, ca_bundle)) == 2


def test_imported_messages_are_deleted_only_when_asked(dovecot, mailbox, store, ca_bundle):
    dovecot.deliver(USER, tls_mail("t3"), mailbox.folder)
    dovecot.deliver(USER, dmarc_mail("d3"), mailbox.folder)
    with other_client(mailbox, ca_bundle) as client:
        client.store("1", "+FLAGS", "(\\Deleted)")  # the owner's own pending deletion: not ours to expunge
    result = fetch_reports(replace(mailbox, delete_imported=True), PASSWORD, store, 0)
    assert result.deleted == 2
    (remaining,) = peek(mailbox, ca_bundle)
    assert REFUSED_KEYWORD in remaining and "\\Deleted" in remaining  # the message without a report stays


def test_a_run_takes_at_most_its_limit(dovecot, mailbox, store):
    for number in range(3):
        dovecot.deliver(USER, tls_mail(f"l{number}"), mailbox.folder)
    first = fetch_reports(mailbox, PASSWORD, store, 0, limit=2)
    assert (first.messages, first.remaining) == (2, 2)
    second = fetch_reports(mailbox, PASSWORD, store, 0, limit=2)
    assert (second.messages, second.remaining) == (2, 0)
    assert store.counts().tlsrpt_reports == 3


def test_a_wrong_password_is_a_clear_error(mailbox, store):
    with pytest.raises(ImapError, match="refused the login of 'reports'"):
        fetch_reports(mailbox, "wrong", store, 0)


def test_an_untrusted_certificate_is_refused(mailbox, store):
    with pytest.raises(ImapError, match=r"not trusted for mail\.example\.nl"):
        fetch_reports(replace(mailbox, ca_bundle=""), PASSWORD, store, 0)
    with pytest.raises(ImapError, match=r"not trusted for imap\.example\.nl"):
        fetch_reports(replace(mailbox, tls_name="imap.example.nl"), PASSWORD, store, 0)


def test_a_missing_folder_is_a_clear_error(mailbox, store):
    with pytest.raises(ImapError, match="no folder 'Nowhere'"):
        fetch_reports(replace(mailbox, folder="Nowhere"), PASSWORD, store, 0)


def test_nothing_listens_is_a_clear_error(mailbox, store, servers):  # noqa: F811
    closed = servers.address([993])
    with pytest.raises(ImapError, match="cannot connect to the IMAP server"):
        fetch_reports(replace(mailbox, host=closed), PASSWORD, store, 0)


def test_the_cli_fetches_with_saved_settings_and_never_shows_the_password(dovecot, mailbox, state_dir, tmp_path,
                                                                          capsys):
    from mailsec.cli.main import main

    dovecot.deliver(USER, dmarc_mail("cli"), mailbox.folder)
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    base = ["--state-dir", str(state_dir), "reports"]
    assert main([*base, "mailbox", "--host", mailbox.host, "--user", USER, "--password-file", str(password_file),
                 "--folder", mailbox.folder, "--tls-name", MAIL_HOST, "--ca-bundle", mailbox.ca_bundle]) == 0
    capsys.readouterr()
    assert main([*base, "fetch", "--json"]) == 1  # the message without a report is refused
    output = capsys.readouterr().out
    document = json.loads(output)
    assert (document["messages"], document["imported"], document["rejected"]) == (2, 1, 1)
    assert main([*base, "mailbox"]) == 0
    shown = capsys.readouterr().out
    assert "password saved (mode 0600)" in shown and PASSWORD not in shown and PASSWORD not in output
