"""The MTA-STS page: edit, preview, publish, and the switch to enforce that the audit guards."""

import os
from datetime import timedelta

import pytest

from mailsec import clock
from mailsec.findings import Finding, Status
from mailsec.mtasts.policy import parse_policy
from mailsec.mtasts.publish import policy_file
from mailsec.settings import DomainSettings, load_settings, update_settings, validate_domain_settings
from tests.support.demo_nas import DOMAIN, MAIL_HOST
from tests.web.conftest import RecordedAudit, page_text, passing_guard_audit, post

FORM = {"domain": DOMAIN, "mx": MAIL_HOST, "mode": "testing", "max_age": "86400"}


@pytest.fixture
def policy_path(nas):
    return policy_file(nas.web_share)


def saved_entry(context) -> DomainSettings:
    return load_settings(context.state_dir).domain(DOMAIN)


def publish(client, **changes):
    return post(client, "/mta-sts/publish", {**FORM, **changes})


def test_the_page_shows_the_configured_policy_and_the_records_that_announce_it(client):
    body = page_text(client.get("/mta-sts"))
    assert f"mx: {MAIL_HOST}" in body and "mode: testing" in body and "max_age: 86400" in body
    assert f"_mta-sts.{DOMAIN}. IN TXT &#34;v=STSv1; id=" in body
    assert f"_smtp._tls.{DOMAIN}. IN TXT" in body
    assert "does not exist yet" in body


def test_preview_shows_the_new_policy_and_changes_nothing(client, context, policy_path):
    changes = {"mx": f"{MAIL_HOST}\nmx2.example.nl", "max_age": "6048"}
    response = post(client, "/mta-sts/preview", {**FORM, **changes})
    body = page_text(response)
    assert response.status_code == 200
    assert "Preview (not saved)" in body and "mx: mx2.example.nl" in body and "max_age: 6048" in body
    assert saved_entry(context).mx == (MAIL_HOST,)
    assert not policy_path.exists()


def test_publish_saves_the_settings_and_writes_the_policy_file(client, context, policy_path):
    response = publish(client, mx=f"{MAIL_HOST}, MX2.Example.NL", max_age="604800")
    assert response.status_code == 302
    entry = saved_entry(context)
    assert entry.mx == (MAIL_HOST, "mx2.example.nl") and entry.max_age == 604800
    written = policy_path.read_bytes()
    assert written == entry.policy().render().encode("ascii") and b"\r\n" in written
    assert parse_policy(written).valid
    body = page_text(client.get(response.headers["Location"]))
    assert "The policy was written to" in body and entry.policy().policy_id in body
    assert "holds this policy" in body


def test_publishing_the_same_policy_again_leaves_the_file_alone(client, policy_path):
    publish(client)
    first = policy_path.stat().st_mtime_ns
    response = publish(client)
    assert policy_path.stat().st_mtime_ns == first
    assert "already up to date" in page_text(client.get(response.headers["Location"]))


BAD_FORMS = [
    {"mx": "mail_1.example.nl"},  # underscore
    {"mx": "-mail.example.nl"},
    {"mx": "192.0.2.25"},  # an address, not a name
    {"mx": "mail..example.nl"},
    {"mx": "localhost"},  # not fully qualified
    {"mx": ""},
    {"mx": "m\u00e4il.example.nl"},
    {"mx": "a" * 64 + ".example.nl"},
    {"mx": "x" * 1025},  # longer than the field allows
    {"mx": " ".join(f"mx{n}.example.nl" for n in range(33))},  # more names than allowed
    {"mx": "mail.example.nl\x00"},
    {"max_age": "31557601"},  # above RFC 8461's maximum
    {"max_age": "-1"},
    {"max_age": "1e5"},
    {"max_age": "abc"},
    {"max_age": ""},
    {"max_age": "9" * 13},
    {"mode": "ENFORCE"},
    {"mode": "strict"},
    {"mode": ""},
]


@pytest.mark.parametrize("changes", BAD_FORMS, ids=[repr(form)[:40] for form in BAD_FORMS])
@pytest.mark.parametrize("action", ["preview", "publish"])
def test_invalid_input_is_refused_with_a_reason_and_changes_nothing(
    client, context, policy_path, action, changes
):
    before = (context.state_dir / "settings.json").read_bytes()
    response = post(client, f"/mta-sts/{action}", {**FORM, **changes})
    assert response.status_code == 400
    assert "notice-error" in page_text(response)
    assert (context.state_dir / "settings.json").read_bytes() == before
    assert not policy_path.exists()


def test_a_refused_form_keeps_what_was_typed(client):
    body = page_text(post(client, "/mta-sts/publish", {**FORM, "mx": "bad_host.example.nl"}))
    assert "bad_host.example.nl</textarea>" in body


def test_a_form_without_a_domain_is_a_bad_request_and_an_unknown_domain_is_not_found(client):
    assert post(client, "/mta-sts/publish", {**FORM, "domain": ""}).status_code == 400
    assert post(client, "/mta-sts/publish", {**FORM, "domain": "other.example"}).status_code == 404
    assert client.get("/mta-sts?domain=other.example").status_code == 404


def test_a_change_that_would_give_two_domains_different_policies_is_refused(client, context):
    update_settings(context.state_dir, lambda settings: settings.with_domain(
        validate_domain_settings(DomainSettings("example.org", (MAIL_HOST,)))))
    response = publish(client, mx="mx2.example.nl")
    assert response.status_code == 400 and "share the folder" in page_text(response)
    assert saved_entry(context).mx == (MAIL_HOST,)


def test_settings_are_saved_even_when_the_web_folder_is_missing_and_the_page_says_so(client, context, nas):
    os.rename(str(nas.web_share), str(nas.web_share) + ".gone")
    response = publish(client, max_age="3600")
    assert saved_entry(context).max_age == 3600
    body = page_text(client.get(response.headers["Location"]))
    assert "the policy was not published" in body and "does not exist" in body


# The switch to enforce


def publish_then_audit(client, fake, audit_age=timedelta(minutes=1)):
    publish(client)
    fake.audits[DOMAIN] = passing_guard_audit(clock.now() + audit_age)


def test_enforce_is_refused_without_an_audit(client, context, fake, policy_path):
    publish(client)
    response = post(client, "/mta-sts/enforce", {"domain": DOMAIN})
    assert response.status_code == 409
    assert "No audit has run yet" in page_text(response)
    assert saved_entry(context).mode == "testing" and b"mode: testing" in policy_path.read_bytes()


def test_enforce_is_refused_before_the_policy_is_published(client, context, fake):
    fake.audits[DOMAIN] = passing_guard_audit(clock.now())
    response = post(client, "/mta-sts/enforce", {"domain": DOMAIN})
    assert response.status_code == 409 and "not published yet" in page_text(response)
    assert saved_entry(context).mode == "testing"


@pytest.mark.parametrize("finding", [
    Finding("mta-sts.mx-coverage", Status.FAIL, MAIL_HOST, "no mx pattern matches the MX host"),
    Finding("mta-sts.mx-coverage", Status.WARN, "mx: old.example.nl", "this pattern matches no MX host"),
    Finding("mta-sts.mx-certificate", Status.WARN, MAIL_HOST, "the certificate is not valid for the name"),
    Finding("mta-sts.mx-certificate", Status.ERROR, MAIL_HOST, "could not see the certificate"),
])
def test_enforce_is_refused_while_the_audit_finds_an_mx_uncovered_or_with_a_bad_certificate(
    client, context, fake, finding
):
    publish_then_audit(client, fake)
    audit = fake.audits[DOMAIN]
    fake.audits[DOMAIN] = RecordedAudit(DOMAIN, audit.started, (*audit.findings, finding))
    response = post(client, "/mta-sts/enforce", {"domain": DOMAIN})
    assert response.status_code == 409
    assert finding.message in page_text(response)
    assert saved_entry(context).mode == "testing"


@pytest.mark.parametrize("check", ["mta-sts.mx-coverage", "mta-sts.mx-certificate"])
def test_enforce_is_refused_when_the_audit_did_not_judge_a_guarded_check(client, context, fake, check):
    publish_then_audit(client, fake)
    audit = fake.audits[DOMAIN]
    kept = tuple(finding for finding in audit.findings if finding.id != check)
    fake.audits[DOMAIN] = RecordedAudit(DOMAIN, audit.started, kept)
    response = post(client, "/mta-sts/enforce", {"domain": DOMAIN})
    assert response.status_code == 409 and f"did not report {check}" in page_text(response)


def test_enforce_is_refused_when_the_policy_changed_after_the_audit(client, context, fake):
    publish_then_audit(client, fake, audit_age=timedelta(minutes=-10))
    response = post(client, "/mta-sts/enforce", {"domain": DOMAIN})
    assert response.status_code == 409 and "Run the audit again" in page_text(response)


def test_enforce_through_the_form_cannot_change_the_mx_hosts_the_audit_judged(client, context, fake):
    publish_then_audit(client, fake)
    response = publish(client, mode="enforce", mx=f"{MAIL_HOST}\nmx2.example.nl")
    assert response.status_code == 409 and "differ from the published policy" in page_text(response)
    assert saved_entry(context).mode == "testing" and saved_entry(context).mx == (MAIL_HOST,)


def test_enforce_is_switched_on_when_a_current_audit_passed_every_guarded_check(
    client, context, fake, policy_path
):
    publish_then_audit(client, fake)
    page = page_text(client.get("/mta-sts"))
    assert "allows the switch" in page and "disabled" not in page.split('id="enforce"')[1]
    response = post(client, "/mta-sts/enforce", {"domain": DOMAIN})
    assert response.status_code == 302
    assert saved_entry(context).mode == "enforce"
    assert b"mode: enforce\r\n" in policy_path.read_bytes()
    assert "The policy is in enforce mode." in page_text(client.get("/mta-sts"))


def test_enforce_through_the_form_is_allowed_on_the_same_terms(client, context, fake, policy_path):
    publish_then_audit(client, fake)
    assert publish(client, mode="enforce", max_age="1209600").status_code == 302
    assert saved_entry(context).mode == "enforce" and saved_entry(context).max_age == 1209600


def test_the_enforce_button_is_disabled_and_the_reasons_are_shown_while_refused(client):
    page = page_text(client.get("/mta-sts")).split('id="enforce"')[1]
    assert "disabled" in page and "No audit has run yet" in page


def test_a_page_without_domains_asks_for_one(client, context):
    update_settings(context.state_dir, lambda settings: settings.__class__())
    body = page_text(client.get("/mta-sts"))
    assert "No mail domain is configured yet" in body and 'href="/settings"' in body


def test_an_oversized_field_is_refused_even_when_its_names_are_valid(client, context):
    response = publish(client, mx=" ".join([MAIL_HOST] * 80))  # 1279 characters, one valid name
    assert response.status_code == 400 and "longer than 1024 characters" in page_text(response)
