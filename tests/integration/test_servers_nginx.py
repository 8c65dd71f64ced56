"""nginx serving MTA-STS policy hosts over HTTPS, one site per way a policy fetch can go wrong."""

import time
from pathlib import Path

import pytest
import requests

from tests.support.pki import CertificateAuthority
from tests.support.servers import POLICY_PATH, HttpsSite, NginxServer, ServerStack
from tests.support.servers.clients import pinned_session

pytestmark = pytest.mark.servers

POLICY = b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.nl\r\nmax_age: 86400\r\n"
LARGE = b"# padding\r\n" * 7000  # 77 KB, beyond the 64 KiB a policy may have
SLOW_BODY = b"x" * 1200
SLOW_RATE = 1000  # bytes per second


@pytest.fixture(scope="module")
def nginx(servers: ServerStack, server_ca: CertificateAuthority) -> NginxServer:
    def site(name: str, **faults) -> HttpsSite:
        return HttpsSite([name], server_ca.server_certificate(name), **faults)

    return servers.nginx([
        site("mta-sts.good.nl", files={POLICY_PATH: POLICY}),
        HttpsSite(["mta-sts.alias.nl", "mta-sts.other-alias.nl"],
                  server_ca.server_certificate("mta-sts.alias.nl", "mta-sts.other-alias.nl"),
                  files={POLICY_PATH: POLICY}),
        site("mta-sts.moved.nl", redirect_to=f"https://mta-sts.good.nl{POLICY_PATH}"),
        site("mta-sts.html.nl", files={POLICY_PATH: POLICY}, content_type="text/html"),
        site("mta-sts.missing.nl"),
        site("mta-sts.large.nl", files={POLICY_PATH: LARGE}),
        HttpsSite(["mta-sts.wrong-name.nl"], server_ca.server_certificate("www.wrong-name.nl"),
                  files={POLICY_PATH: POLICY}),
        HttpsSite(["mta-sts.no-intermediate.nl"], server_ca.server_certificate("mta-sts.no-intermediate.nl",
                  with_intermediate=False), files={POLICY_PATH: POLICY}),
        site("mta-sts.slow.nl", files={POLICY_PATH: SLOW_BODY}, bytes_per_second=SLOW_RATE),
        site("mta-sts.stuck.nl", files={POLICY_PATH: POLICY}, stalled=True),
    ])


@pytest.fixture(scope="module")
def ca_bundle(server_ca_bundle: Path) -> str:
    return str(server_ca_bundle)


def fetch(nginx: NginxServer, ca_bundle: str, host: str, timeout: float = 5) -> requests.Response:
    return pinned_session(nginx.address).get(f"https://{host}{POLICY_PATH}", verify=ca_bundle,
                                             allow_redirects=False, timeout=timeout)


def test_the_policy_is_served_over_https_with_a_certificate_from_the_test_ca(nginx, ca_bundle) -> None:
    response = fetch(nginx, ca_bundle, "mta-sts.good.nl")
    assert nginx.address.port == 443
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain"
    assert response.content == POLICY


def test_sni_picks_the_site_and_a_site_may_have_several_names(nginx, ca_bundle) -> None:
    assert fetch(nginx, ca_bundle, "mta-sts.other-alias.nl").content == POLICY


def test_a_redirect_is_answered_instead_of_the_file(nginx, ca_bundle) -> None:
    response = fetch(nginx, ca_bundle, "mta-sts.moved.nl")
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://mta-sts.good.nl{POLICY_PATH}"


def test_the_content_type_can_be_wrong(nginx, ca_bundle) -> None:
    assert fetch(nginx, ca_bundle, "mta-sts.html.nl").headers["Content-Type"] == "text/html"


def test_a_missing_file_is_404(nginx, ca_bundle) -> None:
    assert fetch(nginx, ca_bundle, "mta-sts.missing.nl").status_code == 404


def test_a_body_larger_than_64_kib_is_served_whole(nginx, ca_bundle) -> None:
    response = fetch(nginx, ca_bundle, "mta-sts.large.nl")
    assert len(response.content) == len(LARGE) > 64 * 1024


def test_a_certificate_for_another_name_fails_verification(nginx, ca_bundle) -> None:
    with pytest.raises(requests.exceptions.SSLError, match="doesn't match"):
        fetch(nginx, ca_bundle, "mta-sts.wrong-name.nl")


def test_a_name_no_site_has_gets_the_first_site_and_its_certificate(nginx, ca_bundle) -> None:
    with pytest.raises(requests.exceptions.SSLError, match=r"mta-sts\.good\.nl"):
        fetch(nginx, ca_bundle, "mta-sts.unknown.nl")


def test_a_chain_without_its_intermediate_does_not_verify(nginx, ca_bundle) -> None:
    with pytest.raises(requests.exceptions.SSLError, match="unable to get local issuer certificate"):
        fetch(nginx, ca_bundle, "mta-sts.no-intermediate.nl")


def test_a_slow_site_sends_its_body_at_the_given_rate(nginx, ca_bundle) -> None:
    start = time.monotonic()
    response = fetch(nginx, ca_bundle, "mta-sts.slow.nl")
    elapsed = time.monotonic() - start
    assert response.content == SLOW_BODY
    assert elapsed >= 0.5  # 1.2 s at the rate, less a first burst; other sites answer within milliseconds


def test_a_stalled_site_never_answers(nginx, ca_bundle) -> None:
    with pytest.raises(requests.exceptions.ReadTimeout):
        fetch(nginx, ca_bundle, "mta-sts.stuck.nl", timeout=0.5)

