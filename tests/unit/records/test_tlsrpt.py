"""The `_smtp._tls` TXT record: RFC 8460 §3."""

from hypothesis import given
from hypothesis import strategies as st

from mailsec.records.tlsrpt import parse_tlsrpt, select_tlsrpt


def messages(parsed):
    return " | ".join(str(issue) for issue in parsed.issues)


def test_rfc_example_with_mailto_and_https():
    parsed = parse_tlsrpt("v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://r.example.net/v1/tlsrpt")
    assert parsed.issues == ()
    assert [(uri.scheme, uri.host) for uri in parsed.record.rua] == [
        ("mailto", "example.com"), ("https", "r.example.net")]


def test_whitespace_around_commas_is_allowed():
    assert parse_tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com , mailto:b@example.org").issues == ()


def test_rua_is_required():
    parsed = parse_tlsrpt("v=TLSRPTv1; ruf=mailto:a@example.com")
    assert not parsed.valid and "`rua` is missing" in messages(parsed)


def test_unencoded_exclamation_mark_is_invalid_and_no_size_suffix_exists():
    parsed = parse_tlsrpt("v=TLSRPTv1; rua=mailto:tlsrpt@example.com!10m")
    assert not parsed.valid and "%21" in messages(parsed)


def test_percent_encoded_characters_are_accepted():
    assert parse_tlsrpt("v=TLSRPTv1; rua=https://r.example.net/a%2Cb%21c%3B").valid


def test_broken_percent_encoding_is_invalid():
    assert not parse_tlsrpt("v=TLSRPTv1; rua=https://r.example.net/a%zz").valid


def test_other_schemes_are_invalid():
    assert not parse_tlsrpt("v=TLSRPTv1; rua=http://r.example.net/").valid
    assert not parse_tlsrpt("v=TLSRPTv1; rua=ftp://r.example.net/").valid


def test_mailto_without_address_is_invalid():
    assert not parse_tlsrpt("v=TLSRPTv1; rua=mailto:example.com").valid


def test_empty_list_entry_is_invalid():
    assert not parse_tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com,,mailto:b@example.com").valid


def test_unknown_fields_are_ignored():
    parsed = parse_tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com; future=1")
    assert parsed.valid and parsed.record.extensions[0].name == "future"


def test_version_must_be_first_and_exact():
    assert not parse_tlsrpt("rua=mailto:a@example.com; v=TLSRPTv1").valid
    assert not parse_tlsrpt("v=tlsrptv1; rua=mailto:a@example.com").valid


def test_two_records_mean_no_reporting():
    parsed = select_tlsrpt(["v=TLSRPTv1; rua=mailto:a@example.com", "v=TLSRPTv1; rua=mailto:b@example.com"])
    assert not parsed.valid and parsed.published == 2


def test_selection_ignores_other_txt_records():
    assert select_tlsrpt(["hello", "v=TLSRPTv1; rua=mailto:a@example.com"]).valid


@given(st.text(max_size=200))
def test_parser_never_raises_on_arbitrary_text(text):
    parse_tlsrpt("v=TLSRPTv1; rua=" + text)
    parse_tlsrpt(text)
