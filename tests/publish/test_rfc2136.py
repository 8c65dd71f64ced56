"""The RFC 2136 publisher against BIND 9 on loopback: a signed zone that takes TSIG-signed updates."""

import pytest

from mailsec.nameservers import parse_nameserver
from mailsec.publish.publisher import PublishError
from mailsec.publish.records import RecordKey, Wanted, plan_changes
from mailsec.publish.rfc2136 import Rfc2136Publisher
from mailsec.publish.tsigkey import read_key_file
from tests.support.servers import Zone

pytestmark = pytest.mark.servers

TLSA = RecordKey.of("_25._tcp.mail.example.nl", "TLSA")
STS = RecordKey.of("_mta-sts.example.nl", "TXT")
NEW, OLD = "3 1 1 " + "ab" * 32, "3 1 1 " + "cd" * 32


@pytest.fixture(scope="module")
def zone(servers):
    bind = servers.bind()
    dynamic = bind.serve_dynamic(Zone("example.nl", bind.address.host).tlsa("_25._tcp.mail", 3, 1, 1, "cd" * 32))
    return bind, dynamic


@pytest.fixture
def publisher(zone):
    bind, dynamic = zone
    return Rfc2136Publisher(parse_nameserver(str(bind.address)), "example.nl", read_key_file(dynamic.key.path))


def test_the_connection_test_is_a_signed_soa_query(publisher, zone):
    assert publisher.check() == (f"{zone[0].address.host} serves example.nl and accepts the TSIG key "
                                 "update.example.nl; nothing was changed")


def test_changes_go_in_one_update_and_planning_again_plans_nothing(publisher):
    wanted = [Wanted(TLSA, (NEW,), 3600, absent=(OLD,)), Wanted(STS, ("v=STSv1; id=1",), 3600,
                                                                   exclusive_prefix="v=STSv1")]
    publisher.apply(plan_changes(wanted, publisher.read([TLSA, STS])))
    held = publisher.read([TLSA, STS])
    assert held[TLSA].values == (NEW,) and held[TLSA].ttl == 3600 and held[STS].values == ("v=STSv1; id=1",)
    assert plan_changes(wanted, held) == ()


def test_a_record_set_changed_since_planning_is_left_alone_and_so_is_the_rest_of_the_update(publisher):
    other = RecordKey.of("_smtp._tls.example.nl", "TXT")
    changes = plan_changes([Wanted(other, ("v=TLSRPTv1; rua=mailto:a@example.nl",), 300),
                            Wanted(TLSA, (OLD,), 300, absent=(NEW,))], publisher.read([other, TLSA]))
    publisher.apply(plan_changes([Wanted(TLSA, ("3 1 1 " + "ef" * 32,), 300)], publisher.read([TLSA])))

    with pytest.raises(PublishError, match="changed since mailsec read them, so nothing was changed"):
        publisher.apply(changes)
    assert publisher.read([other])[other].values == ()  # all or nothing


def test_a_name_without_records_reads_as_empty(publisher):
    nothing = RecordKey.of("nothing.example.nl", "TXT")
    assert publisher.read([nothing])[nothing].values == ()
