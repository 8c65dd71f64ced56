"""The RFC 9989 DNS tree walk (policy discovery, Organizational Domain) and RFC 9990 report authorisation."""

import pytest

from mailsec.records.dmarc import (
    Authorization,
    check_report_destinations,
    discover_policy,
    organizational_domain,
    parse_dmarc,
)
from mailsec.records.dmarc.treewalk import walk_targets
from tests.unit.records.fakedns import TIMEOUT, FakeDns

RECORD = {"TXT": ["v=DMARC1; p=reject; rua=mailto:d@example.com"]}


def dmarc(text):
    return {"TXT": [text]}


def test_walk_of_a_short_name_removes_one_label_at_a_time():
    assert walk_targets("a.mail.example.com") == ["a.mail.example.com", "mail.example.com", "example.com", "com"]


def test_walk_of_a_long_name_jumps_to_seven_labels_and_makes_at_most_eight_queries():
    targets = walk_targets("a.b.c.d.e.f.g.h.i.j.mail.example.com")
    assert targets == ["a.b.c.d.e.f.g.h.i.j.mail.example.com", "g.h.i.j.mail.example.com", "h.i.j.mail.example.com",
                       "i.j.mail.example.com", "j.mail.example.com", "mail.example.com", "example.com", "com"]


def test_policy_found_at_the_author_domain_applies_p():
    discovery = discover_policy("example.com", FakeDns({"_dmarc.example.com": RECORD}))
    assert discovery.own_record and discovery.policy_domain == "example.com"


def test_subdomain_without_record_inherits_the_organizational_domains_record():
    dns = FakeDns({"_dmarc.example.com": RECORD})
    discovery = discover_policy("a.mail.example.com", dns)
    assert (discovery.own_record, discovery.policy_domain) == (False, "example.com")
    assert discovery.walk.queried == ("mail.example.com", "example.com", "com")


def test_intermediate_record_is_not_the_policy_when_a_higher_one_exists():
    dns = FakeDns({"_dmarc.mail.example.com": dmarc("v=DMARC1; p=none; rua=mailto:a@example.com"),
                   "_dmarc.example.com": RECORD})
    assert discover_policy("a.mail.example.com", dns).policy_domain == "example.com"


def test_psd_y_record_governs_when_the_organization_publishes_none():
    dns = FakeDns({"_dmarc.example": dmarc("v=DMARC1; p=reject; psd=y")})
    discovery = discover_policy("shop.example", dns)
    assert discovery.policy_domain == "example" and discovery.record.psd == "y"


def test_no_record_anywhere_means_no_policy():
    discovery = discover_policy("example.com", FakeDns({}))
    assert discovery.record is None and not discovery.error


def test_dns_failure_is_an_error_not_no_policy():
    discovery = discover_policy("example.com", FakeDns({"_dmarc.example.com": TIMEOUT}))
    assert discovery.record is None and "timeout" in discovery.error
    walk_failure = discover_policy("a.example.com", FakeDns({"_dmarc.example.com": TIMEOUT}))
    assert "timeout" in walk_failure.error


def test_two_records_at_a_name_are_discarded_during_the_walk():
    dns = FakeDns({"_dmarc.example.com": {"TXT": ["v=DMARC1; p=reject", "v=DMARC1; p=none"]}})
    assert discover_policy("example.com", dns).record is None


def test_organizational_domain_is_the_highest_record():
    dns = FakeDns({"_dmarc.mail.example.com": RECORD, "_dmarc.example.com": RECORD})
    assert organizational_domain("a.mail.example.com", dns).domain == "example.com"


def test_organizational_domain_stops_at_psd_n():
    dns = FakeDns({"_dmarc.mail.example.com": dmarc("v=DMARC1; p=reject; psd=n"), "_dmarc.example.com": RECORD})
    org = organizational_domain("a.mail.example.com", dns)
    assert org.domain == "mail.example.com" and "example.com" not in org.walk.queried


def test_organizational_domain_is_one_label_below_a_psd():
    dns = FakeDns({"_dmarc.com": dmarc("v=DMARC1; p=none; psd=y")})
    assert organizational_domain("a.mail.example.com", dns).domain == "example.com"


def test_organizational_domain_without_any_record_is_the_domain_itself():
    assert organizational_domain("reports.vendor.net", FakeDns({})).domain == "reports.vendor.net"


def test_organizational_domain_is_undetermined_on_dns_failure():
    org = organizational_domain("a.example.com", FakeDns({"_dmarc.example.com": TIMEOUT}))
    assert org.domain == "" and org.error


def destinations(record_text, zone):
    record = parse_dmarc(record_text).record
    return check_report_destinations("example.com", record, FakeDns(dict({"_dmarc.example.com": RECORD}, **zone)))


def test_subdomain_of_own_organization_needs_no_authorization():
    [check] = destinations("v=DMARC1; p=none; rua=mailto:d@reports.example.com", {})
    assert check.status is Authorization.SAME_ORGANIZATION


@pytest.mark.parametrize("published_at", ["example.com", "*"])
def test_external_destination_with_authorization_record_or_wildcard_is_authorized(published_at):
    [check] = destinations("v=DMARC1; p=none; rua=mailto:d@dmarc.vendor.net",
                           {f"{published_at}._report._dmarc.dmarc.vendor.net": dmarc("v=DMARC1")})
    assert check.status is Authorization.AUTHORIZED
    assert check.query == "example.com._report._dmarc.dmarc.vendor.net"


def test_external_destination_without_record_is_not_authorized_with_the_fix():
    [check] = destinations("v=DMARC1; p=none; rua=mailto:d@dmarc.vendor.net", {})
    assert check.status is Authorization.NOT_AUTHORIZED
    assert check.fix == 'example.com._report._dmarc.dmarc.vendor.net. IN TXT "v=DMARC1"'


def test_authorization_record_must_start_with_v_dmarc1():
    [check] = destinations("v=DMARC1; p=none; rua=mailto:d@dmarc.vendor.net",
                           {"example.com._report._dmarc.dmarc.vendor.net": dmarc("hello")})
    assert check.status is Authorization.NOT_AUTHORIZED


def test_one_authorizing_record_among_several_is_enough():
    [check] = destinations("v=DMARC1; p=none; rua=mailto:d@dmarc.vendor.net",
                           {"example.com._report._dmarc.dmarc.vendor.net": {"TXT": ["junk", "v=DMARC1"]}})
    assert check.status is Authorization.AUTHORIZED


def test_dns_failure_leaves_authorization_unknown():
    [check] = destinations("v=DMARC1; p=none; rua=mailto:d@dmarc.vendor.net",
                           {"example.com._report._dmarc.dmarc.vendor.net": TIMEOUT})
    assert check.status is Authorization.UNKNOWN and "timeout" in check.reason


def test_over_long_authorization_name_is_unknown():
    host = ".".join(["x" * 60] * 4)
    [check] = destinations(f"v=DMARC1; p=none; rua=mailto:d@{host}", {})
    assert check.status is Authorization.UNKNOWN and "too long" in check.reason


def test_ruf_destinations_are_checked_too():
    checks = destinations("v=DMARC1; p=none; rua=mailto:a@example.com; ruf=mailto:f@forensics.example.org", {})
    assert [(check.tag, check.status) for check in checks] == [
        ("rua", Authorization.SAME_ORGANIZATION), ("ruf", Authorization.NOT_AUTHORIZED)]
