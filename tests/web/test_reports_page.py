"""The Reports page: summaries per domain from the report store, uploads, the report mailbox, and what it
refuses (oversized, corrupt and hostile files, forms without their token)."""

import io
import json
import os
import re
import socket
import stat
from typing import Tuple

import pytest
from markupsafe import escape

from mailsec.reports.mailbox import PASSWORD_FILE, SETTINGS_FILE, MailboxSettings, save_mailbox
from mailsec.reports.store import STORE_FILE, ReportStore
from mailsec.reports.tls_causes import CAUSES
from mailsec.web.protocol import MAX_BODY_BYTES
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
from tests.support.demo_nas import DOMAIN, MAIL_HOST
from tests.web.conftest import csrf_token, page_text, post

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
THIRD_PARTY = "198.51.100.7"


@pytest.fixture(autouse=True)
def may_2024(monkeypatch):
    """The corpus's reports start on 1 May 2024; the page looks back 30 days from the 20th."""
    monkeypatch.setenv("MAILSEC_NOW", str(MAY_1 + 20 * DAY))


def upload(client, *files: Tuple[str, bytes]):
    """Send report files through the page's upload form."""
    return client.post("/reports/upload", data={
        "csrf_token": csrf_token(client, "/reports"),
        "reports": [(io.BytesIO(data), name) for name, data in files],
    }, content_type="multipart/form-data")


def stored_reports(context) -> int:
    if not (context.state_dir / STORE_FILE).exists():
        return 0
    with ReportStore.open(context.state_dir) as store:
        counts = store.counts()
    return counts.tlsrpt_reports + counts.dmarc_reports


def tls_with_failures() -> bytes:
    """Two days of MTA-STS sessions for the demo MX, with validation failures on the second."""
    first = tls_report("tls-1", MAY_1, policies=[tls_policy(successes=120)])
    second = tls_report("tls-2", MAY_1 + DAY, policies=[tls_policy(successes=80, failures=[tls_failure(sessions=4)])])
    return zipped({"day1.json": tls_json(first), "day2.json": tls_json(second)})


def dmarc_with_a_third_party() -> bytes:
    return dmarc_xml(rows=[dmarc_row(count=40), dmarc_row(THIRD_PARTY, 6, dkim="fail", spf="fail",
                                                          dkim_domain="mailer.example.com",
                                                          spf_domain="mailer.example.com")])


# Without reports


def test_without_reports_the_page_says_how_to_get_them_and_creates_no_store(client, context):
    body = page_text(client.get("/reports"))
    assert "No reports yet." in body
    assert 'enctype="multipart/form-data"' in body and 'type="file"' in body
    assert "up to 2048 KiB per upload" in body
    assert not (context.state_dir / STORE_FILE).exists()


def test_the_page_is_in_the_menu_and_marks_itself_current(client):
    body = page_text(client.get("/reports"))
    assert '<a href="/reports" aria-current="page">Reports</a>' in body
    assert ">Spam explainer</a>" in body


# TLS-RPT


def test_a_tls_report_shows_its_policy_and_mx_with_totals(client):
    body = page_text(upload(client, ("tls.zip", tls_with_failures())))
    assert "2 imported, 0 already stored, 0 refused." in body
    assert f"<h2 id=\"domain-1\">{DOMAIN}</h2>" in body
    assert f"TLS: MTA-STS policy, MX {MAIL_HOST}</h3>" in body
    assert "204 sessions, of which 4 failed (2.0%), in 2 reports." in body


def test_the_sessions_per_day_are_an_accessible_chart_and_a_table(client):
    upload(client, ("tls.zip", tls_with_failures()))
    body = page_text(client.get("/reports"))
    chart = body[body.index('<svg class="chart"'):body.index("</svg>")]
    assert 'role="img" aria-labelledby="tls-1-1-title tls-1-1-desc"' in chart
    assert "TLS sessions per day under the MTA-STS policy of example.nl</title>" in chart
    assert ("From 2024-04-21 to 2024-05-21: 200 sessions succeeded and 4 failed; the busiest day had 120.</desc>"
            in chart)
    assert chart.count('class="bar-ok"') == 2 and chart.count('class="bar-failed"') == 1
    assert "<title>2024-05-02: 80 succeeded, 4 failed</title>" in chart
    assert chart.count(">✕</text>") == 1  # the failed day is marked, not only coloured
    assert "<tr><td>2024-05-01</td><td class=\"num\">120</td><td class=\"num\">0</td></tr>" in body
    assert "<tr><td>2024-05-02</td><td class=\"num\">80</td><td class=\"num\">4</td></tr>" in body


def test_each_failure_type_comes_with_its_likely_cause_and_fix(client):
    body = page_text(upload(client, ("tls.zip", tls_with_failures())))
    cause = CAUSES["validation-failure"]
    assert "<code>validation-failure</code>" in body
    assert "4 failed sessions, 2024-05-02 to 2024-05-02" in body
    assert escape(cause.explanation) in body
    assert escape(cause.fix.format(domain=DOMAIN)) in body


def test_dane_and_mta_sts_are_shown_apart(client):
    report = tls_report(policies=[tls_policy("tlsa", failures=[tls_failure("tlsa-invalid", 3)]), tls_policy()])
    body = page_text(upload(client, ("tls.json.gz", gzipped(tls_json(report)))))
    assert "TLS: DANE (TLSA records), MX mail.example.nl</h3>" in body
    assert "TLS: MTA-STS policy, MX mail.example.nl</h3>" in body
    assert "<code>tlsa-invalid</code>" in body and escape(CAUSES["tlsa-invalid"].explanation) in body


# DMARC


def test_dmarc_sources_show_their_alignment_and_role(client):
    body = page_text(upload(client, ("google.xml", dmarc_with_a_third_party())))
    sources = body[body.index("Sending sources"):]
    assert "<code>192.0.2.25</code>" in sources and f"<code>{THIRD_PARTY}</code>" in sources
    assert "Third party</span>" in sources and "Aligned</span>" in sources
    assert sources.index(THIRD_PARTY) < sources.index("192.0.2.25")  # what needs a look comes first
    row = sources[sources.index(THIRD_PARTY):sources.index("</tr>", sources.index(THIRD_PARTY))]
    assert '<td class="num">6</td><td class="num">6</td>' in row
    assert "Authenticated as mailer.example.com, not as example.nl." in sources
    assert "reverse name not looked up" in sources


def test_the_rollout_verdict_and_the_next_record_are_shown(client):
    body = page_text(upload(client, ("google.xml", dmarc_with_a_third_party())))
    assert "46 messages, of which 40 pass DMARC (87%), reported on 1 days." in body
    assert "More reports needed</span>" in body
    assert "<code>p=quarantine; t=y; pct=0</code>" in body
    assert ('_dmarc.example.nl. IN TXT &#34;v=DMARC1; p=quarantine; t=y; pct=0; '
            'rua=mailto:postmaster@example.nl&#34;') in body


def test_enough_clean_reports_make_the_advisor_ready_for_the_next_stage(client):
    reports = {f"r{day}.xml": dmarc_xml(f"d{day}", MAY_1 + day * DAY, rows=[dmarc_row(count=10)], p="quarantine",
                                        testing="y")
               for day in range(15)}
    body = page_text(upload(client, ("fifteen.zip", zipped(reports))))
    assert "15 imported" in body
    verdict = body[body.index("Next step:") - 400:body.index("Next step:")]
    assert "badge-pass" in verdict and "Ready</span>" in verdict
    assert "<code>p=quarantine (remove t=y and pct)</code>" in body
    assert 'v=DMARC1; p=quarantine; rua=mailto:postmaster@example.nl' in body.replace("&#34;", '"')


def test_a_domain_without_reports_says_so(client):
    other = dmarc_xml(domain="other.example", rows=[dmarc_row(header_from="other.example")])
    body = page_text(upload(client, ("other.xml", other)))
    assert "No reports about example.nl in the last 30 days." in body
    assert body.index(">example.nl</h2>") < body.index(">other.example</h2>")  # configured domains first


# Uploads: what is imported and what is refused


def test_the_import_summary_counts_new_duplicate_and_refused(client, context):
    report = ("tls.json", tls_json(tls_report()))
    upload(client, report)
    body = page_text(upload(client, report, ("notes.txt", b"hello")))
    assert "0 imported, 1 already stored, 1 refused." in body
    refused = body[body.index("1 refused."):body.index("<details open>")]  # listed above every report's row
    assert "notes.txt:</span>" in refused and "nor a DMARC aggregate report (XML)" in refused
    assert "Already stored</span>" in body and "Refused</span>" in body
    assert stored_reports(context) == 1


def test_a_report_mail_is_imported_through_its_attachment(client):
    mail = report_mail([("application/tlsrpt+gzip", "report.json.gz", gzipped(tls_json(tls_report())))])
    body = page_text(upload(client, ("report.eml", mail)))
    assert "1 imported" in body and "report.json.gz" in body


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("entities.xml", b'<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
                     b"<feedback>&b;</feedback>", "DOCTYPE"),
    ("external.xml", b'<!DOCTYPE feedback SYSTEM "file:///etc/passwd"><feedback/>', "DOCTYPE"),
    ("bomb.xml.gz", gzipped(b"<feedback>" + b" " * (40 * 1024 * 1024) + b"</feedback>", times=2),
     "expands to more than 32 MiB"),
    ("broken.zip", b"PK\x03\x04" + b"\x00" * 200, "not a readable zip archive"),
    ("cut.json.gz", gzipped(tls_json(tls_report()))[:-20], "corrupt or unsupported compressed data"),
    ("half.xml", dmarc_xml()[:300], "cannot be parsed"),
    ("nonsense.json", b'{"organization-name": 5}', ""),
    ("picture.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "nor a DMARC aggregate report"),
])
def test_corrupt_and_hostile_files_are_refused_with_a_reason_and_store_nothing(client, context, name, data, reason):
    assert len(data) < MAX_BODY_BYTES
    response = upload(client, (name, data))
    body = page_text(response)
    assert response.status_code == 200
    assert "0 imported, 0 already stored, 1 refused." in body
    assert reason in body
    assert stored_reports(context) == 0


def test_an_upload_over_the_request_limit_is_refused_before_it_is_read(client, context):
    response = upload(client, ("large.xml", dmarc_xml() + b" " * MAX_BODY_BYTES))
    assert response.status_code == 413
    assert not (context.state_dir / STORE_FILE).exists()


def test_an_upload_without_files_asks_for_them(client):
    response = client.post("/reports/upload", data={"csrf_token": csrf_token(client, "/reports"),
                                                    "reports": (io.BytesIO(b""), "")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose at least one report file." in page_text(response)


@pytest.mark.parametrize("path", ["/reports/upload", "/reports/lookup", "/reports/fetch", "/reports/mailbox"])
def test_a_form_without_its_token_is_refused_and_changes_nothing(client, context, path):
    response = client.post(path, data={"reports": (io.BytesIO(tls_json(tls_report())), "tls.json"),
                                       "host": MAIL_HOST, "user": "reports", "password": "secret"},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "security token" in page_text(response)
    for name in (STORE_FILE, SETTINGS_FILE, PASSWORD_FILE):
        assert not (context.state_dir / name).exists()


def test_text_from_reports_and_file_names_is_shown_as_text_never_as_markup(client):
    tls = tls_report(organization=HOSTILE, policies=[tls_policy(mx_host=[HOSTILE], failures=[tls_failure()])])
    dmarc = dmarc_xml(organization=HOSTILE, rows=[dmarc_row(dkim_domain=HOSTILE.replace("<", "").replace(">", ""))])
    body = page_text(upload(client, (f"{HOSTILE}.json", tls_json(tls)), ("d.xml", dmarc), (HOSTILE, b"\x00")))
    body += page_text(client.get("/reports"))
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(" in body and "&lt;img src=x onerror=alert(1)&gt;" in body


def test_uploaded_names_lose_paths_control_and_direction_characters():
    from mailsec.web.views.reports import shown_name

    assert shown_name("C:\\Users\\me\\report.xml") == "report.xml"
    assert shown_name("../../etc/passwd") == "passwd"
    assert shown_name("a\u202egnp.exe\x00\r\n") == "agnp.exe"
    assert shown_name("x" * 500).endswith("...") and len(shown_name("x" * 500)) == 120
    assert shown_name("/") == "upload"


# Rendering from saved state only


def test_the_page_asks_no_network_to_show_stored_reports(client, monkeypatch):
    upload(client, ("google.xml", dmarc_with_a_third_party()), ("tls.zip", tls_with_failures()))

    def refuse(*args, **kwargs):
        raise AssertionError("the page tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    response = client.get("/reports")
    assert response.status_code == 200
    assert "DNS was not consulted" in page_text(response)


def test_the_charts_use_no_inline_style_or_script(client):
    upload(client, ("tls.zip", tls_with_failures()))
    body = page_text(client.get("/reports"))
    assert "<svg" in body
    assert not re.search(r"\sstyle=|\son[a-z]+=|<style", body)
    assert body.count("<script") == 1


def test_the_page_speaks_dutch_and_marks_english_explanations(client):
    upload(client, ("tls.zip", tls_with_failures()), ("google.xml", dmarc_with_a_third_party()))
    body = page_text(client.get("/reports", headers={"Accept-Language": "nl"}))
    assert '<html lang="nl">' in body and "<h1>Rapporten</h1>" in body
    assert "Meer rapporten nodig</span>" in body and "Derde partij</span>" in body
    assert '<dd lang="en">The sender could not validate your MX' in body
    assert "De uitleg uit de analyse van mailsec is in het Engels." in body


# The report mailbox


def mailbox_form(**changes: str) -> dict:
    return {"host": MAIL_HOST, "port": "993", "user": "reports", "password": " s3cret pass ", "folder": "INBOX",
            "tls_name": "", **changes}


def test_the_mailbox_is_saved_with_the_password_apart_and_never_shown(client, context):
    response = post(client, "/reports/mailbox", mailbox_form())
    assert response.status_code == 302
    saved = json.loads((context.state_dir / SETTINGS_FILE).read_text())
    assert (saved["host"], saved["port"], saved["user"], saved["folder"]) == (MAIL_HOST, 993, "reports", "INBOX")
    password = context.state_dir / PASSWORD_FILE
    assert password.read_text() == " s3cret pass "  # spaces are part of it
    assert stat.S_IMODE(os.stat(str(password)).st_mode) == 0o600
    body = page_text(client.get("/reports"))
    assert "The report mailbox was saved." in body
    assert "s3cret" not in body and f'value="{MAIL_HOST}"' in body
    assert "A password is saved" in body


def test_leaving_the_password_empty_keeps_the_saved_one(client, context):
    post(client, "/reports/mailbox", mailbox_form())
    post(client, "/reports/mailbox", mailbox_form(password="", folder="Reports", tls_name=MAIL_HOST))
    assert (context.state_dir / PASSWORD_FILE).read_text() == " s3cret pass "
    saved = json.loads((context.state_dir / SETTINGS_FILE).read_text())
    assert (saved["folder"], saved["tls_name"]) == ("Reports", MAIL_HOST)


def test_what_the_form_does_not_show_stays_as_saved(client, context):
    save_mailbox(context.state_dir, MailboxSettings(MAIL_HOST, "reports", ca_bundle="/etc/ca.pem",
                                                    delete_imported=True), "old")
    post(client, "/reports/mailbox", mailbox_form(password=""))
    saved = json.loads((context.state_dir / SETTINGS_FILE).read_text())
    assert (saved["ca_bundle"], saved["delete_imported"]) == ("/etc/ca.pem", True)


@pytest.mark.parametrize(("changes", "message"), [
    ({"password": ""}, "Give the mailbox&#39;s password."),
    ({"host": "not a host!"}, "invalid mailbox settings: host:"),
    ({"port": "70000"}, "port: give a number from 1 to 65535"),
    ({"port": "99x"}, "The field port must be a whole number."),
    ({"user": "x" * 300}, "The field user is longer than 256 characters."),
    ({"password": "a\nb"}, "The field password contains control characters."),
    ({"password": "p" * 1025}, "The field password is longer than 1024 characters."),
])
def test_an_invalid_mailbox_is_refused_and_keeps_what_was_typed_but_the_password(client, context, changes, message):
    response = post(client, "/reports/mailbox", mailbox_form(**{"user": "typed-user", **changes}))
    body = page_text(response)
    assert response.status_code == 400
    assert message in body
    assert not (context.state_dir / SETTINGS_FILE).exists() and not (context.state_dir / PASSWORD_FILE).exists()
    if "user" not in changes:
        assert 'value="typed-user"' in body
    assert "s3cret" not in body


def test_fetch_now_needs_a_mailbox(client):
    body = page_text(client.get("/reports"))
    fetch_form = body[body.index('action="/reports/fetch"'):]
    assert "disabled" in fetch_form.split("</form>")[0]
    response = post(client, "/reports/fetch", {})
    assert response.status_code == 400
    assert "No report mailbox is set yet." in page_text(response)


def test_fetch_now_says_why_when_the_mailbox_cannot_be_reached(client, context):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # closed again below: nothing listens there
    save_mailbox(context.state_dir, MailboxSettings("127.0.0.1", "reports", port=port), "secret")
    response = post(client, "/reports/fetch", {})
    body = page_text(response)
    assert response.status_code == 200
    assert "The mailbox could not be read:" in body and f"127.0.0.1:{port}" in body
    assert "secret" not in body.replace("s3cret", "")
