"""`dkim.key` for the selectors given, against real zones (RFC 6376, RFC 8301, RFC 8463).

A 2048-bit key is longer than one TXT string, so the zone splits it, as DNS providers do.
"""

import pytest

from mailsec.findings import Status
from tests.integration.audit.lab import AuditLab, dkim_public_key, mail_zone, the

pytestmark = pytest.mark.servers

SELECTORS = ("strong", "short", "tiny", "revoked", "trial", "edwards", "twice", "absent")


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    zone = mail_zone("signing.nl", lab.nameserver, lab.idle_address())
    strong = dkim_public_key("rsa2048")
    keys = {
        "strong": f"v=DKIM1; k=rsa; p={strong}",
        "short": f"v=DKIM1; k=rsa; p={dkim_public_key('rsa1024')}",
        "tiny": f"v=DKIM1; k=rsa; p={dkim_public_key('rsa768')}",
        "revoked": "v=DKIM1; k=rsa; p=",
        "trial": f"v=DKIM1; k=rsa; t=y; p={strong}",
        "edwards": f"v=DKIM1; k=ed25519; p={dkim_public_key('ed25519')}",
        "twice": f"v=DKIM1; k=rsa; p={strong}",
    }
    for selector, text in keys.items():
        zone.txt(f"{selector}._domainkey", text)
    zone.txt("twice._domainkey", f"v=DKIM1; k=rsa; p={dkim_public_key('rsa2048')}")
    lab.serve(zone)
    lab.start()
    return lab


@pytest.fixture(scope="module")
def keys(lab: AuditLab):
    report = lab.audit("signing.nl", dkim_selectors=SELECTORS)
    return {selector: the(report, "dkim.key", f"{selector}._domainkey") for selector in SELECTORS}


def test_a_2048_bit_rsa_key_split_over_strings_passes(keys) -> None:
    assert keys["strong"].status == Status.PASS
    assert keys["strong"].message == "a valid rsa key of 2048 bits"


def test_an_ed25519_key_passes(keys) -> None:
    assert keys["edwards"].status == Status.PASS
    assert "ed25519 key of 256 bits" in keys["edwards"].message


def test_a_1024_bit_key_warns(keys) -> None:
    assert keys["short"].status == Status.WARN
    assert "1024 bits; 2048 bits are recommended" in keys["short"].message


def test_a_key_under_1024_bits_fails(keys) -> None:
    assert keys["tiny"].status == Status.FAIL
    assert "768 bits" in keys["tiny"].message


def test_a_revoked_key_fails(keys) -> None:
    assert keys["revoked"].status == Status.FAIL
    assert "revoked" in keys["revoked"].message
    assert 'revoked._domainkey.signing.nl. IN TXT "v=DKIM1; k=rsa; p=<public key>"' in keys["revoked"].fix


def test_a_testing_key_warns(keys) -> None:
    assert keys["trial"].status == Status.WARN
    assert "t=y" in keys["trial"].message


def test_two_keys_at_one_selector_fail(keys) -> None:
    assert keys["twice"].status == Status.FAIL
    assert "2 DKIM key records are published" in keys["twice"].message


def test_a_missing_key_fails(keys) -> None:
    assert keys["absent"].status == Status.FAIL
    assert "no DKIM key is published for this selector" in keys["absent"].message


def test_without_selectors_dkim_is_skipped_and_says_where_to_find_one(lab: AuditLab) -> None:
    skipped = the(lab.report("signing.nl"), "dkim.key")
    assert skipped.status == Status.SKIP
    assert "--dkim-selector" in skipped.fix
