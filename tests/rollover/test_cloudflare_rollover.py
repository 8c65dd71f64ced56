"""`mailsec refresh` publishing through the Cloudflare API: a stand-in that follows the documented API (not
Cloudflare) and copies its records into BIND, which serves them as Cloudflare's name servers would. The
API token is stored with mode 0600 and appears in no output and no other file."""

import stat

import pytest

from mailsec.publish.secretstore import SECRETS_FILE
from tests.refresh.conftest import renew
from tests.rollover.conftest import HOUR, OWNER, START, assert_presented_certificate_matches, spki_sha256
from tests.support.cloudflare_standin import CloudflareStandIn, Mirror
from tests.support.demo_nas import DOMAIN

pytestmark = pytest.mark.servers

TOKEN = "cf-standin-token-DoNotPrint-0123456789"


@pytest.fixture
def cloudflare(nas):
    with CloudflareStandIn(DOMAIN, TOKEN, Mirror(nas.bind.address, DOMAIN, nas.zone.key)) as standin:
        yield standin


def test_a_key_rollover_through_the_cloudflare_api(nas, cloudflare):
    runs = [nas.configure("--publish", "cloudflare", "--zone", DOMAIN, "--api-url", cloudflare.url,
                          "--api-token-file", "-", stdin=TOKEN.encode() + b"\n")]
    assert runs[0].code == 0 and "Test connection: the Cloudflare API token is active" in runs[0].stdout
    first = nas.refresh(START)
    assert first.code == 0, first.run.stdout
    assert_presented_certificate_matches(nas)
    old = f"3 1 1 {spki_sha256(nas.demo.mail.cert)}"
    new = f"3 1 1 {spki_sha256(renew(nas.demo).cert)}"

    added = nas.refresh(START + HOUR)
    assert_presented_certificate_matches(nas)
    assert added.phase == "waiting" and {old, new} <= nas.published()
    retired = nas.refresh(START + 3 * HOUR)
    assert_presented_certificate_matches(nas)
    assert retired.phase == "stable" and old not in nas.published() and new in nas.published()
    assert cloudflare.values("TLSA", OWNER) == sorted(nas.published())

    runs += [first.run, added.run, retired.run, nas.mailsec("refresh", "--dry-run", at=START + 4 * HOUR)]
    assert all(TOKEN not in run.stdout + run.stderr for run in runs)
    state_dir = nas.demo.layout.state_dir()
    holding = [path.name for path in state_dir.iterdir() if path.is_file() and TOKEN in path.read_text()]
    assert holding == [SECRETS_FILE]
    assert stat.S_IMODE((state_dir / SECRETS_FILE).stat().st_mode) == 0o600
