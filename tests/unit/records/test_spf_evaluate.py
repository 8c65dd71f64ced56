"""check_host() per RFC 7208 §4-§6, on cases modelled on the RFC 7208 test suite (written anew here)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailsec.records.spf import SpfVerdict, check_host, count_lookups
from tests.unit.records.fakedns import TIMEOUT, FakeDns

PASS, FAIL, SOFTFAIL, NEUTRAL = SpfVerdict.PASS, SpfVerdict.FAIL, SpfVerdict.SOFTFAIL, SpfVerdict.NEUTRAL
NONE, PERMERROR, TEMPERROR = SpfVerdict.NONE, SpfVerdict.PERMERROR, SpfVerdict.TEMPERROR


def spf(record, **more):
    return dict({"TXT": [record]}, **more)


def check(zone, ip="192.0.2.1", domain="example.com", sender="user@example.com", **kwargs):
    return check_host(ip, domain, sender, FakeDns(zone), **kwargs)


def test_ip4_match_passes_and_names_the_mechanism():
    result = check({"example.com": spf("v=spf1 ip4:192.0.2.0/24 -all")})
    assert (result.verdict, result.mechanism, result.domain) == (PASS, "ip4:192.0.2.0/24", "example.com")


@pytest.mark.parametrize(("qualifier", "verdict"), [("-", FAIL), ("~", SOFTFAIL), ("?", NEUTRAL), ("+", PASS)])
def test_qualifier_of_the_matching_term_decides(qualifier, verdict):
    assert check({"example.com": spf(f"v=spf1 {qualifier}all")}).verdict is verdict


def test_no_match_and_no_all_is_neutral():
    assert check({"example.com": spf("v=spf1 ip4:198.51.100.1")}).verdict is NEUTRAL


def test_no_record_is_none():
    assert check({"example.com": {"TXT": ["hello"]}}).verdict is NONE


def test_nxdomain_is_none():
    assert check({}).verdict is NONE


def test_malformed_domain_is_none():
    assert check({}, domain="com").verdict is NONE
    assert check({}, domain="foo..example.com").verdict is NONE


def test_txt_timeout_is_temperror_never_none():
    result = check({"example.com": TIMEOUT})
    assert result.verdict is TEMPERROR and "timeout" in result.reason


def test_two_records_are_permerror():
    assert check({"example.com": {"TXT": ["v=spf1 +all", "v=spf1 -all"]}}).verdict is PERMERROR


def test_syntax_error_is_permerror_even_after_a_match():
    assert check({"example.com": spf("v=spf1 +all ip4:1.2.3")}).verdict is PERMERROR


def test_ipv4_mapped_ipv6_client_is_checked_as_ipv4():
    assert check({"example.com": spf("v=spf1 ip4:192.0.2.1 -all")}, ip="::ffff:192.0.2.1").verdict is PASS


def test_ip4_does_not_match_ipv6_client():
    assert check({"example.com": spf("v=spf1 ip4:0.0.0.0/0 -all")}, ip="2001:db8::1").verdict is FAIL


def test_a_uses_aaaa_and_the_ipv6_prefix_for_ipv6_clients():
    zone = {"example.com": spf("v=spf1 a//64 -all", AAAA=["2001:db8::99"], A=["192.0.2.99"])}
    assert check(zone, ip="2001:db8::1").verdict is PASS
    assert check(zone, ip="192.0.2.1").verdict is FAIL


def test_a_with_ipv4_prefix():
    zone = {"example.com": spf("v=spf1 a:mail.example.com/24 -all"), "mail.example.com": {"A": ["192.0.2.200"]}}
    assert check(zone).verdict is PASS


def test_mx_matches_the_addresses_of_the_mx_hosts():
    zone = {"example.com": spf("v=spf1 mx -all", MX=[(10, "mx1.example.com"), (20, "mx2.example.com")]),
            "mx1.example.com": {"A": ["198.51.100.1"]}, "mx2.example.com": {"A": ["192.0.2.1"]}}
    result = check(zone)
    assert (result.verdict, result.mechanism, result.lookups) == (PASS, "mx", 1)


def test_mx_does_not_fall_back_to_the_domains_a_record():
    zone = {"example.com": spf("v=spf1 mx -all", A=["192.0.2.1"])}
    assert check(zone).verdict is FAIL


def test_null_mx_matches_nothing():
    zone = {"example.com": spf("v=spf1 mx -all", MX=[(0, "")]), "": {"A": ["192.0.2.1"]}}
    assert check(zone).verdict is FAIL


def test_mx_with_more_than_10_names_is_permerror():
    hosts = {f"mx{n}.example.com": {"A": ["198.51.100.1"]} for n in range(11)}
    zone = dict(hosts, **{"example.com": spf("v=spf1 mx -all", MX=[(n, f"mx{n}.example.com") for n in range(11)])})
    assert check(zone).verdict is PERMERROR


def test_mx_host_address_lookups_do_not_count_toward_the_10():
    hosts = {f"mx{n}.example.com": {"A": ["198.51.100.1"]} for n in range(10)}
    zone = dict(hosts, **{
        "example.com": spf("v=spf1 " + "a:mx0.example.com " * 9 + "mx -all",
                           MX=[(n, f"mx{n}.example.com") for n in range(10)]),
        "mx9.example.com": {"A": ["192.0.2.1"]}})
    result = check(zone)
    assert (result.verdict, result.lookups) == (PASS, 10)


def test_tenth_dns_term_is_allowed_and_eleventh_is_permerror():
    zone = {"example.com": spf("v=spf1 " + "a:h.example.com " * 9 + "a:ok.example.com -all"),
            "h.example.com": {"A": ["198.51.100.1"]}, "ok.example.com": {"A": ["192.0.2.1"]}}
    assert check(zone).verdict is PASS
    zone["example.com"] = spf("v=spf1 " + "a:h.example.com " * 10 + "a:ok.example.com -all")
    result = check(zone)
    assert result.verdict is PERMERROR and "number 11" in result.reason


def test_limit_is_applied_lazily_so_an_early_match_still_passes():
    zone = {"example.com": spf("v=spf1 ip4:192.0.2.1 " + "a:h.example.com " * 12 + "-all"),
            "h.example.com": {"A": ["198.51.100.1"]}}
    assert check(zone).verdict is PASS


def test_include_counts_toward_the_limit_with_its_own_terms():
    zone = {"example.com": spf("v=spf1 include:a.example.net -all"),
            "a.example.net": spf("v=spf1 " + "a:h.example.com " * 9 + "ip4:192.0.2.1 -all"),
            "h.example.com": {"A": ["198.51.100.1"]}}
    assert check(zone).verdict is PASS
    zone["a.example.net"] = spf("v=spf1 " + "a:h.example.com " * 10 + "ip4:192.0.2.1 -all")
    assert check(zone).verdict is PERMERROR


def test_include_pass_matches_and_include_fail_does_not():
    zone = {"example.com": spf("v=spf1 include:a.example.net include:b.example.net -all"),
            "a.example.net": spf("v=spf1 -all"), "b.example.net": spf("v=spf1 ip4:192.0.2.1 -all")}
    result = check(zone)
    assert (result.verdict, result.mechanism, result.domain) == (PASS, "include:b.example.net", "example.com")


def test_include_of_domain_without_spf_is_permerror_not_none():
    zone = {"example.com": spf("v=spf1 include:nospf.example.net -all"), "nospf.example.net": {"A": ["192.0.2.9"]}}
    result = check(zone)
    assert result.verdict is PERMERROR and "without SPF" in result.reason


def test_include_of_nxdomain_is_permerror():
    assert check({"example.com": spf("v=spf1 include:gone.example.net -all")}).verdict is PERMERROR


def test_include_temperror_propagates():
    zone = {"example.com": spf("v=spf1 include:slow.example.net -all"), "slow.example.net": TIMEOUT}
    assert check(zone).verdict is TEMPERROR


def test_include_permerror_propagates():
    zone = {"example.com": spf("v=spf1 include:bad.example.net -all"), "bad.example.net": spf("v=spf1 ip4:1.2.3")}
    assert check(zone).verdict is PERMERROR


def test_include_loop_ends_in_permerror():
    zone = {"example.com": spf("v=spf1 include:example.net -all"), "example.net": spf("v=spf1 include:example.com")}
    assert check(zone).verdict is PERMERROR


def test_redirect_is_followed_when_there_is_no_all():
    zone = {"example.com": spf("v=spf1 ip4:198.51.100.1 redirect=_spf.example.net"),
            "_spf.example.net": spf("v=spf1 ip4:192.0.2.1 -all")}
    result = check(zone)
    assert (result.verdict, result.domain, result.lookups) == (PASS, "_spf.example.net", 1)


def test_redirect_is_ignored_when_all_is_present():
    zone = {"example.com": spf("v=spf1 redirect=_spf.example.net ?all"),
            "_spf.example.net": spf("v=spf1 ip4:192.0.2.1 -all")}
    assert check(zone).verdict is NEUTRAL


def test_redirect_to_domain_without_spf_is_permerror():
    assert check({"example.com": spf("v=spf1 redirect=gone.example.net")}).verdict is PERMERROR


def test_three_void_lookups_are_permerror_two_are_fine():
    zone = {"example.com": spf("v=spf1 a:x1.example.com a:x2.example.com ip4:192.0.2.1 -all")}
    assert check(zone).verdict is PASS
    zone = {"example.com": spf("v=spf1 a:x1.example.com a:x2.example.com a:x3.example.com ip4:192.0.2.1 -all")}
    result = check(zone)
    assert result.verdict is PERMERROR and result.void_lookups == 3


def test_a_lookup_timeout_is_temperror():
    zone = {"example.com": spf("v=spf1 a:slow.example.com -all"), "slow.example.com": TIMEOUT}
    assert check(zone).verdict is TEMPERROR


def test_exists_uses_an_a_query_even_for_ipv6_clients():
    nibbles = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
    zone = {"example.com": spf("v=spf1 exists:%{ir}.%{v}._spf.%{d} -all"),
            f"{nibbles}.ip6._spf.example.com": {"A": ["127.0.0.2"]}}
    assert check(zone, ip="2001:db8::1").verdict is PASS


def test_exists_with_reversed_ipv4_macro():
    zone = {"example.com": spf("v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all"),
            "1.2.0.192.in-addr._spf.example.com": {"A": ["127.0.0.2"]}}
    assert check(zone).verdict is PASS
    assert check(zone, ip="192.0.2.9").verdict is FAIL


def test_sender_macros_local_part_and_domain():
    zone = {"example.com": spf("v=spf1 exists:%{l}.%{o}.users.%{d} -all"),
            "jane.example.com.users.example.com": {"A": ["127.0.0.2"]}}
    assert check(zone, sender="jane@example.com").verdict is PASS
    assert check(zone, sender="john@example.com").verdict is FAIL


def test_helo_identity_uses_postmaster_and_the_h_macro():
    zone = {"mail.example.com": spf("v=spf1 exists:%{l}.%{h}.helo.example.com -all"),
            "postmaster.mail.example.com.helo.example.com": {"A": ["127.0.0.2"]}}
    result = check(zone, domain="mail.example.com", sender="mail.example.com", helo="mail.example.com")
    assert result.verdict is PASS


def test_uppercase_macro_is_url_escaped():
    zone = {"example.com": spf("v=spf1 exists:%{L}.esc.example.com -all"), "a%2Bb.esc.example.com": {"A": ["1.1.1.1"]}}
    assert check(zone, sender="a+b@example.com").verdict is PASS


def test_long_expansion_is_truncated_from_the_left():
    local = ".".join(["x" * 60] * 5)
    zone = {"example.com": spf("v=spf1 exists:%{l}.t.example.com -all"),
            ".".join(["x" * 60] * 3) + ".t.example.com": {"A": ["127.0.0.2"]}}
    assert check(zone, sender=f"{local}@example.com").verdict is PASS


def test_ptr_matches_a_validated_name_under_the_domain():
    zone = {"example.com": spf("v=spf1 ptr -all"), "192.0.2.1": {"PTR": ["Mail.Example.COM"]},
            "mail.example.com": {"A": ["192.0.2.1"]}}
    assert check(zone).verdict is PASS


def test_ptr_name_that_does_not_resolve_back_does_not_match():
    zone = {"example.com": spf("v=spf1 ptr -all"), "192.0.2.1": {"PTR": ["mail.example.com"]},
            "mail.example.com": {"A": ["198.51.100.1"]}}
    assert check(zone).verdict is FAIL


def test_ptr_lookup_failure_is_no_match_not_temperror():
    zone = {"example.com": spf("v=spf1 ptr -all"), "192.0.2.1": TIMEOUT}
    assert check(zone).verdict is FAIL


def test_p_macro_expands_to_the_validated_name():
    zone = {"example.com": spf("v=spf1 exists:%{p}.p.example.com -all"), "192.0.2.1": {"PTR": ["mx.example.com"]},
            "mx.example.com": {"A": ["192.0.2.1"]}, "mx.example.com.p.example.com": {"A": ["127.0.0.2"]}}
    assert check(zone).verdict is PASS


def test_terms_after_all_are_not_evaluated():
    zone = {"example.com": spf("v=spf1 -all ip4:192.0.2.1")}
    assert check(zone).verdict is FAIL


def test_invalid_ip_argument_raises_value_error():
    with pytest.raises(ValueError):
        check({}, ip="not-an-ip")


@settings(max_examples=150)
@given(st.text(alphabet=st.sampled_from(list("v=spf1 aimxpt:ip46ncludeexistsredirect%{}dilsrvh0123./-+~?_")),
               max_size=120),
       st.sampled_from(["192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"]))
def test_check_host_and_the_counter_never_raise_on_arbitrary_records(text, ip):
    zone = {"example.com": spf("v=spf1 " + text, A=["192.0.2.1"], MX=[(10, "example.com")]),
            "x.example.com": spf(text)}
    result = check(zone, ip=ip)
    assert isinstance(result.verdict, SpfVerdict)
    count_lookups("example.com", FakeDns(zone))
