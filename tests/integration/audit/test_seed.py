"""The seed's set-up (shared/seed/DIGEST.md), rebuilt record by record, and the audit naming each mistake.

The owner follows the how-to: one NAS on one address serving mail (Postfix here) and the policy host
(nginx); `MX 10 <domain>` at the apex with `mail` and `mta-sts` as CNAMEs of it; a policy saying
`mx: mail.<domain>` in testing mode; `_25._tcp.<domain>` computed with the RSA-only openssl pipeline
from a certificate for `mail.<domain>`; SPF ending in `-all`; DMARC `p=none; pct=100`; the ISP's PTR
naming `mail.<domain>`; no DNSSEC. A second copy of the domain is the same set-up after DSM renewed the
certificate with a new (ECDSA) key, which nothing in the seed's process notices.
"""

import pytest

from mailsec.audit.report import AuditReport
from mailsec.findings import Status
from tests.integration.audit.lab import AuditLab, dkim_public_key, expect, policy_site, policy_text, spki_sha256, the
from tests.support.pki import Issued
from tests.support.servers import Zone

pytestmark = pytest.mark.servers

DOMAIN, RENEWED = "seed.nl", "seed-renewed.nl"


def seed_zone(lab: AuditLab, origin: str, nas: str, tlsa_from: Issued) -> Zone:
    """The DNS records the seed has the owner publish at the web hoster, in its order."""
    return (Zone(origin, lab.nameserver)
            .mx("@", 10, "@").a("@", nas).cname("mail", "@")
            .txt("@", f"v=spf1 a mx ip4:{nas} ip6:2001:db8:1234::/48 -all")
            .txt("ds218-bpe._domainkey", "v=DKIM1;k=rsa;p=" + dkim_public_key("rsa2048"))
            .txt("_dmarc", "v=DMARC1; p=none; pct=100")
            .cname("mta-sts", "@").txt("_mta-sts", "v=STSv1; id=202001031637")
            .txt("_smtp._tls", f"v=TLSRPTv1; rua=mailto:tls-reports@{origin}")
            .tlsa("_25._tcp", 3, 1, 1, spki_sha256(tlsa_from)))


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    for origin, renewed in ((DOMAIN, False), (RENEWED, True)):
        nas = lab.nas_address()
        first = server_ca.server_certificate(f"mail.{origin}", key_kind="rsa2048")
        served = server_ca.server_certificate(f"mail.{origin}") if renewed else first  # DSM's ECC renewal
        lab.smtp_host(f"mail.{origin}", served, address=nas)
        policy = policy_text("testing", f"mail.{origin}", max_age=86400)
        lab.policy_hosts([policy_site(server_ca, origin, policy)], address=nas)
        lab.serve(seed_zone(lab, origin, nas, tlsa_from=first.leaf))
    lab.start()
    return lab


@pytest.fixture(scope="module")
def seed(lab: AuditLab) -> AuditReport:
    return lab.audit(DOMAIN, dkim_selectors=("ds218-bpe",))


def test_the_policy_does_not_cover_the_mx_at_the_apex(seed: AuditReport) -> None:
    coverage = expect(seed, "mta-sts.mx-coverage", Status.FAIL,
                      f"(mail.{DOMAIN}) matches the MX host {DOMAIN}", "a CNAME does not help", subject=DOMAIN)
    assert f"mx: {DOMAIN}" in coverage.fix


def test_the_certificate_names_mail_but_the_mx_host_is_the_domain(seed: AuditReport) -> None:
    expect(seed, "smtp.starttls", Status.WARN, f"not valid for the name {DOMAIN}")
    certificate = the(seed, "mta-sts.mx-certificate")
    assert certificate.status == Status.WARN  # testing mode: the seed's next step, enforce, would break mail
    assert "switching the policy to enforce would make senders refuse this MX" in certificate.message


def test_the_apex_tlsa_record_is_right_for_an_apex_mx_but_ignored_without_dnssec(seed: AuditReport) -> None:
    assert the(seed, "dane.tlsa-present").subject == f"_25._tcp.{DOMAIN}."
    assert the(seed, "dane.tlsa-present").status == Status.PASS
    match = the(seed, "dane.tlsa-match")
    assert match.status == Status.PASS  # the RSA pipeline gave the right digest for an RSA key
    assert "(the current key)" in match.message
    expect(seed, "dane.dnssec", Status.FAIL, "its TLSA records are ignored")
    assert the(seed, "dnssec.domain").status == Status.WARN


def test_spf_hard_fail_and_the_dmarc_rollout_are_named(seed: AuditReport) -> None:
    spf = expect(seed, "spf.record", Status.WARN, "-all")
    assert "~all" in spf.fix
    expect(seed, "dmarc.record", Status.WARN, "`pct` was removed by RFC 9989")
    policy = expect(seed, "dmarc.policy", Status.WARN, "monitoring step", "without `rua=`")
    assert "p=quarantine" in policy.fix


def test_what_the_seed_gets_right_passes(seed: AuditReport) -> None:
    for check_id in ("mx.present", "mx.target", "mx.address", "ptr.fcrdns", "smtp.banner", "mta-sts.txt",
                     "mta-sts.policy-fetch", "mta-sts.policy-syntax", "tls-rpt.txt", "spf.lookups", "spf.mail-hosts",
                     "dkim.key"):
        assert the(seed, check_id).status == Status.PASS, check_id


def test_the_audit_names_those_mistakes_and_no_others(seed: AuditReport) -> None:
    flagged = sorted(f"{finding.status.value} {finding.id}" for finding in seed.findings
                     if finding.status in (Status.FAIL, Status.WARN, Status.ERROR))
    assert flagged == sorted([
        "warn smtp.starttls", "fail dane.dnssec", "warn dnssec.domain", "fail mta-sts.mx-coverage",
        "warn mta-sts.mx-coverage", "warn mta-sts.mx-certificate", "warn spf.record", "warn dmarc.record",
        "warn dmarc.policy",
    ])


def test_after_a_renewal_with_a_new_key_the_stale_record_is_named(lab: AuditLab) -> None:
    match = expect(lab.report(RENEWED), "dane.tlsa-match", Status.FAIL,
                   "no TLSA record matches the certificate presented (ECDSA P-256",
                   "they will refuse mail the day DNSSEC is on")
    assert f"_25._tcp.{RENEWED}. IN TLSA 3 1 1 " in match.fix
