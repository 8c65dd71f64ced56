"""`spf.record`, `spf.lookups` and `spf.mail-hosts` against real zones (RFC 7208).

The MX addresses have nothing listening; SPF only needs them as addresses to evaluate.
"""

from typing import List

import pytest

from mailsec.findings import Status
from tests.integration.audit.lab import AuditLab, expect, findings, mail_zone, the
from tests.support.servers import Zone

pytestmark = pytest.mark.servers

NO_DMARC = None


def _a_terms(origin: str, prefix: str, count: int) -> List[str]:
    return [f"a:{prefix}{number}.{origin}" for number in range(count)]


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    mx = lab.idle_address()

    def domain(origin: str, spf, dmarc="v=DMARC1; p=reject") -> Zone:
        return mail_zone(origin, lab.nameserver, mx, spf=spf, dmarc=dmarc)

    lab.serve(domain("good.nl", "v=spf1 mx ~all"))
    lab.serve(domain("absent.nl", None))
    lab.serve(domain("double.nl", "v=spf1 mx ~all").txt("@", "v=spf1 a ~all"))
    lab.serve(domain("open.nl", "v=spf1 mx +all"))
    lab.serve(domain("typo.nl", "v=spf1 mx ip4:192.0.2.0/024 ~all"))
    lab.serve(domain("hard.nl", "v=spf1 mx -all"))
    lab.serve(domain("hard-alone.nl", "v=spf1 mx -all", dmarc=NO_DMARC))
    many = domain("many.nl", "v=spf1 include:_a.many.nl include:_b.many.nl ~all")
    for part in ("a", "b"):
        many.txt(f"_{part}", " ".join(["v=spf1", *_a_terms("many.nl", f"host-{part}", 5), "~all"]))
        for number in range(5):
            many.a(f"host-{part}{number}", mx)
    lab.serve(many)
    edge = domain("edge.nl", "v=spf1 mx include:_spf.edge.nl ~all")
    edge.txt("_spf", " ".join(["v=spf1", *_a_terms("edge.nl", "h", 8), "~all"]))
    for number in range(8):
        edge.a(f"h{number}", mx)
    lab.serve(edge)
    lab.serve(domain("void.nl", " ".join(["v=spf1 mx", *_a_terms("void.nl", "gone", 3), "~all"])))
    lab.serve(domain("dangling.nl", "v=spf1 mx include:nospf.dangling.nl ~all").a("nospf", mx))
    lab.serve(domain("elsewhere.nl", "v=spf1 ip4:192.0.2.1 ~all"))
    lab.serve(domain("excluded.nl", "v=spf1 ip4:192.0.2.1 -all", dmarc=NO_DMARC))
    lab.serve(domain("provider.nl", "v=spf1 include:_spf.broken-provider.nl ~all"))
    lab.serve(Zone("broken-provider.nl", lab.nameserver).txt("_spf", "v=spf1 ip4:192.0.2.0/24 ~all"),
              signed=True, expired=True)
    tokens = [f"verification-token-{number}=" + "x" * 200 for number in range(8)]
    large = domain("large.nl", "v=spf1 mx ~all")
    for token in tokens:
        large.txt("@", token)
    lab.serve(large)
    lab.start()
    return lab


def test_a_valid_record_that_permits_the_mx_passes_all_three(lab: AuditLab) -> None:
    report = lab.report("good.nl")
    assert the(report, "spf.record").status == Status.PASS
    lookups = expect(report, "spf.lookups", Status.PASS)
    assert lookups.message == "1 of 10 DNS lookups (mx 1), 0 void"
    expect(report, "spf.mail-hosts", Status.PASS, "by mx")


def test_no_record_fails_with_a_record_to_publish(lab: AuditLab) -> None:
    report = lab.report("absent.nl")
    record = expect(report, "spf.record", Status.FAIL)
    assert 'absent.nl. IN TXT "v=spf1 mx ~all"' in record.fix
    assert not findings(report, "spf.lookups")


def test_two_records_fail(lab: AuditLab) -> None:
    expect(lab.report("double.nl"), "spf.record", Status.FAIL, "2 SPF records are published")


def test_plus_all_fails(lab: AuditLab) -> None:
    expect(lab.report("open.nl"), "spf.record", Status.FAIL, "+all")


def test_a_syntax_error_fails_and_names_the_term(lab: AuditLab) -> None:
    expect(lab.report("typo.nl"), "spf.record", Status.FAIL, "leading zeros", "ip4:192.0.2.0/024")


def test_hard_fail_beside_dmarc_warns_and_offers_the_soft_record(lab: AuditLab) -> None:
    record = expect(lab.report("hard.nl"), "spf.record", Status.WARN, "ending in -all", "RFC 9989")
    assert record.fix == 'Let DMARC decide: publish hard.nl. IN TXT "v=spf1 mx ~all"'


def test_hard_fail_without_dmarc_passes(lab: AuditLab) -> None:
    assert the(lab.report("hard-alone.nl"), "spf.record").status == Status.PASS


def test_more_than_ten_lookups_through_includes_fail(lab: AuditLab) -> None:
    lookups = expect(lab.report("many.nl"), "spf.lookups", Status.FAIL)
    assert lookups.message.startswith("12 of 10 DNS lookups (include:_a.many.nl 6, include:_b.many.nl 6)")
    assert "permerror" in lookups.message


def test_nine_or_ten_lookups_warn(lab: AuditLab) -> None:
    lookups = expect(lab.report("edge.nl"), "spf.lookups", Status.WARN)
    assert lookups.message.startswith("10 of 10")


def test_more_than_two_void_lookups_fail(lab: AuditLab) -> None:
    lookups = expect(lab.report("void.nl"), "spf.lookups", Status.FAIL,
                     "3 void", "(`a:gone0.void.nl`, `a:gone1.void.nl`, `a:gone2.void.nl`)")
    assert "names that are gone" in lookups.fix


def test_an_include_of_a_domain_without_spf_breaks_the_tree(lab: AuditLab) -> None:
    report = lab.report("dangling.nl")
    expect(report, "spf.lookups", Status.FAIL, "nospf.dangling.nl", "permerror")
    assert the(report, "spf.mail-hosts").status == Status.PASS  # `mx` matches before the broken include


def test_an_mx_the_record_does_not_permit_fails(lab: AuditLab) -> None:
    hosts = expect(lab.report("excluded.nl"), "spf.mail-hosts", Status.FAIL, "SPF gives fail for the MX address")
    assert "Add `mx`" in hosts.fix


def test_an_mx_the_record_only_softfails_warns(lab: AuditLab) -> None:
    expect(lab.report("elsewhere.nl"), "spf.mail-hosts", Status.WARN, "SPF gives softfail for the MX address")


def test_an_include_that_cannot_be_read_is_an_error_not_a_verdict(lab: AuditLab) -> None:
    report = lab.report("provider.nl")
    expect(report, "spf.lookups", Status.ERROR, "_spf.broken-provider.nl")
    expect(report, "spf.mail-hosts", Status.ERROR, "SERVFAIL")


def test_a_txt_set_too_large_for_udp_is_read_over_tcp(lab: AuditLab) -> None:
    record = the(lab.report("large.nl"), "spf.record")
    assert record.status == Status.WARN  # every record arrived (TCP), and their size is worth a remark
    assert "all its TXT records add up to 1790 octets" in record.message
