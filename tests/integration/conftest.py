"""Integration tests run against real servers on loopback; see `tests.support.servers`."""

from tests.support.servers.pytest_plugin import (  # noqa: F401
    loopback,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    server_ca,
    server_ca_bundle,
    servers,
)
