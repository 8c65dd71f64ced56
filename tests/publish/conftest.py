"""BIND 9 on loopback for the publishers' tests (see `tests.support.servers`)."""

from tests.support.servers.pytest_plugin import (  # noqa: F401 (fixtures and hooks)
    loopback,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    servers,
)
