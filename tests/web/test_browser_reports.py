"""End to end in headless Chromium: upload report files on the Reports page, paste the seed's header into the
Spam explainer, and a screenshot of each (see tests/web/test_browser.py for the setup and `docs/ui.md`)."""

import time

import pytest

from tests.reports.corpus import (
    DAY,
    dmarc_row,
    dmarc_xml,
    gzipped,
    tls_failure,
    tls_json,
    tls_policy,
    tls_report,
    zipped,
)
from tests.reports.test_explain import GMAIL_RESULTS, SEED_HEADER
from tests.support.demo_nas import DOMAIN, MAIL_HOST
from tests.web.test_browser import PHONE, browser, nas, open_section, page, shots, url  # noqa: F401

pytestmark = pytest.mark.browser
DAYS = 16


def report_files() -> list:
    """Sixteen days of reports up to yesterday: MTA-STS and DANE sessions with failures on two days, and
    DMARC reports in which a newsletter service sends as the domain without aligning."""
    start = (int(time.time()) // DAY - DAYS) * DAY
    tls = {}
    for day in range(DAYS):
        failures = [tls_failure("validation-failure", 3)] if day == 9 else []
        stale = [tls_failure("tlsa-invalid", 6, **{"receiving-mx-hostname": MAIL_HOST})] if day in (9, 10) else []
        tls[f"tls-{day}.json"] = tls_json(tls_report(f"tls-{day}", start + day * DAY, policies=[
            tls_policy("sts", 40 + day % 5 * 6, failures), tls_policy("tlsa", 40 + day % 5 * 6, stale)]))
    dmarc = {f"dmarc-{day}.xml": dmarc_xml(f"dmarc-{day}", start + day * DAY, rows=[
        dmarc_row("192.0.2.25", 12 + day % 4),
        dmarc_row("198.51.100.7", 2, dkim="fail", spf="fail", dkim_domain="news.example.com",
                  spf_domain="bounce.news.example.com"),
        dmarc_row("203.0.113.9", 1, dkim="fail", spf="fail", dkim_domain=None, spf_result="fail"),
    ]) for day in range(DAYS)}
    return [
        {"name": "google-tls.zip", "mimeType": "application/zip", "buffer": zipped(tls)},
        {"name": "dmarc.zip", "mimeType": "application/zip", "buffer": zipped(dmarc)},
        {"name": "again.xml.gz", "mimeType": "application/gzip", "buffer": gzipped(dmarc["dmarc-0.xml"])},
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a report"},
    ]


def test_upload_reports_and_read_them(page, url, shots):  # noqa: F811 (fixtures)
    page.goto(url)
    open_section(page, "Reports")
    assert page.title() == "Reports · mailsec"
    assert "No reports yet." in page.locator("main").inner_text()
    page.get_by_label("Report files").set_input_files(report_files())
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_load_state()
    imported = page.locator("#imported").inner_text()
    assert f"{2 * DAYS} imported, 1 already stored, 1 refused." in imported
    assert "not a TLS-RPT report (JSON) nor a DMARC aggregate report (XML)" in imported
    assert page.get_by_role("heading", name=DOMAIN, exact=True).is_visible()
    chart = page.get_by_role("img", name=f"TLS sessions per day under the MTA-STS policy of {DOMAIN}")
    assert chart.is_visible()
    assert "sessions succeeded and 3 failed" in chart.locator("desc").text_content()
    assert page.get_by_text("tlsa-invalid", exact=True).is_visible()
    assert "Third party" in page.locator("table").last.inner_text()
    page.screenshot(path=str(shots / "reports.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_paste_the_seed_header_and_read_the_explanation(page, url, shots):  # noqa: F811
    page.goto(url)
    open_section(page, "Spam explainer")
    page.get_by_label("Message headers").fill(SEED_HEADER + "\r\n" + GMAIL_RESULTS)
    page.get_by_role("button", name="Explain").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "The score -8.71 is 10.71 below the threshold 2." in main
    assert page.get_by_role("img", name="Score -8.71 against the threshold 2").is_visible()
    first_rule = page.locator("table tbody tr").first.inner_text()
    assert "WHITELIST_DMARC" in first_rule and "-7.000" in first_rule
    assert "Authentication results by mx.google.com" in main
    page.screenshot(path=str(shots / "spam.png"), full_page=True)
