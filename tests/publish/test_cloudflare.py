"""The Cloudflare publisher against a stand-in that follows Cloudflare's documented API (not Cloudflare)."""

import socket

import pytest

from mailsec.publish.cloudflare import CloudflarePublisher
from mailsec.publish.publisher import PublishError
from mailsec.publish.records import RecordKey, Wanted, plan_changes
from tests.support.cloudflare_standin import CloudflareStandIn

TOKEN = "standin-token-0123456789abcdefghijklmnopqrst"
TLSA = RecordKey.of("_25._tcp.mail.example.nl", "TLSA")
STS = RecordKey.of("_mta-sts.example.nl", "TXT")
NEW, OLD = "3 1 1 " + "ab" * 32, "3 1 1 " + "cd" * 32


@pytest.fixture
def api():
    with CloudflareStandIn("example.nl", TOKEN) as standin:
        yield standin


def publisher(api, token=TOKEN, zone="example.nl"):
    return CloudflarePublisher(zone, token, api.url)


def test_the_connection_test_verifies_the_token_and_finds_the_zone_and_changes_nothing(api):
    said = publisher(api).check()
    assert said == "the Cloudflare API token is active and may see the zone example.nl; nothing was changed"
    assert [(method, path) for method, path, _ in api.requests] == [
        ("GET", "/client/v4/user/tokens/verify"), ("GET", "/client/v4/zones")]


def test_a_wrong_token_is_one_sentence_that_does_not_repeat_it(api):
    with pytest.raises(PublishError) as refused:
        publisher(api, token="wrong-token-value").check()
    assert str(refused.value) == ("Cloudflare refused the API token (Invalid API Token); create an API token with "
                                  "the permission Zone > DNS > Edit for the zone.")


def test_an_unknown_zone_is_one_sentence(api):
    with pytest.raises(PublishError, match=r"^Cloudflare has no zone example\.org that this API token may see; "):
        publisher(api, zone="example.org").check()


def test_an_unreachable_api_is_one_sentence():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/client/v4"
    with pytest.raises(PublishError, match=r"^cannot reach the Cloudflare API at http://127\.0\.0\.1:\d+/client/v4: "
                                           r"ConnectionError\.$"):
        CloudflarePublisher("example.nl", TOKEN, url).check()


def test_changes_are_made_in_one_batch_and_read_back_the_same(api):
    api.add("TLSA", "_25._tcp.mail.example.nl", data={"usage": 3, "selector": 1, "matching_type": 1,
                                                       "certificate": "CD" * 32})
    api.add("TXT", "_mta-sts.example.nl", "v=STSv1; id=old")
    api.add("TXT", "_mta-sts.example.nl", "something else")
    cloudflare = publisher(api)
    wanted = [Wanted(TLSA, (NEW,), 3600, absent=(OLD,)),
              Wanted(STS, ("v=STSv1; id=new",), 3600, exclusive_prefix="v=STSv1")]

    changes = plan_changes(wanted, cloudflare.read([TLSA, STS]))
    cloudflare.apply(changes)

    assert api.values("TLSA", TLSA.name) == [NEW]
    assert api.values("TXT", STS.name) == ["something else", "v=STSv1; id=new"]
    assert sum(1 for method, path, _ in api.requests if path.endswith("/batch")) == 1
    assert plan_changes(wanted, cloudflare.read([TLSA, STS])) == ()  # idempotent


def test_a_record_set_changed_since_planning_is_left_alone(api):
    cloudflare = publisher(api)
    changes = plan_changes([Wanted(TLSA, (NEW,), 3600)], cloudflare.read([TLSA]))
    api.add("TLSA", TLSA.name, data={"usage": 3, "selector": 1, "matching_type": 1, "certificate": "ef" * 32})

    with pytest.raises(PublishError, match="changed since mailsec read them, so nothing was changed"):
        cloudflare.apply(changes)
    assert api.values("TLSA", TLSA.name) == ["3 1 1 " + "ef" * 32]


def test_record_sets_are_read_page_by_page(api):
    for number in range(130):
        api.add("TXT", "many.example.nl", f"text {number:03d}")
    held = publisher(api).read([RecordKey.of("many.example.nl", "TXT")])
    assert len(held[RecordKey.of("many.example.nl", "TXT")].values) == 130


def test_quoted_txt_content_reads_as_its_text(api):
    api.add("TXT", STS.name, '"v=STSv1; id=abc"')
    assert publisher(api).read([STS])[STS].values == ("v=STSv1; id=abc",)


def test_the_token_goes_only_in_the_authorization_header(api):
    publisher(api).check()
    assert {authorization for _, _, authorization in api.requests} == {f"Bearer {TOKEN}"}
    assert all(TOKEN not in path for _, path, _ in api.requests)
    assert TOKEN not in publisher(api).describe()
