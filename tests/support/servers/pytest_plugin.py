"""The pytest face of the test servers: fixtures, and server logs in the report of a failing test.

`tests/integration/conftest.py` imports these names. A missing server program fails the test with the
package to install; outside CI (`CI=true`) it skips instead, saying which program is missing.
"""

import os
from pathlib import Path
from typing import Dict, Iterator

import pytest

from tests.support.pki import CertificateAuthority
from tests.support.servers.loopback import LoopbackPool
from tests.support.servers.process import Daemon, MissingProgram, running_daemons
from tests.support.servers.stack import ServerStack

_log_sizes = pytest.StashKey[Dict[Daemon, Dict[Path, int]]]()


@pytest.fixture(scope="session")
def loopback() -> Iterator[LoopbackPool]:
    """Loopback addresses claimed for this session, unique among all test runs on the machine."""
    with LoopbackPool() as pool:
        yield pool


@pytest.fixture(scope="module")
def servers(loopback: LoopbackPool) -> Iterator[ServerStack]:
    """Starts servers on fresh loopback addresses for a test module and stops them after it."""
    with ServerStack(loopback) as stack:
        yield stack


@pytest.fixture(scope="session")
def server_ca() -> CertificateAuthority:
    """The CA that issues the test servers' certificates."""
    return CertificateAuthority.create()


@pytest.fixture(scope="session")
def server_ca_bundle(server_ca: CertificateAuthority, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file that makes a client trust `server_ca` (`verify=`, `cafile=`, mailsec's `--ca-bundle`)."""
    return server_ca.write_bundle(tmp_path_factory.mktemp("server-ca") / "ca.pem")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Note how long each server's logs are, so that a failure shows only what the test made them say."""
    item.stash[_log_sizes] = {daemon: daemon.log_sizes() for daemon in running_daemons()}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    missing = call.excinfo is not None and call.excinfo.errisinstance(MissingProgram)
    if missing and os.environ.get("CI") != "true":
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1], f"Skipped: {call.excinfo.value}")
    elif report.failed:
        before = item.stash.get(_log_sizes, {})
        for daemon in sorted(running_daemons(), key=lambda daemon: daemon.name):
            report.sections.append((f"{daemon.name} log", daemon.logs_since(before.get(daemon, {}))))
