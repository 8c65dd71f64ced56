"""Overview, DANE, DNS records, Audit, Settings and Schedule, rendered from the demo NAS and saved state."""

from datetime import timedelta

import pytest

from mailsec import certs, clock, tlsa
from mailsec.errors import MailsecError, NeedsRootError
from mailsec.findings import Finding, Status
from mailsec.mtasts.publish import policy_file
from mailsec.settings import DomainSettings, Settings, load_settings, update_settings
from tests.support.demo_nas import DOMAIN, MAIL_HOST
from tests.web.conftest import RecordedAudit, RecordedRefresh, page_text, passing_guard_audit, post

ALL_PAGES = ("/", "/dane", "/mta-sts", "/dns", "/audit", "/settings", "/schedule")


def demo_records(nas) -> list:
    chain = certs.load_chain_file(nas.certificate_folder("Mp7Q2a") / "fullchain.pem")
    return [record.zone_line() for record in tlsa.default_records(chain, [MAIL_HOST], [25])]


def without_certificate_store(monkeypatch):
    def refuse(layout):
        raise NeedsRootError("cannot read INFO: permission denied; only root may read DSM's certificates")

    monkeypatch.setattr("mailsec.web.certificate.find_mail_certificate", refuse)


@pytest.mark.parametrize("path", ALL_PAGES)
def test_every_page_renders_with_the_menu_and_marks_itself_current(client, path):
    body = page_text(client.get(path))
    assert body.count('aria-current="page"') == 1
    for item in ("Overview", "DANE", "MTA-STS", "DNS records", "Audit", "Settings", "Schedule"):
        assert f">{item}</a>" in body


def test_the_development_banner_shows_only_in_development_mode(client, context, fake, login):
    from mailsec.web.app import create_app
    from mailsec.web.config import WebConfig

    assert "Development mode." not in page_text(client.get("/"))
    development = create_app(WebConfig.development_mode(str(context.layout.root), env={}))
    body = page_text(development.test_client().get("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}))
    assert "Development mode." in body and "No DSM login" in body


# Overview


def test_overview_shows_each_domain_with_what_to_do_first(client):
    body = page_text(client.get("/"))
    assert f">{DOMAIN}</h2>" in body
    assert "CN=mail.example.nl" in body and "days left" in body
    first = body.split('class="first')[1].split("</div>\n  </div>")[0]
    assert "No MTA-STS policy is published yet." in first
    assert "Run the audit" in body and "Create the scheduled task" in body
    assert body.count("Not run yet.") == 2


def test_overview_puts_a_failed_audit_check_first(client, fake):
    fake.audits[DOMAIN] = RecordedAudit(DOMAIN, clock.now(), (
        Finding("spf.record", Status.WARN, DOMAIN, "two SPF records"),
        Finding("dane.tlsa-match", Status.FAIL, f"_25._tcp.{MAIL_HOST}.", "no published record matches"),
    ))
    body = page_text(client.get("/"))
    first = body.split('class="first')[1].split("</div>\n  </div>")[0]
    assert "found 1 problems" in first and "no published record matches" in first
    assert "badge-fail" in body.split("TLSA records</dt>")[1].split("</dd>")[0]


def test_overview_suggests_enforce_once_the_audit_allows_it(client, fake):
    post(client, "/mta-sts/publish", {"domain": DOMAIN, "mx": MAIL_HOST, "mode": "testing", "max_age": "600"})
    fake.audits[DOMAIN] = passing_guard_audit(clock.now() + timedelta(minutes=1))
    fake.refresh = RecordedRefresh(clock.now(), 0)
    body = page_text(client.get("/"))
    assert "you can switch the policy to enforce" in body
    assert "Published as configured." in body


def test_overview_with_an_unreadable_store_points_to_the_scheduled_task(client, monkeypatch, fake):
    without_certificate_store(monkeypatch)
    assert "Not read yet; create the scheduled task." in page_text(client.get("/"))
    fake.refresh = RecordedRefresh(clock.now(), 1, messages=("publish the new TLSA record",))
    body = page_text(client.get("/"))
    assert "Read by the scheduled refresh" in body and "asks you to act" in body


def test_overview_without_domains_asks_for_one(client, context):
    update_settings(context.state_dir, lambda settings: Settings())
    body = page_text(client.get("/"))
    assert "No mail domain is configured yet." in body and "Add a mail domain" in body


def test_a_corrupt_settings_file_is_explained_to_the_administrator(client, context):
    (context.state_dir / "settings.json").write_text("{not json", encoding="utf-8")
    response = client.get("/")
    assert response.status_code == 500 and "is corrupt" in page_text(response)


# DANE


def test_dane_shows_the_certificate_and_the_exact_records_with_copy_buttons(client, nas):
    body = page_text(client.get("/dane"))
    assert "CN=mail.example.nl" in body and "ECDSA P-256" in body and "bound to MailPlus Server" in body
    for line in demo_records(nas):
        assert f">{line}</code>" in body
    assert body.count('class="copy"') == 2
    assert "Not checked yet" in body and "2 times their TTL" in body


def test_dane_shows_what_the_audit_found_in_dns_per_host(client, fake):
    fake.audits[DOMAIN] = RecordedAudit(DOMAIN, clock.now(), (
        Finding("dane.tlsa-match", Status.FAIL, f"{MAIL_HOST} (192.0.2.25)", "no published record matches",
                f"_25._tcp.{MAIL_HOST}. IN TLSA 3 1 1 ab"),
        Finding("dane.dnssec", Status.PASS, f"_25._tcp.{MAIL_HOST}.", "the TLSA answer is DNSSEC-secure"),
        Finding("spf.record", Status.FAIL, DOMAIN, "not about DANE"),
    ))
    body = page_text(client.get("/dane"))
    assert "no published record matches" in body and "DNSSEC-secure" in body and "not about DANE" not in body


def test_dane_without_root_shows_the_records_of_the_last_refresh(client, monkeypatch, fake):
    without_certificate_store(monkeypatch)
    body = page_text(client.get("/dane"))
    assert "Only root may read" in body and "No records yet" in body
    line = f"_25._tcp.{MAIL_HOST}. IN TLSA 3 1 1 {'ab' * 32}"
    fake.refresh = RecordedRefresh(clock.now(), 0, records=(line,))
    body = page_text(client.get("/dane"))
    assert f">{line}</code>" in body and "from the scheduled refresh" in body


def test_dane_names_a_host_the_certificate_does_not_cover(client, context):
    entry = DomainSettings(DOMAIN, (MAIL_HOST, "mx2.example.nl"))
    update_settings(context.state_dir, lambda settings: settings.with_domain(entry))
    body = page_text(client.get("/dane"))
    assert "The certificate does not name mx2.example.nl." in body


def test_dane_shows_the_rollover_plan_when_there_is_one(client, fake):
    assert "Not available yet." in page_text(client.get("/dane"))
    fake.rollover = ["Publish the next record now.", "Remove the old record after 2026-12-06 10:00 UTC."]
    assert "Remove the old record after" in page_text(client.get("/dane"))


def test_a_broken_certificate_store_is_named_on_the_dane_page(client, nas):
    nas.certificate_index.write_text("[]", encoding="utf-8")
    assert "should hold a JSON object" in page_text(client.get("/dane"))


# DNS records


def test_dns_lists_every_record_the_domain_needs(client, nas):
    body = page_text(client.get("/dns"))
    entry_id = load_settings(nas.state_dir(env={})).domain(DOMAIN).policy().policy_id
    for line in (
        f"{DOMAIN}. IN MX 10 {MAIL_HOST}.",
        f"{MAIL_HOST}. IN A &lt;IPv4&gt;",
        f"{DOMAIN}. IN TXT &#34;v=spf1 mx ~all&#34;",
        f"ds218-bpe._domainkey.{DOMAIN}. IN TXT &#34;v=DKIM1; k=rsa; p=&lt;KEY&gt;&#34;",
        f"_dmarc.{DOMAIN}. IN TXT &#34;v=DMARC1; p=none; rua=mailto:postmaster@{DOMAIN}&#34;",
        f"_dmarc.{DOMAIN}. IN TXT &#34;v=DMARC1; p=reject; rua=mailto:postmaster@{DOMAIN}&#34;",
        f"mta-sts.{DOMAIN}. IN CNAME {MAIL_HOST}.",
        f"_mta-sts.{DOMAIN}. IN TXT &#34;v=STSv1; id={entry_id}&#34;",
        f"_smtp._tls.{DOMAIN}. IN TXT &#34;v=TLSRPTv1; rua=mailto:postmaster@{DOMAIN}&#34;",
        *demo_records(nas),
    ):
        assert f">{line}</code>" in body, line
    assert f"address of our internet connection to {MAIL_HOST}. It is the mail server of {DOMAIN}" in body


def test_the_zone_file_download_comments_out_placeholders_and_later_stages(client, nas):
    response = client.get(f"/dns/zone?domain={DOMAIN}")
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{DOMAIN}.zone.txt"'
    lines = page_text(response).splitlines()
    assert f"{DOMAIN}. IN MX 10 {MAIL_HOST}." in lines
    assert f"; {MAIL_HOST}. IN A <IPv4>" in lines
    assert f'_dmarc.{DOMAIN}. IN TXT "v=DMARC1; p=none; rua=mailto:postmaster@{DOMAIN}"' in lines
    assert f'; _dmarc.{DOMAIN}. IN TXT "v=DMARC1; p=reject; rua=mailto:postmaster@{DOMAIN}"' in lines
    assert all(line in lines for line in demo_records(nas))
    assert not [line for line in lines if "<" in line and not line.startswith(";")]


def test_dns_pages_of_an_unknown_domain_are_not_found(client):
    assert client.get("/dns?domain=other.example").status_code == 404
    assert client.get("/dns/zone?domain=other.example").status_code == 404


# Audit


def test_the_audit_page_says_when_the_audit_is_not_available_yet(client, fake):
    body = page_text(client.get("/audit"))
    assert "Not run yet." in body and "Not available yet." in body and "disabled" in body
    response = post(client, "/audit/run", {"domain": DOMAIN})
    assert "not available in this version yet" in page_text(client.get(response.headers["Location"]))
    assert fake.audits_run == []


def test_running_the_audit_shows_findings_grouped_worst_first_with_their_fixes(make_app, fake):
    fake.audit_available = True
    client = make_app().test_client()
    fake.next_audit = RecordedAudit(DOMAIN, clock.now(), (
        Finding("spf.record", Status.PASS, DOMAIN, "one SPF record"),
        Finding("dmarc.policy", Status.WARN, f"_dmarc.{DOMAIN}", "p=none enforces nothing", "Quarantine."),
        Finding("dane.tlsa-match", Status.FAIL, MAIL_HOST, "no record matches", "Publish 3 1 1 ab"),
        Finding("ptr.fcrdns", Status.ERROR, "192.0.2.25", "the PTR lookup timed out", "Run it again."),
    ))
    response = post(client, "/audit/run", {"domain": DOMAIN})
    assert fake.audits_run == [DOMAIN]
    body = page_text(client.get(response.headers["Location"]))
    assert "The audit has run." in body
    titles = ("Problems (1)", "Could not check (1)", "Warnings (1)", "In order (1)")
    order = [body.index(title) for title in titles]
    assert order == sorted(order)
    assert "Publish 3 1 1 ab" in body and "Quarantine." in body


def test_an_audit_that_cannot_run_says_why(make_app, fake, monkeypatch):
    def broken(domain):
        raise MailsecError("cannot reach any name server")

    fake.audit_available = True
    monkeypatch.setattr(fake, "run_audit", broken)
    client = make_app().test_client()
    response = post(client, "/audit/run", {"domain": DOMAIN})
    assert "cannot reach any name server" in page_text(client.get(response.headers["Location"]))


# Settings


def settings_of(context) -> Settings:
    return load_settings(context.state_dir)


def test_a_new_domain_is_saved_with_the_policy_the_others_have(client, context):
    form = {"domain": "Example.ORG", "mx": MAIL_HOST, "dkim_selectors": "s1, s2"}
    response = post(client, "/settings/domain", form)
    assert response.status_code == 302
    entry = settings_of(context).domain("example.org")
    assert entry.mx == (MAIL_HOST,) and entry.dkim_selectors == ("s1", "s2") and entry.mode == "testing"
    assert "The settings of Example.ORG were saved." in page_text(client.get("/settings"))


def test_editing_a_domain_keeps_its_mode_and_max_age(client, context):
    entry = DomainSettings(DOMAIN, (MAIL_HOST,), "none", 60)
    update_settings(context.state_dir, lambda settings: settings.with_domain(entry))
    post(client, "/settings/domain", {"domain": DOMAIN, "mx": MAIL_HOST, "dkim_selectors": "new"})
    entry = settings_of(context).domain(DOMAIN)
    assert entry.dkim_selectors == ("new",) and entry.mode == "none" and entry.max_age == 60


@pytest.mark.parametrize("form", [
    {"domain": "", "mx": MAIL_HOST},
    {"domain": "bad_domain.nl", "mx": MAIL_HOST},
    {"domain": "example.org", "mx": "mail_x.example.org"},
    {"domain": "example.org", "mx": ""},
    {"domain": "example.org", "mx": "mx.example.org"},  # its policy would differ from example.nl's
    {"domain": "example.org", "mx": MAIL_HOST, "dkim_selectors": "bad selector!"},
    {"domain": "x" * 300, "mx": MAIL_HOST},
    {"domain": "example.org", "mx": MAIL_HOST, "dkim_selectors": "s" * 2000},
])
def test_an_invalid_domain_form_is_refused_and_keeps_what_was_typed(client, context, form):
    before = settings_of(context)
    response = post(client, "/settings/domain", form)
    assert response.status_code == 400 and "notice-error" in page_text(response)
    assert settings_of(context) == before


def test_a_domain_can_be_removed(client, context):
    response = post(client, "/settings/domain/remove", {"domain": DOMAIN})
    assert response.status_code == 302 and settings_of(context).domains == ()
    assert post(client, "/settings/domain/remove", {"domain": DOMAIN}).status_code == 404


def test_the_resolver_and_web_folder_are_saved(client, context, nas):
    form = {"web_root": str(nas.web_share), "nameservers": "192.0.2.53 [2001:db8::53]:5353"}
    response = post(client, "/settings/system", form)
    assert response.status_code == 302
    saved = settings_of(context)
    assert saved.web_root == str(nas.web_share) and saved.nameservers == ("192.0.2.53", "[2001:db8::53]:5353")
    post(client, "/settings/system", {"web_root": "", "nameservers": ""})
    assert settings_of(context).web_root is None and settings_of(context).nameservers == ()


@pytest.mark.parametrize("form", [
    {"web_root": "relative/web", "nameservers": ""},
    {"web_root": "/no/such/folder", "nameservers": ""},
    {"web_root": "", "nameservers": "ns1.example.nl"},
    {"web_root": "", "nameservers": "192.0.2.53:99999"},
    {"web_root": "/" + "w" * 5000, "nameservers": ""},
])
def test_an_invalid_resolver_or_web_folder_is_refused(client, context, form):
    before = settings_of(context)
    assert post(client, "/settings/system", form).status_code == 400
    assert settings_of(context) == before


# Schedule


def test_schedule_shows_the_exact_tasks_to_create(client):
    body = page_text(client.get("/schedule"))
    assert body.count(">/var/packages/mailsec/target/bin/mailsec refresh</code>") == 2
    assert "User &#34;root&#34;" in body and "Boot-up" in body and "Daily" in body
    assert "Not run yet." in body


@pytest.mark.parametrize(("status", "words"), [
    (0, "in sync"), (1, "you need to act"), (2, "could not do its part"),
])
def test_schedule_shows_the_last_run(client, fake, status, words):
    record = f"_25._tcp.{MAIL_HOST}. IN TLSA 3 1 1 ab"
    fake.refresh = RecordedRefresh(clock.now(), status, (record,), ("renewed",))
    body = page_text(client.get("/schedule"))
    assert words in body and "renewed" in body and "IN TLSA 3 1 1 ab" in body


def test_the_policy_file_path_is_where_web_station_serves_it(nas):
    assert policy_file(nas.web_share) == nas.web_share / "mta-sts" / ".well-known" / "mta-sts.txt"
