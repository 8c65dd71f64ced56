"""What else refresh publishes and plans through RFC 2136 (BIND 9 on loopback): a staged next certificate,
the `_mta-sts` record once the new policy is served, `_smtp._tls`, a dry run, and the owner's steps when
mailsec does not publish."""

import datetime as dt
import json

import pytest

from mailsec.mtasts.policy import build_policy
from mailsec.nas import MAILPLUS_SUBSCRIBER
from tests.refresh.conftest import renew
from tests.rollover.conftest import HOUR, OWNER, START, assert_presented_certificate_matches, spki_sha256
from tests.support.demo_nas import DOMAIN, MAIL_HOST, write_certificate
from tests.support.pki import make_leaf
from tests.support.servers import POLICY_PATH, HttpsSite

pytestmark = pytest.mark.servers

HOLD = 2 * HOUR
STAGED_ID = "Nx5St1"


def publishing(nas):
    assert nas.configure_rfc2136().code == 0
    first = nas.refresh(START)
    assert first.code == 0, first.run.stdout
    return first


def stage_certificate(nas):
    """Add a new certificate to DSM's store for the MX host, assigned to no service."""
    layout = nas.demo.layout
    later = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=20)
    staged = make_leaf(nas.demo.issuer, [MAIL_HOST, f"mta-sts.{DOMAIN}"], not_before=later)
    write_certificate(layout, STAGED_ID, staged, [nas.demo.issuer])
    index = json.loads(layout.certificate_index.read_text())
    index[STAGED_ID] = {"desc": "next", "services": []}
    layout.certificate_index.write_text(json.dumps(index))
    return staged


def assign_staged_to_mailplus(nas):
    layout = nas.demo.layout
    index = json.loads(layout.certificate_index.read_text())
    index[STAGED_ID]["services"] = index[nas.demo.mail_cert_id]["services"]
    index[nas.demo.mail_cert_id]["services"] = []
    assert index[STAGED_ID]["services"][0]["subscriber"] == MAILPLUS_SUBSCRIBER
    layout.certificate_index.write_text(json.dumps(index))


def test_a_staged_certificate_is_published_as_next_and_its_switch_retires_the_old_key(nas):
    publishing(nas)
    old = f"3 1 1 {spki_sha256(nas.demo.mail.cert)}"
    following = f"3 1 1 {spki_sha256(stage_certificate(nas).cert)}"

    staged = nas.refresh(START + HOUR)
    assert following in nas.published() and staged.roles()[following.rsplit(maxsplit=1)[-1]] == "next"
    when = dt.datetime.fromtimestamp(START + HOUR + HOLD, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    assert any(step.startswith(f"From {when}: assign the certificate staged in DSM")
               for step in staged.document["rollover"]["steps"])

    assign_staged_to_mailplus(nas)  # the owner switches after the hold
    assert_presented_certificate_matches(nas)
    switched = nas.refresh(START + HOUR + HOLD)
    assert_presented_certificate_matches(nas)
    assert old not in nas.published() and following in nas.published()  # the hold already ran while it was next
    assert switched.phase == "stable" and switched.roles()[following.rsplit(maxsplit=1)[-1]] == "current"


def test_the_mta_sts_record_follows_the_policy_and_other_txt_records_stay(nas):
    publishing(nas)
    nas.update("_mta-sts", "TXT", '"not an MTA-STS record"')
    assert nas.mailsec("configure", "--domain", DOMAIN, "--mode", "enforce", "--tls-rpt",
                       f"mailto:tlsrpt@{DOMAIN}").code == 0

    changed = nas.refresh(START + HOUR)

    policy_id = changed.document["policy"]["id"]
    assert nas.published(f"_mta-sts.{DOMAIN}.", "TXT") == {f'"v=STSv1; id={policy_id}"', '"not an MTA-STS record"'}
    assert nas.published(f"_smtp._tls.{DOMAIN}.", "TXT") == {f'"v=TLSRPTv1; rua=mailto:tlsrpt@{DOMAIN}"'}
    assert changed.code == 0, changed.run.stdout


def served_policy_site(nas, servers, server_ca, policy: bytes):
    site = HttpsSite([f"mta-sts.{DOMAIN}"], server_ca.server_certificate(f"mta-sts.{DOMAIN}"),
                     files={POLICY_PATH: policy})
    nas.update("mta-sts", "A", servers.nginx([site]).address.host)


def test_an_old_policy_still_served_holds_the_id_back(nas, servers, server_ca, server_ca_bundle):
    served_policy_site(nas, servers, server_ca, b"version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n")
    assert nas.configure_rfc2136().code == 0

    held = nas.refresh(START, "--ca-bundle", str(server_ca_bundle))

    served = held.finding("refresh.mta-sts.served")
    assert served["status"] == "fail" and "answered HTTP 200 with another policy" in served["message"]
    assert nas.published(f"_mta-sts.{DOMAIN}.", "TXT") == set() and nas.published()  # TLSA went ahead
    assert held.code == 1


def test_the_new_policy_served_over_https_lets_the_id_change(nas, servers, server_ca, server_ca_bundle):
    served_policy_site(nas, servers, server_ca, build_policy("testing", [MAIL_HOST], 86400).render().encode())
    assert nas.configure_rfc2136().code == 0

    announced = nas.refresh(START, "--ca-bundle", str(server_ca_bundle))

    assert announced.finding("refresh.mta-sts.served")["status"] == "pass"
    assert nas.published(f"_mta-sts.{DOMAIN}.", "TXT") == {f'"v=STSv1; id={announced.document["policy"]["id"]}"'}


def snapshot(folder):
    return {path: (path.stat().st_mtime_ns, path.read_bytes()) for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_dry_run_prints_the_planned_changes_as_zone_lines_and_changes_nothing(nas):
    publishing(nas)
    old = f"3 1 1 {spki_sha256(nas.demo.mail.cert)}"
    renew(nas.demo)
    nas.refresh(START + HOUR)
    before = (nas.published(), snapshot(nas.demo.layout.state_dir()), snapshot(nas.demo.layout.web_share))

    dry = nas.mailsec("refresh", "--dry-run", at=START + HOUR + HOLD)

    assert dry.stdout.startswith("; mailsec refresh --dry-run: nothing was changed, in DNS or on the NAS\n"
                                 f"; remove\n{OWNER} 3600 IN TLSA {old}\n")
    assert (nas.published(), snapshot(nas.demo.layout.state_dir()), snapshot(nas.demo.layout.web_share)) == before


def test_without_publishing_refresh_prints_the_steps_in_order_with_their_earliest_times(nas):
    assert nas.configure().code == 0  # the resolver only: publishing stays "none"
    for record in (f"3 1 1 {spki_sha256(nas.demo.mail.cert)}", f"2 1 1 {spki_sha256(nas.demo.issuer.cert)}"):
        nas.update("_25._tcp.mail", "TLSA", record)
    nas.mailsec("refresh", at=START - HOUR)  # the daily run knew the key before the renewal (_mta-sts is missing)
    old = f"3 1 1 {spki_sha256(nas.demo.mail.cert)}"
    new = f"3 1 1 {spki_sha256(renew(nas.demo).cert)}"
    ttl = 300  # the test zone's

    told = nas.mailsec("refresh", at=START)
    assert told.code == 1
    add, remove = told.stdout.index("1. Now: add to the zone"), told.stdout.index("2. Not before ")
    assert add < told.stdout.index(new, add) < remove < told.stdout.index(old, remove)

    nas.update("_25._tcp.mail", "TLSA", new)
    waiting = nas.mailsec("refresh", at=START + HOUR)
    when = dt.datetime.fromtimestamp(START + HOUR + 2 * ttl, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    assert waiting.code == 1 and f"1. Not before {when}: remove from the zone:" in waiting.stdout
    assert nas.published() >= {old, new}  # mailsec changed nothing
