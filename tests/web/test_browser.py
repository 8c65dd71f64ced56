"""End to end in headless Chromium: open the overview, edit and publish a policy, copy a record, switch
language, and a screenshot of every page.

Screenshots go to a temporary folder, or to $MAILSEC_SCREENSHOTS; `docs/ui.md` shows the ones taken with
`MAILSEC_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest -m browser tests/web/test_browser.py`.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mailsec.mtasts.publish import policy_file
from mailsec.nas import NasLayout
from mailsec.settings import load_settings
from tests.support.demo_nas import DOMAIN, MAIL_HOST

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def nas(demo_template, tmp_path_factory) -> NasLayout:
    root = tmp_path_factory.mktemp("browser") / "nas"
    shutil.copytree(str(demo_template), str(root))
    return NasLayout(root)


@pytest.fixture(scope="module")
def url(nas):
    command = [sys.executable, "-m", "mailsec.web.devserver", "--root", str(nas.root), "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    yield server.stdout.readline().split()[-1]
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("MAILSEC_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed (make system-deps)")
    with playwright_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            headless=True, viewport=LAPTOP, permissions=["clipboard-read", "clipboard-write"], locale="en-GB")
        yield context
        context.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    page.set_viewport_size(LAPTOP)
    yield page
    page.close()


def open_section(page, name: str) -> None:
    page.get_by_role("navigation", name="Sections").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def test_open_the_overview(page, url, shots):
    page.goto(url)
    assert page.title() == "Overview · mailsec"
    assert page.get_by_role("heading", name=DOMAIN).is_visible()
    assert "Development mode." in page.locator(".devmode").inner_text()
    first = page.locator(".first").first
    assert "Warning" in first.inner_text() and "No MTA-STS policy is published yet." in first.inner_text()
    assert page.locator(".badge").count() >= 5
    page.screenshot(path=str(shots / "overview.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shots / "overview-phone.png"), full_page=True)


def test_edit_preview_and_publish_the_policy(page, url, shots, nas):
    page.goto(url)
    open_section(page, "MTA-STS")
    max_age = page.get_by_label("max_age (seconds)")
    max_age.fill("99999999999")
    assert page.eval_on_selector("#max_age", "input => input.validity.valid") is False  # checked while typing
    page.get_by_label("MX hosts").fill(f"{MAIL_HOST}\nmx2.{DOMAIN}")
    max_age.fill("604800")
    page.get_by_role("button", name="Preview").click()
    assert page.get_by_role("heading", name="Preview (not saved)").is_visible()
    assert f"mx: mx2.{DOMAIN}" in page.locator("#policy-text").inner_text()
    assert not policy_file(nas.web_share).exists()
    page.get_by_role("button", name="Save and publish").click()
    assert "The policy was written to" in page.locator(".notice-success").inner_text()
    written = policy_file(nas.web_share).read_bytes().decode("ascii")
    assert f"mx: mx2.{DOMAIN}\r\n" in written and "max_age: 604800\r\n" in written
    assert load_settings(nas.state_dir(env={})).domain(DOMAIN).mx == (MAIL_HOST, f"mx2.{DOMAIN}")
    page.screenshot(path=str(shots / "mta-sts.png"), full_page=True)


def test_enforce_is_refused_without_an_audit(page, url, shots):
    page.goto(url + "mta-sts")
    assert page.get_by_role("button", name="Switch to enforce").is_disabled()
    page.get_by_label("Mode").select_option("enforce")
    page.get_by_role("button", name="Save and publish").click()
    assert "the switch to enforce is refused" in page.locator(".notice-error").first.inner_text()
    assert "No audit has run yet." in page.locator("#enforce").inner_text()
    page.screenshot(path=str(shots / "mta-sts-enforce-refused.png"), full_page=True)


def test_copy_a_record(page, url, shots):
    page.goto(url)
    open_section(page, "DANE")
    record = page.locator(".copyable code").first.inner_text()
    assert record.startswith(f"_25._tcp.{MAIL_HOST}. IN TLSA 3 1 1 ")
    button = page.locator(".copyable button.copy").first
    assert button.inner_text() == "Copy"
    button.click()
    assert page.evaluate("navigator.clipboard.readText()") == record
    assert button.inner_text() == "Copied"
    page.screenshot(path=str(shots / "dane.png"), full_page=True)


@pytest.mark.parametrize(("name", "shot"), [
    ("DNS records", "dns"), ("Audit", "audit"), ("Settings", "settings"), ("Schedule", "schedule"),
])
def test_every_other_page(page, url, shots, name, shot):
    page.goto(url)
    open_section(page, name)
    assert page.title() == f"{name} · mailsec"
    assert page.locator("[aria-current=page]").first.inner_text() == name
    page.screenshot(path=str(shots / f"{shot}.png"), full_page=True)


def test_switch_language(page, url, shots):
    page.goto(url + "dns")
    page.get_by_role("button", name="Nederlands").click()
    assert page.url.endswith("/dns")
    assert page.get_by_role("heading", name="DNS-records", exact=True).is_visible()
    assert page.get_by_role("link", name="Overzicht").is_visible()
    page.get_by_role("link", name="Overzicht").click()
    assert page.locator("html").get_attribute("lang") == "nl"
    page.screenshot(path=str(shots / "overview-nl.png"), full_page=True)
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", name="Overview").is_visible()
