"""A demo NAS configured for refresh, a resolver that cannot be reached, and DSM tool stand-ins.

DNS: these tests point refresh at a loopback port where nothing listens, the "could not confirm DNS"
path. `run_job` takes any resolver, so test_dns.py swaps the `resolver` fixture for BIND on loopback.
"""

import datetime as dt
import socket
import stat
from dataclasses import replace

import pytest

from mailsec.cli.common import Context
from mailsec.nameservers import parse_nameserver
from mailsec.nas import NasLayout
from mailsec.notify import DsmNotifier
from mailsec.refresh.job import RefreshInputs, run_refresh
from mailsec.resolver import DnsResolver
from mailsec.settings import load_settings, update_settings
from mailsec.tlsa import MatchingType, Selector, association_data
from tests.support.demo_nas import DOMAIN, MAIL_HOST, build_demo_nas, write_certificate
from tests.support.pki import make_leaf

STANDIN = """#!/bin/sh
# Stand-in for DSM's {tool} in the tests: records its arguments, one call per line.
echo "{tool} $*" >> "{record}"
"""


@pytest.fixture
def unreachable_nameserver() -> str:
    """`127.0.0.1:PORT` of a UDP port that was just free: nothing answers there."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def demo(tmp_path, unreachable_nameserver):
    """A demo NAS whose mailsec settings use the unreachable name server."""
    nas = build_demo_nas(tmp_path / "nas")
    update_settings(nas.layout.state_dir(), lambda s: replace(s, nameservers=(unreachable_nameserver,)))
    return nas


@pytest.fixture
def resolver(unreachable_nameserver):
    """The resolver refresh asks; short timeouts, because nothing answers it."""
    return DnsResolver([parse_nameserver(unreachable_nameserver)], timeout=0.2, lifetime=0.4)


@pytest.fixture
def standins(tmp_path):
    """A folder with stand-ins for synodsmnotify and synologset1, and the file they record calls in."""
    folder = tmp_path / "standin-syno-bin"
    folder.mkdir()
    record = tmp_path / "standin-calls.txt"
    for tool in ("synodsmnotify", "synologset1"):
        path = folder / tool
        path.write_text(STANDIN.format(tool=tool, record=record))
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return folder, record


def run_job(layout: NasLayout, resolver, notifier=None, now=None, web_root=None):
    """One refresh run on `layout`, as the CLI starts it."""
    context = Context(layout, layout.state_dir())
    settings = load_settings(context.state_dir)
    web = context.web_root(web_root, settings.web_root)
    inputs = RefreshInputs(layout, context.state_dir, settings, web, now or dt.datetime.now(dt.timezone.utc))
    return run_refresh(inputs, resolver, notifier or DsmNotifier(layout, tools=str(layout.root / "no-tools")))


def spki_sha256(issued) -> str:
    """The data of the 3 1 1 (or, for a CA, 2 1 1) record of a test certificate."""
    return association_data(issued.cert, Selector.SPKI, MatchingType.SHA256).hex()


def renew(demo, key=None, key_kind="p256", issuer=None, days=120):
    """DSM renewing the MailPlus certificate: a new certificate (with `key`, or a new one) in the same folder."""
    issuer = issuer or demo.issuer
    until = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=days)
    leaf = make_leaf(issuer, [MAIL_HOST, f"mta-sts.{DOMAIN}"], key=key, key_kind=key_kind, not_after=until)
    write_certificate(demo.layout, demo.mail_cert_id, leaf, [issuer])
    return leaf
