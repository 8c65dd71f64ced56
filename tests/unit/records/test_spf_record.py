"""SPF record syntax: RFC 7208 §4.5 selection, §4.6/§5/§6 terms, §7.1 domain-specs and macros."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailsec.records.issues import Severity
from mailsec.records.spf import Kind, Qualifier, parse_spf, select_spf
from mailsec.records.spf.record import PLUS_ALL


def messages(parsed):
    return " | ".join(str(issue) for issue in parsed.issues)


def test_typical_record_parses_into_typed_terms():
    parsed = parse_spf("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com/28//64 "
                       "include:_spf.example.net ~all")
    assert parsed.issues == ()
    mechanisms = parsed.record.mechanisms
    assert [m.kind for m in mechanisms] == [Kind.IP4, Kind.IP6, Kind.A, Kind.MX, Kind.INCLUDE, Kind.ALL]
    assert mechanisms[0].network == ipaddress.ip_network("192.0.2.0/24")
    assert (mechanisms[3].domain.text, mechanisms[3].prefix4, mechanisms[3].prefix6) == ("mail.example.com", 28, 64)
    assert mechanisms[-1].qualifier is Qualifier.SOFTFAIL


def test_cidr_with_leading_zeros_is_a_permerror_and_says_the_fix():
    parsed = parse_spf("v=spf1 ip4:192.0.2.0/024 -all")
    assert not parsed.valid
    assert "`ip4:192.0.2.0/024`: a CIDR length may not have leading zeros; write /24" in messages(parsed)


@pytest.mark.parametrize("term", [
    "ip4:192.0.2", "ip4:192.0.2.1/33", "ip4:192.0.02.1", "ip4:256.0.0.1", "ip4:192.0.2.1//32",
    "ip4:192.0.2.1:25", "ip6:2001:db8::/129", "ip6:2001:db8::/064", "ip6:192.0.2.1", "ip6:fe80::1%eth0",
    "a/33", "mx//129", "a/", "a:foo.com/24/64", "all:x", "all/24", "-all:foo", "include", "include:",
    "exists", "ptr/24", "ipv4:192.0.2.1", "include:example.com/24", "a:com", "a:foo-bar", "a:1.2.3.4",
    "a:example.-com", "a:foo..example.com", "a:" + "x" * 64 + ".example.com", "redirect=1.2.3.4",
    "exists:%{x}.example.com", "exists:%{d0}.example.com", "exists:%{t}.example.com", "a:%", "a:%{d",
    "exp=%{c}.example.com",
])
def test_syntax_errors_make_the_record_invalid(term):
    parsed = parse_spf(f"v=spf1 {term} -all")
    assert not parsed.valid, term
    assert parsed.errors


@pytest.mark.parametrize("record", [
    "v=spf1", "v=spf1 -all", "V=SpF1 MX -ALL", "v=spf1  a   -all  ", "v=spf1 a:foo.example.com.",
    "v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all", "v=spf1 include:%{d} -all", "v=spf1 a:%{d}",
    "v=spf1 exists:%{l1r+-}._user.%{d} -all", "v=spf1 ip4:192.0.2.1/0 -all", "v=spf1 ip6:::ffff:192.0.2.1 -all",
    "v=spf1 a:123-456.example.com -all", "v=spf1 a:example.x123 -all", "v=spf1 foo=bar:%% -all",
    "v=spf1 a:%{D}.example.com -all", "v=spf1 exists:%%%_%-.example.com -all",
])
def test_valid_records(record):
    parsed = parse_spf(record)
    assert parsed.valid, messages(parsed)


def test_version_followed_by_anything_but_space_is_not_spf():
    for text in ("v=spf10", "v=spf1mx", "v=spf1\t-all", " v=spf1 -all", "spf1 -all"):
        assert not parse_spf(text).valid


def test_control_characters_and_non_ascii_give_permerror():
    for text in ("v=spf1 a\t-all", "v=spf1 a:exämple.com -all", "v=spf1 a\x00 -all", "v=spf1 -all\r\n"):
        parsed = parse_spf(text)
        assert not parsed.valid
        assert "printable ASCII" in messages(parsed)


def test_redirect_and_exp_at_most_once():
    assert not parse_spf("v=spf1 redirect=a.example.com redirect=b.example.com").valid
    assert not parse_spf("v=spf1 exp=a.example.com exp=b.example.com -all").valid


def test_unknown_modifier_is_ignored():
    parsed = parse_spf("v=spf1 moo.cow-far_out=man:dog/cat -all")
    assert parsed.valid and [i.severity for i in parsed.issues] == [Severity.INFO]


def test_mechanism_written_as_modifier_is_ignored_with_a_warning():
    parsed = parse_spf("v=spf1 include=_spf.example.net -all")
    assert parsed.valid
    assert "`include:_spf.example.net`" in messages(parsed)


def test_ptr_is_warned():
    parsed = parse_spf("v=spf1 ptr -all")
    assert parsed.valid and "SHOULD NOT" in messages(parsed)


def test_plus_all_is_flagged_with_a_code():
    parsed = parse_spf("v=spf1 +all")
    assert parsed.has(PLUS_ALL)
    assert parse_spf("v=spf1 all").has(PLUS_ALL)


def test_question_all_is_flagged():
    assert "no protection" in messages(parse_spf("v=spf1 mx ?all"))


def test_terms_after_all_are_ignored_with_a_warning():
    parsed = parse_spf("v=spf1 -all include:_spf.example.net")
    assert [m.kind for m in parsed.record.evaluated] == [Kind.ALL]
    assert "never evaluated" in messages(parsed)


def test_syntax_error_after_all_is_still_a_permerror():
    assert not parse_spf("v=spf1 -all ip4:1.2.3").valid


def test_redirect_is_ignored_when_all_is_present():
    parsed = parse_spf("v=spf1 mx redirect=_spf.example.net -all")
    assert parsed.record.effective_redirect is None
    assert "ignored because the record contains `all`" in messages(parsed)
    assert parse_spf("v=spf1 mx redirect=_spf.example.net").record.effective_redirect is not None


def test_record_without_all_or_redirect_is_warned():
    assert "neutral" in messages(parse_spf("v=spf1 mx"))


def test_two_spf_records_are_a_permerror_even_if_identical():
    parsed = select_spf(["v=spf1 -all", "v=spf1 -all"])
    assert not parsed.valid and parsed.published == 2
    assert "permerror" in messages(parsed)


def test_spf10_does_not_count_as_a_second_record():
    parsed = select_spf(["v=spf1 -all", "v=spf10 +all", "v=spf1mx"])
    assert parsed.valid and parsed.published == 1


def test_case_insensitive_version_is_selected():
    assert select_spf(["V=SpF1 -all"]).valid


def test_no_spf_record_is_none():
    parsed = select_spf(["google-site-verification=abc"])
    assert parsed.published == 0 and not parsed.valid


def test_strings_are_joined_without_spaces():
    assert select_spf([[b"v=spf1 ip4:192.0.2.1", b" -all"]]).record.mechanisms[1].kind is Kind.ALL


def test_size_guideline_counts_all_txt_records_at_the_name():
    token = "verification=" + "x" * 300
    parsed = select_spf(["v=spf1 ip4:192.0.2.1 " + "a " * 60 + "-all", token], domain="example.com")
    assert "450" in messages(parsed)
    assert "450" not in messages(select_spf(["v=spf1 -all", "short"], domain="example.com"))


@given(st.text(max_size=300))
def test_parser_never_raises_on_arbitrary_text(text):
    parse_spf(text)
    parse_spf("v=spf1 " + text)


@given(st.lists(st.sampled_from(["a", "mx", "%{", "%", "/", "//", ":", ".", "-", "0", "9", "ip4", "ip6", "=",
                                 "include", "all", " ", "~", "{", "}", "d", "r"]), max_size=40))
def test_parser_never_raises_on_term_like_noise(pieces):
    parse_spf("v=spf1 " + "".join(pieces))


def test_a_record_with_thousands_of_errors_lists_fifty_and_counts_the_rest():
    parsed = parse_spf("v=spf1 " + "ip4:1.2.3 " * 3000)
    assert not parsed.valid
    assert len(parsed.issues) == 51
    assert str(parsed.issues[-1]).startswith("2950 more problems")
