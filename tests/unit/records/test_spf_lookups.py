"""The static DNS-lookup count over the include/redirect tree (RFC 7208 §4.6.4)."""

from mailsec.records.issues import Severity
from mailsec.records.spf import SpfVerdict, count_lookups
from tests.unit.records.fakedns import TIMEOUT, FakeDns


def spf(record, **more):
    return dict({"TXT": [record]}, **more)


def messages(count):
    return " | ".join(str(issue) for issue in count.issues)


def test_counts_include_a_mx_ptr_exists_redirect_but_not_ip_all_exp():
    zone = {
        "example.com": spf("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx ptr exists:%{i}.x.example.com "
                           "include:_spf.example.net exp=exp.example.com redirect=_r.example.net",
                           A=["192.0.2.1"], MX=[(10, "mx.example.com")]),
        "_spf.example.net": spf("v=spf1 a:h.example.net ip4:198.51.100.1 -all"),
        "h.example.net": {"A": ["198.51.100.2"]},
        "_r.example.net": spf("v=spf1 -all"),
    }
    count = count_lookups("example.com", FakeDns(zone))
    assert count.total == 7  # a, mx, ptr, exists, include (+1 for its a), redirect
    assert count.complete and count.void_lookups == 0
    assert [term.term for term in count.tree.terms] == [
        "a", "mx", "ptr", "exists:%{i}.x.example.com", "include:_spf.example.net", "redirect=_r.example.net"]
    include = count.tree.terms[4]
    assert include.total == 2 and include.subtree.domain == "_spf.example.net"


def test_mx_host_address_lookups_are_not_counted():
    zone = {"example.com": spf("v=spf1 mx -all", MX=[(n, f"mx{n}.example.com") for n in range(5)])}
    assert count_lookups("example.com", FakeDns(zone)).total == 1


def test_terms_after_all_and_redirect_with_all_are_not_counted():
    zone = {"example.com": spf("v=spf1 a -all include:_spf.example.net redirect=_r.example.net", A=["192.0.2.1"])}
    assert count_lookups("example.com", FakeDns(zone)).total == 1


def test_over_ten_is_an_error_naming_the_costly_include():
    zone = {"example.com": spf("v=spf1 include:big.example.net a -all", A=["192.0.2.1"]),
            "big.example.net": spf("v=spf1 " + "a:h.example.net " * 10 + "-all"),
            "h.example.net": {"A": ["198.51.100.1"]}}
    count = count_lookups("example.com", FakeDns(zone))
    assert count.total == 12
    assert "`include:big.example.net` costs 11" in messages(count)
    assert any(issue.severity is Severity.ERROR for issue in count.issues)


def test_nine_or_ten_is_a_warning():
    zone = {"example.com": spf("v=spf1 " + "a " * 9 + "-all", A=["192.0.2.1"])}
    count = count_lookups("example.com", FakeDns(zone))
    assert count.total == 9 and [issue.severity for issue in count.issues] == [Severity.WARNING]


def test_well_under_the_limit_has_no_issue():
    zone = {"example.com": spf("v=spf1 mx -all", MX=[(10, "mx.example.com")])}
    assert count_lookups("example.com", FakeDns(zone)).issues == ()


def test_include_of_domain_without_spf_is_an_error():
    zone = {"example.com": spf("v=spf1 include:nospf.example.net -all"), "nospf.example.net": {"TXT": ["hi"]}}
    count = count_lookups("example.com", FakeDns(zone))
    assert count.tree.terms[0].subtree.verdict is SpfVerdict.NONE
    assert "permerror" in messages(count)


def test_loop_is_detected_and_not_followed_forever():
    zone = {"example.com": spf("v=spf1 include:example.net -all"), "example.net": spf("v=spf1 include:example.com")}
    count = count_lookups("example.com", FakeDns(zone))
    assert "loop" in messages(count)
    assert count.total == 2


def test_static_void_lookups_over_two_are_an_error():
    zone = {"example.com": spf("v=spf1 a:gone1.example.com a:gone2.example.com mx:gone3.example.com -all")}
    count = count_lookups("example.com", FakeDns(zone))
    assert count.void_lookups == 3 and "do not exist" in messages(count)


def test_a_name_with_only_aaaa_is_not_void():
    zone = {"example.com": spf("v=spf1 a:v6.example.com -all"), "v6.example.com": {"AAAA": ["2001:db8::1"]}}
    assert count_lookups("example.com", FakeDns(zone)).void_lookups == 0


def test_mx_with_more_than_ten_names_is_an_error():
    zone = {"example.com": spf("v=spf1 mx -all", MX=[(n, f"mx{n}.example.com") for n in range(11)])}
    assert "11 MX names" in messages(count_lookups("example.com", FakeDns(zone)))


def test_dns_failure_makes_the_count_incomplete_with_the_reason():
    zone = {"example.com": spf("v=spf1 include:slow.example.net -all"), "slow.example.net": TIMEOUT}
    count = count_lookups("example.com", FakeDns(zone))
    assert not count.complete and "timeout" in messages(count)
    assert count.tree.terms[0].subtree.verdict is SpfVerdict.TEMPERROR


def test_sender_dependent_include_is_counted_but_not_followed():
    zone = {"example.com": spf("v=spf1 include:%{l}.users.example.com include:%{d}.example.net -all"),
            "example.com.example.net": spf("v=spf1 -all")}
    count = count_lookups("example.com", FakeDns(zone))
    assert count.total == 2
    assert "depends on the sender" in count.tree.terms[0].note
    assert count.tree.terms[1].subtree.domain == "example.com.example.net"


def test_broken_record_in_the_tree_is_reported():
    zone = {"example.com": spf("v=spf1 include:bad.example.net -all"), "bad.example.net": spf("v=spf1 ip4:1.2.3")}
    count = count_lookups("example.com", FakeDns(zone))
    assert count.tree.terms[0].subtree.verdict is SpfVerdict.PERMERROR
    assert "bad.example.net" in messages(count)


def test_hostile_tree_is_cut_off():
    zone = {f"n{i}.example.com": spf(f"v=spf1 include:n{i + 1}.example.com include:n{i + 1}.example.com")
            for i in range(30)}
    count = count_lookups("n0.example.com", FakeDns(zone))
    assert not count.complete
