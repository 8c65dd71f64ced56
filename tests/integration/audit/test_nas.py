"""`nas.certificate` and `nas.tlsa`: the MailPlus certificate in DSM's store against what port 25 presents
and what DNS publishes.

One domain, one Postfix, one signed zone with a `3 1 1` record for the served key; what changes is the
NAS: in sync, renewed with the same key (not yet loaded), renewed with a new key (not yet published).
"""

import shutil
from pathlib import Path

import pytest

from mailsec.findings import Status
from mailsec.nas import NasLayout
from tests.integration.audit.lab import AuditLab, expect, findings, mail_zone, spki_sha256, the
from tests.support.demo_nas import DemoNas, build_demo_nas, write_certificate
from tests.support.pki import Issued, ServerCertificate, make_leaf

pytestmark = pytest.mark.servers

MX = "mail.nas.nl"


@pytest.fixture(scope="module")
def served(server_ca) -> ServerCertificate:
    return server_ca.server_certificate(MX)


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle, served) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    zone = mail_zone("nas.nl", lab.nameserver, lab.smtp_host(MX, served))
    lab.serve(zone.tlsa("_25._tcp.mail", 3, 1, 1, spki_sha256(served.leaf)), signed=True)
    lab.start()
    return lab


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> DemoNas:
    return build_demo_nas(tmp_path_factory.mktemp("nas-template"))


def nas_holding(template: DemoNas, folder: Path, leaf: Issued, issuer: Issued) -> NasLayout:
    """A copy of the demo NAS whose MailPlus certificate is `leaf`."""
    shutil.copytree(str(template.layout.root), str(folder), symlinks=True)
    layout = NasLayout(folder)
    write_certificate(layout, template.mail_cert_id, leaf, [issuer])
    return layout


def test_the_certificate_in_service_and_in_dns_passes(lab: AuditLab, template, served, tmp_path) -> None:
    layout = nas_holding(template, tmp_path / "nas", served.leaf, lab.ca.intermediate)
    report = lab.audit("nas.nl", layout=layout)
    presented = expect(report, "nas.certificate", Status.PASS)
    assert presented.subject.startswith(f"{MX} (127.")
    expect(report, "nas.tlsa", Status.PASS, "(the current key)")


def test_a_renewal_with_the_same_key_not_yet_loaded_warns(lab: AuditLab, template, served, tmp_path) -> None:
    renewed = make_leaf(lab.ca.intermediate, [MX], key=served.leaf.key)
    report = lab.audit("nas.nl", layout=nas_holding(template, tmp_path / "nas", renewed, lab.ca.intermediate))
    presented = expect(report, "nas.certificate", Status.WARN)
    assert "Restart MailPlus Server" in presented.fix
    assert the(report, "nas.tlsa").status == Status.PASS  # same key, same record


def test_a_new_key_neither_served_nor_published_fails_twice(lab: AuditLab, template, tmp_path) -> None:
    renewed = make_leaf(lab.ca.intermediate, [MX])
    report = lab.audit("nas.nl", layout=nas_holding(template, tmp_path / "nas", renewed, lab.ca.intermediate))
    expect(report, "nas.certificate", Status.FAIL, "presents a different key")
    published = expect(report, "nas.tlsa", Status.FAIL)
    assert published.fix.startswith(f"Publish _25._tcp.{MX}. IN TLSA 3 1 1 {spki_sha256(renewed)} now")


def test_a_damaged_certificate_store_is_an_error(lab: AuditLab, template, served, tmp_path) -> None:
    layout = nas_holding(template, tmp_path / "nas", served.leaf, lab.ca.intermediate)
    layout.certificate_index.write_text("{ not json", encoding="utf-8")
    expect(lab.audit("nas.nl", layout=layout), "nas.certificate", Status.ERROR, "could not read the NAS certificate")


def test_without_a_nas_there_is_nothing_to_compare(lab: AuditLab) -> None:
    report = lab.report("nas.nl")
    assert not findings(report, "nas.certificate") and not findings(report, "nas.tlsa")
