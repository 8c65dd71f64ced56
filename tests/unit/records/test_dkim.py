"""DKIM key records: RFC 6376 §3.2/§3.6.1 tag rules, RFC 8301 key sizes, RFC 8463 Ed25519 keys."""

import base64
from functools import lru_cache

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from mailsec.records.dkim import REVOKED, KeyFormat, KeyType, parse_dkim_key, select_dkim_key
from mailsec.records.issues import Severity

RFC8463_KEY = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="


@lru_cache(maxsize=None)
def rsa_key(bits):
    """A public RSA key of exactly `bits` bits; any odd modulus will do for parsing, and it is fast."""
    filler = int.from_bytes(bytes(i % 251 for i in range(bits // 8)), "big") % (1 << (bits - 1))
    modulus = (1 << (bits - 1)) | filler | 1
    return rsa.RSAPublicNumbers(65537, modulus).public_key()


def b64(data):
    return base64.b64encode(data).decode("ascii")


def spki(key):
    return b64(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def pkcs1(key):
    return b64(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1))


def messages(parsed):
    return " | ".join(str(issue) for issue in parsed.issues)


def severities(parsed):
    return [issue.severity for issue in parsed.issues]


def test_rsa_2048_spki_key_is_valid_without_remarks():
    parsed = parse_dkim_key(f"v=DKIM1; k=rsa; p={spki(rsa_key(2048))}")
    assert parsed.issues == ()
    key = parsed.record
    assert (key.key_type, key.key_format, key.key_bits) == (KeyType.RSA, KeyFormat.SPKI, 2048)


def test_key_type_defaults_to_rsa_and_version_is_optional():
    assert parse_dkim_key(f"p={spki(rsa_key(2048))}").record.key_type is KeyType.RSA


def test_pkcs1_rsa_key_is_accepted_with_the_spki_form_offered():
    key = rsa_key(2048)
    parsed = parse_dkim_key(f"v=DKIM1; p={pkcs1(key)}")
    assert parsed.record.key_format is KeyFormat.PKCS1
    assert severities(parsed) == [Severity.INFO]
    assert spki(key) in messages(parsed)


def test_rsa_key_under_1024_bits_is_an_error():
    parsed = parse_dkim_key(f"p={spki(rsa_key(768))}")
    assert not parsed.valid and "768 bits" in messages(parsed)


def test_rsa_key_of_1024_bits_is_a_warning():
    parsed = parse_dkim_key(f"p={spki(rsa_key(1024))}")
    assert parsed.valid and severities(parsed) == [Severity.WARNING]
    assert "2048" in messages(parsed)


def test_rsa_key_over_4096_bits_is_a_warning():
    assert severities(parse_dkim_key(f"p={spki(rsa_key(8192))}")) == [Severity.WARNING]


def test_rfc8463_ed25519_example_key_is_valid():
    parsed = parse_dkim_key(f"v=DKIM1; k=ed25519; p={RFC8463_KEY}")
    assert parsed.issues == ()
    assert (parsed.record.key_type, parsed.record.key_format) == (KeyType.ED25519, KeyFormat.RAW)


def test_ed25519_key_given_as_spki_is_named_with_the_raw_form():
    private = ed25519.Ed25519PrivateKey.generate().public_key()
    raw = b64(private.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    parsed = parse_dkim_key(f"k=ed25519; p={spki(private)}")
    assert not parsed.valid
    assert "SubjectPublicKeyInfo" in messages(parsed) and f"p={raw}" in messages(parsed)


def test_ed25519_key_without_k_tag_says_to_add_it():
    parsed = parse_dkim_key(f"p={RFC8463_KEY}")
    assert not parsed.valid and "k=ed25519" in messages(parsed)


def test_rsa_key_under_k_ed25519_is_an_error():
    assert not parse_dkim_key(f"k=ed25519; p={spki(rsa_key(2048))}").valid


def test_ecdsa_key_is_not_usable():
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert not parse_dkim_key(f"p={spki(key)}").valid


def test_empty_p_means_revoked():
    parsed = parse_dkim_key("v=DKIM1; p=")
    assert not parsed.valid and parsed.has(REVOKED)
    assert "revoked" in messages(parsed)


def test_missing_p_is_not_revoked_but_invalid():
    parsed = parse_dkim_key("v=DKIM1; k=rsa")
    assert not parsed.valid and not parsed.has(REVOKED)


def test_whitespace_and_folding_inside_p_are_stripped():
    text = spki(rsa_key(2048))
    parsed = parse_dkim_key(f"v=DKIM1; p={text[:100]} \t{text[100:200]}\r\n {text[200:]}")
    assert parsed.valid and parsed.issues == ()


def test_line_break_without_following_whitespace_is_invalid():
    text = spki(rsa_key(2048))
    assert not parse_dkim_key(f"v=DKIM1; p={text[:100]}\r\n{text[100:]}").valid


def test_invalid_base64_is_an_error():
    assert not parse_dkim_key("p=abc").valid
    assert not parse_dkim_key("p=ab!c").valid


def test_h_sha1_only_is_unusable():
    parsed = parse_dkim_key(f"h=sha1; p={spki(rsa_key(2048))}")
    assert not parsed.valid and "RFC 8301" in messages(parsed)


def test_h_with_sha256_is_fine():
    parsed = parse_dkim_key(f"h=sha1:sha256; p={spki(rsa_key(2048))}")
    assert parsed.valid and parsed.record.hash_algorithms == ("sha1", "sha256")


def test_testing_flag_is_a_warning():
    parsed = parse_dkim_key(f"t=y; p={spki(rsa_key(2048))}")
    assert parsed.record.testing and severities(parsed) == [Severity.WARNING]


def test_service_type_without_email_is_a_warning():
    parsed = parse_dkim_key(f"s=tlsrpt; p={spki(rsa_key(2048))}")
    assert parsed.record.service_types == ("tlsrpt",)
    assert "excludes email" in messages(parsed)


def test_service_types_including_email_are_fine():
    assert parse_dkim_key(f"s=email:tlsrpt; p={spki(rsa_key(2048))}").issues == ()


def test_duplicate_tag_makes_the_record_invalid():
    key = spki(rsa_key(2048))
    parsed = parse_dkim_key(f"p={key}; p={key}")
    assert not parsed.valid and "more than once" in messages(parsed)


def test_tag_names_are_case_sensitive():
    parsed = parse_dkim_key(f"v=DKIM1; P={spki(rsa_key(2048))}")
    assert not parsed.valid
    assert "case-sensitive" in messages(parsed) and "`p=` (the public key) is missing" in messages(parsed)


def test_version_must_come_first():
    parsed = parse_dkim_key(f"k=rsa; v=DKIM1; p={spki(rsa_key(2048))}")
    assert not parsed.valid and "first tag" in messages(parsed)


def test_other_version_is_discarded():
    assert not parse_dkim_key(f"v=DKIM2; p={spki(rsa_key(2048))}").valid
    assert not parse_dkim_key(f"v=dkim1; p={spki(rsa_key(2048))}").valid


def test_unknown_key_type_is_an_error():
    assert not parse_dkim_key(f"k=dsa; p={spki(rsa_key(2048))}").valid


def test_unknown_tags_are_ignored_with_a_warning():
    parsed = parse_dkim_key(f"p={spki(rsa_key(2048))}; x=1")
    assert parsed.valid and severities(parsed) == [Severity.WARNING]


def test_spaces_around_equals_and_trailing_semicolon_are_allowed():
    assert parse_dkim_key(f" v = DKIM1 ; p = {spki(rsa_key(2048))} ;").issues == ()


def test_2048_bit_key_as_one_string_over_255_octets_is_an_error():
    record = f"v=DKIM1; k=rsa; p={spki(rsa_key(2048))}"
    parsed = parse_dkim_key([record.encode()])
    assert not parsed.valid and "255" in messages(parsed)
    assert parse_dkim_key([record[:250].encode(), record[250:].encode()]).issues == ()


def test_several_records_at_one_selector_are_an_error():
    key = f"p={spki(rsa_key(2048))}"
    parsed = select_dkim_key([key, key])
    assert not parsed.valid and parsed.published == 2


def test_no_record_at_selector_is_an_error():
    assert select_dkim_key([]).published == 0


def test_single_record_is_selected():
    assert select_dkim_key([[b"v=DKIM1; k=ed25519; p=", RFC8463_KEY.encode()]]).valid


@pytest.mark.parametrize("text", ["", ";", "v=DKIM1", "=", "p", "v=spf1 -all", "p=\x00", "p=é"])
def test_junk_records_are_invalid_without_crashing(text):
    assert not parse_dkim_key(text).valid


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_parser_never_raises_on_arbitrary_text(text):
    parse_dkim_key(text)
    parse_dkim_key("v=DKIM1; p=" + text)
