"""refresh against real DNS: BIND 9 on loopback serving example.nl (the fixtures of tests/support/servers).

The zone is rewritten between runs to walk through what an owner does: publish the records refresh asks
for, and after a renewal with a new key, add the new record, wait, remove the old one.
"""

import pytest

from mailsec.findings import Status
from mailsec.nameservers import parse_nameserver
from mailsec.resolver import DnsResolver
from tests.refresh.conftest import renew, run_job, spki_sha256

pytest.importorskip("tests.support.servers", reason="needs the BIND fixtures of tests/support/servers")
from tests.support.servers import Zone
from tests.support.servers.pytest_plugin import loopback, servers  # noqa: F401

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def bind(servers):  # noqa: F811 (the fixture imported above)
    return servers.bind()


class FreshResolver:
    """Asks BIND through a new `DnsResolver`, and so a new cache, each time, as each refresh process does."""

    def __init__(self, bind) -> None:
        self.nameserver = parse_nameserver(str(bind.address))

    def query(self, name: str, rdtype: str):
        return DnsResolver([self.nameserver]).query(name, rdtype)


@pytest.fixture
def resolver(bind):
    return FreshResolver(bind)


def serve(bind, tlsa=(), sts_id=None):
    """example.nl with MX mail.example.nl, the given TLSA records (usage, data) and _mta-sts id."""
    zone = Zone("example.nl", bind.address.host).mx("@", 10, "mail").a("mail", "127.0.0.25")
    for usage, data in tlsa:
        zone.tlsa("_25._tcp.mail", usage, 1, 1, data)
    if sts_id:
        zone.txt("_mta-sts", f"v=STSv1; id={sts_id}")
    bind.serve(zone)


def statuses(outcome, finding_id):
    return [f.status for f in outcome.state.findings if f.id == finding_id]


def test_records_as_asked_for_are_in_sync_and_stay_quiet(demo, bind, resolver):
    serve(bind)
    first = run_job(demo.layout, resolver)
    assert statuses(first, "refresh.tlsa.dns") == [Status.FAIL]  # nothing published yet
    assert statuses(first, "refresh.mta-sts.dns") == [Status.FAIL]
    serve(bind, [(r.usage, r.data) for r in first.state.records], first.policy.policy.policy_id)
    second = run_job(demo.layout, resolver)
    assert second.exit_code == 0, second.state.findings
    third = run_job(demo.layout, resolver)
    assert third.exit_code == 0 and not third.state_changed


def test_a_new_key_is_rolled_over_in_the_order_refresh_gives(demo, bind, resolver):
    issuer = (2, spki_sha256(demo.issuer))
    old = (3, spki_sha256(demo.mail))
    serve(bind, [old, issuer], run_job(demo.layout, resolver).policy.policy.policy_id)
    policy_id = run_job(demo.layout, resolver).policy.policy.policy_id
    new = (3, spki_sha256(renew(demo)))

    renewed = run_job(demo.layout, resolver)  # DNS still has the old key only; the issuer record still holds
    assert statuses(renewed, "refresh.tlsa.key-changed") == [Status.FAIL]
    assert statuses(renewed, "refresh.tlsa.dns") == [Status.FAIL]
    assert renewed.exit_code == 1

    serve(bind, [old, new, issuer], policy_id)  # step 1: the new record next to the old one
    both = run_job(demo.layout, resolver)
    dns = next(f for f in both.state.findings if f.id == "refresh.tlsa.dns")
    assert dns.status == Status.FAIL and "previous key" in dns.message and dns.fix.endswith(old[1])
    assert statuses(both, "refresh.tlsa.key-changed") == [Status.FAIL]

    serve(bind, [new, issuer], policy_id)  # step 3: the old one removed
    done = run_job(demo.layout, resolver)
    assert done.exit_code == 0, done.state.findings
    assert done.state.superseded == () and statuses(done, "refresh.tlsa.key-changed") == []


def test_an_old_policy_id_in_dns_is_reported(demo, bind, resolver):
    current = run_job(demo.layout, resolver).state.records
    serve(bind, [(r.usage, r.data) for r in current], "20200103163700")
    outcome = run_job(demo.layout, resolver)
    finding = next(f for f in outcome.state.findings if f.id == "refresh.mta-sts.dns")
    assert finding.status == Status.FAIL and "announces 20200103163700" in finding.message
    assert outcome.exit_code == 1
