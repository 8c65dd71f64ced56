"""The pure judgement of refresh: DNS answers against the certificate, and the last run against this one.

DNS answers are built as values here; the same code runs against live DNS in the job and CLI tests.
"""

from datetime import datetime, timezone
from pathlib import Path

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from mailsec.certs import CertificateChain
from mailsec.errors import ExitCode
from mailsec.findings import Finding, Status
from mailsec.mtasts.policy import build_policy
from mailsec.mtasts.publish import PublishedPolicy
from mailsec.refresh.compare import (
    certificate_change,
    exit_code,
    mta_sts_dns_finding,
    tlsa_dns_finding,
)
from mailsec.refresh.plan import HostPlan, certificate_facts
from mailsec.resolver import Lookup, Outcome
from mailsec.tlsa import MatchingType, Selector, TlsaRecord, Usage, default_records, record_for
from tests.support.pki import make_intermediate, make_leaf, make_root_ca

HOST = "mail.example.nl"
OWNER = f"_25._tcp.{HOST}."
NOW = datetime(2026, 5, 1, 4, 30, tzinfo=timezone.utc)

PUBLISHED = PublishedPolicy(Path("mta-sts.txt"), build_policy("testing", [HOST], 86400), changed=False)
ID = PUBLISHED.policy.policy_id


@pytest.fixture(scope="module")
def pki():
    root = make_root_ca()
    issuer = make_intermediate(root)
    return root, issuer, make_leaf(issuer, [HOST]), make_leaf(issuer, [HOST])  # current and previous server cert


@pytest.fixture(scope="module")
def chain(pki):
    _, issuer, leaf, _ = pki
    return CertificateChain(leaf.cert, (issuer.cert,))


@pytest.fixture(scope="module")
def host(chain):
    return HostPlan(HOST, tuple(default_records(chain, [HOST], [25])))


def rdata(record: TlsaRecord) -> str:
    return record.rdata


def tlsa_answer(*rdatas: str) -> Lookup:
    records = tuple(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TLSA, text) for text in rdatas)
    return Lookup(OWNER, "TLSA", Outcome.ANSWER if records else Outcome.NODATA, records=records)


def record(issued, usage=Usage.DANE_EE, selector=Selector.SPKI) -> str:
    return record_for(issued.cert, HOST, 25, usage, selector, MatchingType.SHA256).rdata


def test_current_records_pass(host, pki, chain):
    _, issuer, leaf, _ = pki
    finding = tlsa_dns_finding(host, tlsa_answer(record(leaf), record(issuer, Usage.DANE_TA)), chain)
    assert finding.status == Status.PASS


def test_a_record_with_another_selector_that_matches_is_current_not_stale(host, pki, chain):
    _, issuer, leaf, _ = pki
    whole_certificate = record(leaf, selector=Selector.CERT)  # 3 0 1: the hash of the whole certificate
    finding = tlsa_dns_finding(host, tlsa_answer(whole_certificate, record(issuer, Usage.DANE_TA)), chain)
    assert finding.status == Status.PASS, finding.message


def test_an_unanswered_lookup_is_unconfirmed_and_advises_no_change(host, chain):
    failed = Lookup(OWNER, "TLSA", Outcome.TIMEOUT, reason="no answer within 8 s from 127.0.0.1:5300")
    finding = tlsa_dns_finding(host, failed, chain)
    assert finding.status == Status.ERROR
    assert "could not confirm" in finding.message and "127.0.0.1:5300" in finding.message
    assert "remove" not in finding.fix.lower() and "publish" not in finding.fix.lower()


def test_no_records_asks_to_publish_the_whole_set(host, chain):
    finding = tlsa_dns_finding(host, tlsa_answer(), chain)
    assert finding.status == Status.FAIL
    assert finding.fix.splitlines()[1:] == [r.zone_line() for r in host.records]


def test_only_an_old_key_means_mail_is_deferred_and_new_comes_before_removing_old(host, pki, chain):
    _, _, leaf, previous = pki
    finding = tlsa_dns_finding(host, tlsa_answer(record(previous)), chain)
    assert finding.status == Status.FAIL and "defer all mail" in finding.message
    fix = finding.fix
    assert fix.index(record(leaf)) < fix.index("Then remove") < fix.index(record(previous))


def test_old_and_new_key_together_ask_to_remove_the_old_one_after_two_ttls(host, pki, chain):
    _, issuer, leaf, previous = pki
    finding = tlsa_dns_finding(host, tlsa_answer(record(leaf), record(previous), record(issuer, Usage.DANE_TA)),
                               chain)
    assert finding.status == Status.FAIL and "previous key" in finding.message
    assert "at least 2 TTLs" in finding.fix and finding.fix.endswith(record(previous))
    assert record(leaf) not in finding.fix  # the current record is never advised away


def test_only_the_issuer_record_matching_asks_for_the_3_1_1(host, pki, chain):
    _, issuer, leaf, _ = pki
    finding = tlsa_dns_finding(host, tlsa_answer(record(issuer, Usage.DANE_TA)), chain)
    assert finding.status == Status.FAIL and "only the issuer record" in finding.message
    assert record(leaf) in finding.fix


def test_a_missing_issuer_record_is_a_warning(host, pki, chain):
    _, issuer, leaf, _ = pki
    finding = tlsa_dns_finding(host, tlsa_answer(record(leaf)), chain)
    assert finding.status == Status.WARN and record(issuer, Usage.DANE_TA) in finding.fix


def test_a_ca_record_of_another_ca_is_a_warning(host, pki, chain):
    root, issuer, leaf, _ = pki
    other_ca = make_intermediate(root, "mailsec Test R2")
    finding = tlsa_dns_finding(host, tlsa_answer(record(leaf), record(issuer, Usage.DANE_TA),
                                                 record(other_ca, Usage.DANE_TA)), chain)
    assert finding.status == Status.WARN and "matches no CA of the current chain" in finding.message


def txt_answer(*texts) -> Lookup:
    records = tuple(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, text) for text in texts)
    return Lookup("_mta-sts.example.nl.", "TXT", Outcome.ANSWER, records=records)


@pytest.mark.parametrize(("texts", "status", "words"), [
    ([f'"v=STSv1; id={ID}"'], Status.PASS, "announces the current policy"),
    ([f'"v=STSv1; " "id={ID}"'], Status.PASS, "announces the current policy"),  # split strings are joined
    (['"v=STSv1; id=old1"'], Status.FAIL, f"announces old1, but the policy now served has id {ID}"),
    ([f'"v=STSv1; id={ID}"', '"v=STSv1; id=old1"'], Status.FAIL, "has 2 v=STSv1 records"),
    (['"v=spf1 -all"'], Status.FAIL, "no MTA-STS TXT record"),
])
def test_the_mta_sts_record_must_announce_the_served_policy(texts, status, words):
    finding = mta_sts_dns_finding("example.nl", "_mta-sts.example.nl.", PUBLISHED, txt_answer(*texts))
    assert finding.status == status and words in finding.message
    if status == Status.FAIL:
        assert finding.fix.endswith(f'_mta-sts.example.nl. IN TXT "v=STSv1; id={ID}"')


def test_an_unanswered_mta_sts_lookup_is_unconfirmed():
    failed = Lookup("_mta-sts.example.nl.", "TXT", Outcome.SERVFAIL, reason="127.0.0.1 answered SERVFAIL")
    assert mta_sts_dns_finding("example.nl", "_mta-sts.example.nl.", PUBLISHED, failed).status == Status.ERROR


def test_certificate_change_tells_renewal_from_new_key(pki, chain):
    _, issuer, _, previous = pki
    current = certificate_facts(chain, "Mp7Q2a", "fullchain.pem", True)
    before = certificate_facts(CertificateChain(previous.cert, (issuer.cert,)), "Mp7Q2a", "fullchain.pem", True)
    assert certificate_change(current, current, NOW) is None
    assert certificate_change(None, current, NOW) is None
    assert "new key (noticed 2026-05-01 04:30 UTC" in certificate_change(before, current, NOW)
    renewed = type(current)(**{**current.__dict__, "not_after": "2030-01-01T00:00:00Z"})
    assert "renewed with the same key" in certificate_change(current, renewed, NOW)


def test_records_the_rollover_keeps_on_purpose_are_not_called_stale(host, pki, chain):
    _, issuer, leaf, previous = pki
    answer = tlsa_answer(record(leaf), record(previous), record(issuer, Usage.DANE_TA))
    old = TlsaRecord(OWNER, 3, 1, 1, record(previous).split()[-1])
    assert tlsa_dns_finding(host, answer, chain, rolling=[old]).status == Status.PASS


@pytest.mark.parametrize(("findings", "code"), [
    ([("refresh.certificate", Status.PASS), ("refresh.tlsa.dns", Status.WARN)], ExitCode.OK),
    ([("refresh.tlsa.dns", Status.ERROR)], ExitCode.ACTION_NEEDED),  # DNS unconfirmed: reported, not an error
    ([("refresh.mta-sts.dns", Status.FAIL)], ExitCode.ACTION_NEEDED),
    ([("refresh.policy", Status.ERROR), ("refresh.tlsa.dns", Status.FAIL)], ExitCode.CANNOT_RUN),
    ([("refresh.certificate", Status.ERROR)], ExitCode.CANNOT_RUN),
])
def test_exit_codes(findings, code):
    assert exit_code([Finding(finding_id, status, "x", "m") for finding_id, status in findings]) == code
