"""`dane.tlsa-present`, `dane.tlsa-match` and `dane.dnssec`: published TLSA records against the chain a
real Postfix presents, in signed, unsigned and bogus zones.

One Postfix answers for every domain's MX host (its certificate names them all), so the TLSA records are
what differs: the current key, a staged next key, the issuing CA, a CA no longer used, a stranger's key.
"""

from typing import Dict, NamedTuple

import pytest

from mailsec.findings import Status
from tests.integration.audit.lab import AuditLab, expect, findings, mail_zone, spki_sha256, the
from tests.support.pki import make_intermediate, make_key, make_leaf
from tests.support.servers import ForgedRecord, Zone

pytestmark = pytest.mark.servers

SIGNED = ("current", "staged", "issuer", "stale-issuer", "mismatch", "absent", "apex", "bogus", "unreachable")
UNSIGNED = ("mismatch-unsigned",)
TLSA = "_25._tcp.mail"


class Keys(NamedTuple):
    """The `x 1 1` digests the zones publish, besides the current key's (`lab.notes["current"]`)."""

    issuer: str  # the CA that issued it, sent along by the server
    stranger: str  # someone else's key
    next_key: str  # a key made for the next certificate
    retired_ca: str  # a CA no longer in the chain


@pytest.fixture(scope="module")
def keys(server_ca) -> Keys:
    return Keys(
        issuer=spki_sha256(server_ca.intermediate),
        stranger=spki_sha256(make_leaf(server_ca.intermediate, ["mail.elsewhere.nl"])),
        next_key=spki_sha256(make_leaf(server_ca.intermediate, ["mail.current.nl"], key=make_key("p256"))),
        retired_ca=spki_sha256(make_intermediate(server_ca.root, "mailsec Test R0")),
    )


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle, keys) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    names = [f"mail.{name}.nl" for name in (*SIGNED, *UNSIGNED)]
    certificate = server_ca.server_certificate(*names)
    current = lab.notes["current"] = spki_sha256(certificate.leaf)
    mx = lab.smtp_host(names[0], certificate, ptr=())
    chainless = lab.smtp_host("mail.unsent-issuer.nl", server_ca.server_certificate(
        "mail.unsent-issuer.nl", with_intermediate=False), ptr=())
    misnamed = lab.smtp_host("mail.misnamed.nl", server_ca.server_certificate("mx.provider.example"), ptr=())
    zones: Dict[str, Zone] = {name: mail_zone(f"{name}.nl", lab.nameserver, mx) for name in SIGNED + UNSIGNED}
    zones["current"].tlsa(TLSA, 3, 1, 1, current)
    zones["staged"].tlsa(TLSA, 3, 1, 1, current).tlsa(TLSA, 3, 1, 1, keys.next_key)
    zones["issuer"].tlsa(TLSA, 2, 1, 1, keys.issuer)
    zones["stale-issuer"].tlsa(TLSA, 3, 1, 1, current).tlsa(TLSA, 2, 1, 1, keys.retired_ca)
    zones["mismatch"].tlsa(TLSA, 3, 1, 1, keys.stranger)
    zones["mismatch-unsigned"].tlsa(TLSA, 3, 1, 1, keys.stranger)
    zones["apex"].tlsa("_25._tcp", 3, 1, 1, current)
    zones["bogus"].tlsa(TLSA, 3, 1, 1, current)
    zones["unreachable"] = mail_zone("unreachable.nl", lab.nameserver, lab.idle_address()).tlsa(
        TLSA, 3, 1, 1, current)
    zones["unsent-issuer"] = mail_zone("unsent-issuer.nl", lab.nameserver, chainless).tlsa(TLSA, 2, 1, 1, keys.issuer)
    zones["misnamed"] = mail_zone("misnamed.nl", lab.nameserver, misnamed).tlsa(TLSA, 2, 1, 1, keys.issuer)
    for name, zone in zones.items():
        forged = [ForgedRecord(TLSA, "TLSA", f"3 1 1 {keys.stranger}")] if name == "bogus" else []
        lab.serve(zone, signed=name not in UNSIGNED, forged=forged)
    lab.start()
    return lab


def test_a_record_for_the_current_key_matches_in_a_signed_zone(lab: AuditLab) -> None:
    report = lab.report("current.nl")
    present = the(report, "dane.tlsa-present")
    assert (present.status, present.subject) == (Status.PASS, "_25._tcp.mail.current.nl.")
    expect(report, "dane.tlsa-match", Status.PASS, "(the current key)")
    assert the(report, "dane.dnssec").status == Status.PASS


def test_a_staged_next_key_is_recognised_beside_the_current_one(lab: AuditLab) -> None:
    expect(lab.report("staged.nl"), "dane.tlsa-match", Status.PASS,
           "matched by 3 1 1", "(another key: a staged next key")


def test_an_issuer_record_matches_the_ca_the_server_sends(lab: AuditLab) -> None:
    expect(lab.report("issuer.nl"), "dane.tlsa-match", Status.PASS,
           "matched by 2 1 1", "the issuing CA: CN=mailsec Test R1")


def test_an_issuer_record_for_a_retired_ca_warns(lab: AuditLab) -> None:
    match = expect(lab.report("stale-issuer.nl"), "dane.tlsa-match", Status.WARN,
                   "a CA that is not in the chain the server sends")
    assert "RFC 7671" in match.fix


def test_an_issuer_record_fails_when_the_server_does_not_send_that_ca(lab: AuditLab) -> None:
    match = expect(lab.report("unsent-issuer.nl"), "dane.tlsa-match", Status.FAIL,
                   "a CA that is not in the chain the server sends")
    assert "make the server send the intermediate" in match.fix


def test_an_issuer_record_fails_when_the_certificate_lacks_the_mx_name(lab: AuditLab) -> None:
    match = expect(lab.report("misnamed.nl"), "dane.tlsa-match", Status.FAIL,
                   "the certificate presented does not name mail.misnamed.nl")
    assert "certificate that names mail.misnamed.nl" in match.fix


def test_a_match_needs_a_certificate_and_says_why_there_was_none(lab: AuditLab) -> None:
    expect(lab.report("unreachable.nl"), "dane.tlsa-match", Status.ERROR,
           "no certificate was seen (connection refused)")


def test_no_matching_record_in_a_signed_zone_fails_now(lab: AuditLab) -> None:
    match = expect(lab.report("mismatch.nl"), "dane.tlsa-match", Status.FAIL, "DANE senders will not deliver")
    assert "ignore the records today" not in match.message
    assert f"_25._tcp.mail.mismatch.nl. IN TLSA 3 1 1 {lab.notes['current']} now" in match.fix


def test_no_matching_record_in_an_unsigned_zone_fails_for_the_day_dnssec_is_on(lab: AuditLab) -> None:
    report = lab.report("mismatch-unsigned.nl")
    expect(report, "dane.tlsa-match", Status.FAIL,
           "senders ignore the records today; they will refuse mail the day DNSSEC is on")
    expect(report, "dane.dnssec", Status.FAIL, "is not DNSSEC-signed, so its TLSA records are ignored")


def test_no_tlsa_records_warn_with_the_record_to_publish(lab: AuditLab) -> None:
    report = lab.report("absent.nl")
    present = expect(report, "dane.tlsa-present", Status.WARN)
    assert present.fix.endswith(f"_25._tcp.mail.absent.nl. IN TLSA 3 1 1 {lab.notes['current']}")
    assert not findings(report, "dane.tlsa-match")
    assert the(report, "dane.dnssec").status == Status.SKIP


def test_records_at_the_domain_instead_of_the_mx_host_are_misplaced(lab: AuditLab) -> None:
    present = expect(lab.report("apex.nl"), "dane.tlsa-present", Status.FAIL,
                     "TLSA records exist at _25._tcp.apex.nl., but the MX host is mail.apex.nl")
    assert "_25._tcp.mail.apex.nl. IN TLSA 3 1 1" in present.fix


def test_a_bogus_tlsa_answer_is_not_taken_for_no_tlsa(lab: AuditLab) -> None:
    report = lab.report("bogus.nl")
    expect(report, "dane.tlsa-present", Status.ERROR, "SERVFAIL")
    dnssec = expect(report, "dane.dnssec", Status.FAIL, "bogus", "signatures do not validate")
    assert "Re-sign bogus.nl" in dnssec.fix
