"""`mailsec refresh` publishing through RFC 2136 to BIND 9 on loopback (a DNSSEC-signed zone that takes
TSIG-signed updates) and rolling the TLSA records over, with the time given in $MAILSEC_NOW.

After every run, and after every renewal before the next run, the certificate the MX presents must match
a published record.
"""

import pytest

from tests.refresh.conftest import renew
from tests.rollover.conftest import HOUR, OWNER, START, assert_presented_certificate_matches, spki_sha256
from tests.support.demo_nas import DOMAIN

pytestmark = pytest.mark.servers

HOLD = 2 * HOUR  # two TTLs of the records mailsec adds (3600 s)


def first_publication(nas):
    assert nas.configure_rfc2136().code == 0
    first = nas.refresh(START)
    assert first.code == 0, first.run.stdout
    assert_presented_certificate_matches(nas)
    return first


def test_first_publication_puts_every_record_in_the_zone_and_confirms_it(nas):
    configured = nas.configure_rfc2136()
    assert "Test connection: " in configured.stdout and "accepts the TSIG key" in configured.stdout

    first = nas.refresh(START)

    assert first.code == 0, first.run.stdout
    assert nas.published() == {f"3 1 1 {spki_sha256(nas.demo.mail.cert)}", f"2 1 1 {spki_sha256(nas.demo.issuer.cert)}"}
    assert nas.published(f"_mta-sts.{DOMAIN}.", "TXT") == {f'"v=STSv1; id={first.document["policy"]["id"]}"'}
    assert first.phase == "stable" and set(first.roles().values()) == {"current", "issuer"}
    assert "every authoritative server shows the change" in first.finding("refresh.publish")["message"]
    assert len(first.document["changes"]["add"]) == 3 and first.document["changes"]["remove"] == []


def test_a_second_run_and_a_renewal_with_the_same_key_change_nothing(nas):
    first_publication(nas)
    again = nas.refresh(START + HOUR)
    assert again.document["changes"] == {"add": [], "remove": []} and again.code == 0
    renew(nas.demo, key=nas.demo.mail.key)
    before = nas.published()

    renewed = nas.refresh(START + 2 * HOUR)

    assert renewed.code == 0 and renewed.document["changes"] == {"add": [], "remove": []}
    assert nas.published() == before and renewed.phase == "stable"


def test_a_new_key_is_added_kept_for_two_ttls_then_the_old_one_removed(nas):
    first_publication(nas)
    old = f"3 1 1 {spki_sha256(nas.demo.mail.cert)}"
    new = f"3 1 1 {spki_sha256(renew(nas.demo).cert)}"
    assert_presented_certificate_matches(nas)  # DSM renewed; until refresh runs the 2 1 1 record holds

    added = nas.refresh(START + HOUR)
    assert_presented_certificate_matches(nas)
    assert {old, new} <= nas.published() and added.phase == "waiting" and added.code == 0
    assert added.roles()[old.rsplit(maxsplit=1)[-1]] == "old" and added.roles()[new.rsplit(maxsplit=1)[-1]] == "current"
    assert added.document["changes"] == {"add": [f"{OWNER} 3600 IN TLSA {new}"], "remove": []}

    early = nas.refresh(START + HOUR + HOLD - 60)
    assert_presented_certificate_matches(nas)
    assert old in nas.published() and early.phase == "waiting" and early.document["changes"]["remove"] == []

    retired = nas.refresh(START + HOUR + HOLD)
    assert_presented_certificate_matches(nas)
    assert old not in nas.published() and new in nas.published()
    assert retired.phase == "stable" and retired.code == 0
    assert retired.document["changes"]["remove"] == [f"{OWNER} 3600 IN TLSA {old}"]
