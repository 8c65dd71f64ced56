"""The `_mta-sts` TXT record: RFC 8461 §3.1 grammar, selection and rendering."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailsec.records.issues import Severity
from mailsec.records.ststxt import parse_sts_txt, render_sts_txt, select_sts_txt


def messages(parsed):
    return " | ".join(str(issue) for issue in parsed.issues)


def test_minimal_record_is_valid():
    parsed = parse_sts_txt("v=STSv1; id=20240501T000000")
    assert parsed.valid and parsed.record.id == "20240501T000000"
    assert parsed.issues == ()


@pytest.mark.parametrize("bad_id", ["2024-05-01", "20240501T00:00Z", "a.b", "a_b", "x" * 33, ""])
def test_id_with_punctuation_or_over_32_characters_is_invalid(bad_id):
    parsed = parse_sts_txt(f"v=STSv1; id={bad_id}")
    assert not parsed.valid
    assert "letters and digits" in messages(parsed) or "empty" in messages(parsed)


def test_id_of_32_letters_and_digits_is_valid():
    assert parse_sts_txt("v=STSv1; id=" + "aB3" * 10 + "xy").valid


def test_missing_id_is_an_error():
    parsed = parse_sts_txt("v=STSv1; foo=bar")
    assert not parsed.valid and "`id` is missing" in messages(parsed)


def test_field_names_are_case_sensitive():
    parsed = parse_sts_txt("v=STSv1; ID=abc")
    assert not parsed.valid
    assert "case-sensitive, write `id`" in messages(parsed)


def test_version_is_case_sensitive():
    assert not parse_sts_txt("v=stsv1; id=abc").valid


def test_whitespace_before_first_semicolon_is_a_warning_erratum_6285():
    parsed = parse_sts_txt("v=STSv1 ; id=abc")
    assert parsed.valid
    assert [issue.severity for issue in parsed.issues] == [Severity.WARNING]
    assert "6285" in messages(parsed)


def test_trailing_semicolon_and_spaces_around_delimiters_are_allowed():
    assert parse_sts_txt("v=STSv1;\tid=abc ;  ").issues == ()


def test_whitespace_after_last_field_without_semicolon_is_invalid():
    assert not parse_sts_txt("v=STSv1; id=abc ").valid


def test_space_around_equals_is_invalid():
    assert not parse_sts_txt("v=STSv1; id = abc").valid


def test_empty_field_between_semicolons_is_invalid():
    assert not parse_sts_txt("v=STSv1;; id=abc").valid


def test_version_alone_is_invalid():
    assert not parse_sts_txt("v=STSv1").valid


def test_duplicate_id_first_one_counts_with_a_warning():
    parsed = parse_sts_txt("v=STSv1; id=first; id=second")
    assert parsed.record.id == "first"
    assert "first one" in messages(parsed)


def test_unknown_extension_is_ignored_with_info():
    parsed = parse_sts_txt("v=STSv1; id=abc; ext-1.x=v@lue")
    assert parsed.valid
    assert parsed.record.extensions[0].name == "ext-1.x"
    assert [issue.severity for issue in parsed.issues] == [Severity.INFO]


def test_extension_value_with_equals_sign_is_invalid():
    assert not parse_sts_txt("v=STSv1; id=abc; ext=a=b").valid


def test_strings_are_joined_without_spaces():
    assert parse_sts_txt([b"v=STSv1; id=", b"abc"]).record.id == "abc"


def test_non_ascii_and_control_characters_make_the_record_invalid():
    for text in ("v=STSv1; id=abcé", "v=STSv1; id=abc\x00", "v=STSv1;\r\nid=abc"):
        assert not parse_sts_txt(text).valid


def test_selection_with_exactly_one_record():
    parsed = select_sts_txt(["google-site-verification=x", "v=STSv1; id=abc"])
    assert parsed.valid and parsed.published == 1


def test_two_sts_records_mean_no_policy_even_if_identical():
    parsed = select_sts_txt(["v=STSv1; id=abc", "v=STSv1; id=abc"])
    assert not parsed.valid and parsed.published == 2
    assert "2 such records" in messages(parsed)


def test_no_record_means_no_policy():
    parsed = select_sts_txt(["v=spf1 -all"])
    assert not parsed.valid and parsed.published == 0


def test_near_miss_record_is_named_as_discarded():
    parsed = select_sts_txt(["V=STSv1; id=abc"])
    assert not parsed.valid and parsed.published == 0
    assert "discard" in messages(parsed)


def test_record_without_semicolon_after_version_is_not_selected():
    assert select_sts_txt(["v=STSv1 id=abc"]).published == 0


def test_render_gives_canonical_text_and_rejects_bad_ids():
    assert render_sts_txt("abc123") == "v=STSv1; id=abc123"
    assert parse_sts_txt(render_sts_txt("abc123")).issues == ()
    with pytest.raises(ValueError):
        render_sts_txt("2024-05-01")


def test_messages_escape_control_characters():
    parsed = parse_sts_txt("v=STSv1; id=a\x1b[31mb")
    assert "\x1b" not in messages(parsed)


@given(st.text(max_size=200))
def test_parser_never_raises_on_arbitrary_text(text):
    parsed = parse_sts_txt(text)
    assert parsed.valid == (parsed.record is not None)


@given(st.lists(st.binary(max_size=300), max_size=4))
def test_selection_never_raises_on_arbitrary_bytes(strings):
    select_sts_txt([strings, b"v=STSv1; id=x"])
