"""The summary the CLI and the app show: stored reports, the NAS's certificate, and the JSON document."""

from datetime import datetime, timezone
from pathlib import Path

import pytest

from mailsec.reports.deployment import normalized_rdata
from mailsec.reports.ingest import import_file
from mailsec.reports.lookups import look_up_deployment
from mailsec.reports.summary import load_summary, summary_json
from mailsec.settings import Settings, load_settings
from mailsec.tlsa import MatchingType, Selector, association_data
from tests.reports.corpus import DAY, MAY_1, dmarc_row, dmarc_xml, tls_failure, tls_json, tls_policy, tls_report
from tests.support.demo_nas import DemoNas, build_demo_nas

NOW = datetime.fromtimestamp(MAY_1 + 2 * DAY, timezone.utc)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> DemoNas:
    return build_demo_nas(tmp_path_factory.mktemp("nas"))


def key_rdata(issued) -> str:
    return "3 1 1 " + association_data(issued.cert, Selector.SPKI, MatchingType.SHA256).hex()


def test_the_nas_certificate_gives_every_matching_record(demo):
    deployment = look_up_deployment(demo.layout, Settings(), None, ["mail.example.nl"])
    certificate = deployment.certificate
    assert certificate.key_rdata == key_rdata(demo.mail)
    assert key_rdata(demo.mail) in certificate.matching_rdata
    issuer_record = "2 1 1 " + association_data(demo.issuer.cert, Selector.SPKI, MatchingType.SHA256).hex()
    assert issuer_record in certificate.matching_rdata
    assert len(certificate.matching_rdata) == 4 * 2  # selectors x matching types, for the leaf and its issuer
    assert "mail.example.nl" in certificate.names
    assert deployment.tlsa == {} and deployment.notes == (
        "DNS was not consulted: no reverse names, and TLS failures were not compared with DNS",)


def test_configured_policies_are_part_of_the_deployment(demo):
    settings = load_settings(demo.layout.package_var)
    deployment = look_up_deployment(demo.layout, settings, None, [])
    assert deployment.policies["example.nl"][0] == "version: STSv1"


def test_without_a_certificate_store_the_summary_says_why(store, tmp_path: Path):
    from mailsec.nas import NasLayout

    summary = load_summary(store, NasLayout(tmp_path / "empty"), Settings(), None, NOW)
    assert summary.notes[0].startswith("no DSM certificate store under")
    assert (summary.tlsrpt, summary.dmarc, summary.needs_action) == ((), (), False)


def test_a_stale_tlsa_record_is_found_against_the_real_nas_certificate(demo, store, write):
    old = "3 1 1 " + "AB " * 32
    report = tls_report(policies=[tls_policy("tlsa", 10, [tls_failure("tlsa-invalid", 4)], strings=[old])])
    import_file(store, write("r.json", tls_json(report)), 0)
    summary = load_summary(store, demo.layout, Settings(), None, NOW)
    (group,) = summary.tlsrpt[0].failure_groups
    assert group.diagnosis.evidence[0].startswith(f"The TLSA records senders saw ({normalized_rdata(old)[:24]}...) "
                                                  "match no key of the certificate in DSM's store")
    assert summary.needs_action


def test_the_json_document_carries_the_whole_summary(demo, store, write):
    import_file(store, write("t.json", tls_json(tls_report(policies=[tls_policy(failures=[tls_failure()])]))), 0)
    import_file(store, write("d.xml", dmarc_xml(rows=[dmarc_row(), dmarc_row("233.252.0.66", dkim="fail", spf="fail",
                                                                             dkim_domain=None, spf_result="fail")])), 0)
    document = summary_json(load_summary(store, demo.layout, Settings(), None, NOW, days=7))
    assert (document["since"], document["until"]) == ("2024-04-26T00:00:00Z", "2024-05-03T00:00:00Z")
    assert document["stored"] == {"tlsrpt_reports": 1, "dmarc_reports": 1, "first_begin": MAY_1,
                                  "last_end": MAY_1 + DAY - 1}
    (tls,) = document["tlsrpt"]
    assert (tls["policy_type"], tls["failures"], tls["days"]) == ("sts", 2, [
        {"day": "2024-05-01", "successes": 100, "failures": 2}])
    group = tls["failure_groups"][0]
    assert (group["result_type"], group["first_seen"]) == ("validation-failure", "2024-05-01T00:00:00Z")
    assert set(group["diagnosis"]) == {"cause", "fix", "evidence"}
    (dmarc,) = document["dmarc"]
    assert (dmarc["domain"], dmarc["current"], dmarc["verdict"]) == ("example.nl", "none", "more-data")
    assert [source["role"] for source in dmarc["sources"]] == ["unauthenticated", "aligned"]
    assert dmarc["steps"][0]["change"] == "p=quarantine; t=y; pct=0"
    assert document["needs_action"] is True


def test_old_reports_fall_outside_the_period(demo, store, write):
    import_file(store, write("old.xml", dmarc_xml(begin=MAY_1 - 60 * DAY)), 0)
    summary = load_summary(store, demo.layout, Settings(), None, NOW, days=30)
    assert summary.dmarc == ()
    assert summary.stored.dmarc_reports == 1
