"""refresh against real DNS: BIND 9 on loopback serving example.nl (the fixtures of tests/support/servers).

The zone is rewritten between runs to walk through what an owner does: publish the records refresh asks
for, and after a renewal with a new key, add the new record, wait, remove the old one.
"""

import datetime as dt

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


TTL = 300  # of the test zone's records


def finding(outcome, finding_id):
    return next(f for f in outcome.state.findings if f.id == finding_id)


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
    start = dt.datetime.now(dt.timezone.utc)

    renewed = run_job(demo.layout, resolver, now=start)  # DNS has the old key only; the issuer record still holds
    steps = finding(renewed, "refresh.tlsa.key-changed")
    assert steps.status == Status.FAIL and steps.fix.index("1. Now: add") < steps.fix.index(new[1])
    assert steps.fix.index("2. Not before") < steps.fix.index(old[1])
    assert finding(renewed, "refresh.tlsa.dns").status == Status.FAIL
    assert renewed.exit_code == 1

    serve(bind, [old, new, issuer], policy_id)  # step 1: the new record next to the old one
    both = run_job(demo.layout, resolver, now=start)
    waiting = finding(both, "refresh.tlsa.key-changed")
    safe = (start + dt.timedelta(seconds=2 * TTL)).strftime("%Y-%m-%d %H:%M UTC")
    assert f"the old ones stay until {safe}" in waiting.message
    assert waiting.fix.startswith(f"1. Not before {safe}: remove from the zone:") and new[1] not in waiting.fix
    assert finding(both, "refresh.tlsa.dns").status == Status.PASS  # the old record is kept on purpose

    serve(bind, [new, issuer], policy_id)  # step 2: the old one removed
    done = run_job(demo.layout, resolver, now=start + dt.timedelta(seconds=2 * TTL))
    assert done.exit_code == 0, done.state.findings
    assert statuses(done, "refresh.tlsa.key-changed") == [] and statuses(done, "refresh.tlsa.rollover") == [Status.PASS]


def test_an_old_policy_id_in_dns_is_reported(demo, bind, resolver):
    current = run_job(demo.layout, resolver).state.records
    serve(bind, [(r.usage, r.data) for r in current], "20200103163700")
    outcome = run_job(demo.layout, resolver)
    finding = next(f for f in outcome.state.findings if f.id == "refresh.mta-sts.dns")
    assert finding.status == Status.FAIL and "announces 20200103163700" in finding.message
    assert outcome.exit_code == 1
