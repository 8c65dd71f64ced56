"""`dkim.key` for the selectors given, against real zones (RFC 6376, RFC 8301, RFC 8463).

A 2048-bit key is longer than one TXT string, so the zone splits it, as DNS providers do.
"""

import base64
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from mailsec.findings import Status
from tests.integration.audit.lab import AuditLab, mail_zone, the
from tests.support.pki import make_key

pytestmark = pytest.mark.servers

SELECTORS = ("strong", "short", "tiny", "revoked", "trial", "edwards", "twice", "absent")


def _p(kind: str) -> str:
    """The `p=` value of a new key: SPKI for RSA (as `openssl pkey -pubout` writes it), raw for Ed25519."""
    if kind == "rsa768":  # below what the cryptography package will generate; openssl still makes one
        key = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:768"],
                             capture_output=True, check=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubout", "-outform", "DER"], input=key,
                             capture_output=True, check=True).stdout
        return base64.b64encode(der).decode()
    public = make_key(kind).public_key()
    if kind == "ed25519":
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()
    spki = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(spki).decode()


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    zone = mail_zone("signing.nl", lab.nameserver, lab.idle_address())
    strong = _p("rsa2048")
    keys = {
        "strong": f"v=DKIM1; k=rsa; p={strong}",
        "short": f"v=DKIM1; k=rsa; p={_p('rsa1024')}",
        "tiny": f"v=DKIM1; k=rsa; p={_p('rsa768')}",
        "revoked": "v=DKIM1; k=rsa; p=",
        "trial": f"v=DKIM1; k=rsa; t=y; p={strong}",
        "edwards": f"v=DKIM1; k=ed25519; p={_p('ed25519')}",
        "twice": f"v=DKIM1; k=rsa; p={strong}",
    }
    for selector, text in keys.items():
        zone.txt(f"{selector}._domainkey", text)
    zone.txt("twice._domainkey", f"v=DKIM1; k=rsa; p={_p('rsa2048')}")
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
