"""`dkim.key` for the selectors given, against real zones (RFC 6376, RFC 8301, RFC 8463).

A 2048-bit key is longer than one TXT string, so the zone splits it, as DNS providers do.
"""

import pytest

from mailsec.audit.report import AuditReport
from mailsec.findings import Status
from tests.integration.audit.lab import AuditLab, dkim_public_key, expect, mail_zone

pytestmark = pytest.mark.servers

SELECTORS = ("strong", "short", "tiny", "revoked", "trial", "edwards", "twice", "absent")


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    zone = mail_zone("signing.nl", lab.nameserver, lab.idle_address())
    strong = dkim_public_key("rsa2048")
    keys = {
        "strong": f"v=DKIM1; k=rsa; p={strong}",
        "short": f"v=DKIM1; k=rsa; p={dkim_public_key('rsa1024')}",
        "tiny": f"v=DKIM1; k=rsa; p={dkim_public_key('rsa768')}",
        "revoked": "v=DKIM1; k=rsa; p=",
        "trial": f"v=DKIM1; k=rsa; t=y; p={strong}",
        "edwards": f"v=DKIM1; k=ed25519; p={dkim_public_key('ed25519')}",
        "twice": f"v=DKIM1; k=rsa; p={strong}",
    }
    for selector, text in keys.items():
        zone.txt(f"{selector}._domainkey", text)
    zone.txt("twice._domainkey", f"v=DKIM1; k=rsa; p={dkim_public_key('rsa2048')}")
    lab.serve(zone)
    lab.start()
    return lab


@pytest.fixture(scope="module")
def report(lab: AuditLab) -> AuditReport:
    return lab.audit("signing.nl", dkim_selectors=SELECTORS)


@pytest.mark.parametrize(("selector", "status", "phrase"), [
    pytest.param("strong", Status.PASS, "a valid rsa key of 2048 bits", id="a 2048-bit key split over strings passes"),
    pytest.param("edwards", Status.PASS, "ed25519 key of 256 bits", id="an Ed25519 key passes"),
    pytest.param("short", Status.WARN, "1024 bits; 2048 bits are recommended", id="a 1024-bit key warns"),
    pytest.param("tiny", Status.FAIL, "768 bits", id="a key under 1024 bits fails"),
    pytest.param("revoked", Status.FAIL, "revoked (empty p=)", id="a revoked key fails"),
    pytest.param("trial", Status.WARN, "t=y", id="a testing key warns"),
    pytest.param("twice", Status.FAIL, "2 DKIM key records are published", id="two keys at one selector fail"),
    pytest.param("absent", Status.FAIL, "no DKIM key is published for this selector", id="a missing key fails"),
])
def test_each_selector_gets_the_verdict_of_its_key(report: AuditReport, selector: str, status: Status,
                                                   phrase: str) -> None:
    key = expect(report, "dkim.key", status, phrase, subject=f"{selector}._domainkey")
    if status == Status.FAIL:
        assert f"{selector}._domainkey.signing.nl" in key.fix


def test_without_selectors_dkim_is_skipped_and_says_where_to_find_one(lab: AuditLab) -> None:
    skipped = expect(lab.report("signing.nl"), "dkim.key", Status.SKIP)
    assert "--dkim-selector" in skipped.fix
