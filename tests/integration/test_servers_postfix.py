"""Postfix instances on loopback answering EHLO and STARTTLS, each the way one MX misbehaves."""

import smtplib
import socket
import ssl
from pathlib import Path
from typing import Dict

import pytest

from tests.support.pki import CertificateAuthority, ServerCertificate
from tests.support.servers import PostfixServer, ServerStack, SmtpService

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def mx(servers: ServerStack, server_ca: CertificateAuthority) -> Dict[str, PostfixServer]:
    """Several instances at once, by what they do."""
    def service(name: str, **options) -> SmtpService:
        return SmtpService(name, server_ca.server_certificate(name), **options)

    return {
        "good": servers.postfix(service("mx1.example.nl")),
        "no-intermediate": servers.postfix(SmtpService(
            "mx2.example.nl", server_ca.server_certificate("mx2.example.nl", with_intermediate=False))),
        "no-starttls": servers.postfix(service("mx3.example.nl", starttls=False)),
        "broken-tls": servers.postfix(service("mx4.example.nl", handshake_fails=True)),
        "banner": servers.postfix(service("mx5.example.nl", banner="smtp.provider.example ESMTP ready")),
    }


@pytest.fixture(scope="module")
def trust(server_ca_bundle: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server_ca_bundle))


def connect(server: PostfixServer) -> smtplib.SMTP:
    client = smtplib.SMTP(server.address.host, server.address.port, "probe.example.org", timeout=5)
    client._host = server.service.hostname  # smtplib checks the certificate against the host it connected to

    return client


def test_each_instance_has_its_own_address_on_port_25(mx: Dict[str, PostfixServer]) -> None:
    assert len({server.address.host for server in mx.values()}) == len(mx)
    assert {server.address.port for server in mx.values()} == {25}


def test_ehlo_offers_starttls_and_the_chain_verifies_for_the_mx_name(mx, trust) -> None:
    with connect(mx["good"]) as client:
        assert client.ehlo()[0] == 250
        assert client.has_extn("starttls")
        assert client.starttls(context=trust)[0] == 220
        assert client.sock.getpeercert()["subjectAltName"] == (("DNS", "mx1.example.nl"),)
        assert client.ehlo()[0] == 250


def test_the_banner_and_ehlo_name_are_myhostname_by_default(mx) -> None:
    with connect(mx["good"]) as client:
        assert client.ehlo_resp is None
        assert client.ehlo()[1].split(b"\n")[0] == b"mx1.example.nl"
    assert _banner(mx["good"]) == b"220 mx1.example.nl ESMTP"


def test_a_custom_banner_is_sent(mx) -> None:
    assert _banner(mx["banner"]) == b"220 smtp.provider.example ESMTP ready"


def test_a_chain_without_the_intermediate_does_not_verify(mx, trust) -> None:
    with connect(mx["no-intermediate"]) as client:
        client.ehlo()
        with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer certificate"):
            client.starttls(context=trust)


def test_starttls_can_be_left_out(mx) -> None:
    with connect(mx["no-starttls"]) as client:
        client.ehlo()
        assert not client.has_extn("starttls")


def test_a_handshake_can_fail_after_starttls_is_offered(mx, trust) -> None:
    with connect(mx["broken-tls"]) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        with pytest.raises(ssl.SSLError):
            client.starttls(context=trust)


def test_the_server_accepts_no_mail(mx, trust) -> None:
    with connect(mx["good"]) as client:
        client.starttls(context=trust)
        assert client.mail("sender@example.org")[0] == 250
        assert client.rcpt("postmaster@example.nl")[0] >= 500


def test_the_server_presents_the_certificate_it_was_given(mx) -> None:
    certificate: ServerCertificate = mx["good"].service.certificate
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with connect(mx["good"]) as client:
        client.starttls(context=context)
        assert client.sock.getpeercert(binary_form=True) == certificate.leaf.cert_der


def _banner(server: PostfixServer) -> bytes:
    with socket.create_connection((server.address.host, server.address.port), 5) as raw:
        return raw.makefile("rb").readline().rstrip()
