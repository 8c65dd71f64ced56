"""Fixtures for the desktop app: a fresh copy of the demo NAS per test, the app on it, and stand-ins for
the visitor and for the audit and refresh results the pages read."""

import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from mailsec import clock
from mailsec.cli.common import Context
from mailsec.findings import Finding, Status
from mailsec.nas import NasLayout
from mailsec.web.app import create_app
from mailsec.web.auth import Visitor
from mailsec.web.config import WebConfig
from mailsec.web.sources import Sources
from tests.support.demo_nas import DOMAIN, MAIL_HOST, build_demo_nas

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class RecordedAudit:
    domain: str
    started: datetime
    findings: Tuple[Finding, ...]


@dataclass(frozen=True)
class RecordedRefresh:
    finished: datetime
    exit_status: int
    records: Tuple[str, ...] = ()
    messages: Tuple[str, ...] = ()


@dataclass
class FakeSources:
    """What the audit, the refresh job and the rollover would have saved; tests set it."""

    audits: Dict[str, RecordedAudit] = field(default_factory=dict)
    refresh: Optional[RecordedRefresh] = None
    rollover: Optional[List[str]] = None
    audit_available: bool = False
    next_audit: Optional[RecordedAudit] = None
    audits_run: List[str] = field(default_factory=list)

    def run_audit(self, domain: str) -> RecordedAudit:
        self.audits_run.append(domain)
        self.audits[domain] = self.next_audit or RecordedAudit(domain, clock.now(), ())
        return self.audits[domain]

    def sources(self) -> Sources:
        return Sources(
            last_audit=self.audits.get,
            run_audit=self.run_audit if self.audit_available else None,
            last_refresh=lambda: self.refresh,
            rollover_steps=lambda: self.rollover,
        )


class StubLogin:
    """A visitor decided by the test instead of by DSM."""

    def __init__(self, visitor: Optional[Visitor]) -> None:
        self.current = visitor

    def visitor(self, environ) -> Optional[Visitor]:
        return self.current


def passing_guard_audit(started: datetime, host: str = MAIL_HOST) -> RecordedAudit:
    """An audit whose MTA-STS coverage and certificate checks all passed."""
    return RecordedAudit(DOMAIN, started, (
        Finding("mta-sts.mx-coverage", Status.PASS, host, "matched by mx: " + host),
        Finding("mta-sts.mx-certificate", Status.PASS, f"{host} (192.0.2.25)", "the certificate is valid"),
    ))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "nas"
    build_demo_nas(root)
    return root


@pytest.fixture
def nas(demo_template: Path, tmp_path: Path) -> NasLayout:
    root = tmp_path / "nas"
    shutil.copytree(str(demo_template), str(root), symlinks=True)
    return NasLayout(root)


@pytest.fixture
def context(nas: NasLayout) -> Context:
    return Context(nas, nas.state_dir(env={}))


@pytest.fixture
def fake() -> FakeSources:
    return FakeSources()


@pytest.fixture
def login() -> StubLogin:
    return StubLogin(Visitor("owner", True))


@pytest.fixture
def make_app(context: Context, fake: FakeSources, login: StubLogin):
    """Builds the app as it is now set up; for tests that change `fake` before the app reads it."""

    def make():
        application = create_app(WebConfig(context, login, fake.sources(), "en"))
        application.testing = True
        return application

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path: str = "/settings") -> str:
    match = CSRF_FIELD.search(client.get(path).get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match.group(1)


def post(client, path: str, data: Dict[str, str], **kwargs):
    """POST a form the way the app's pages do, with the session's CSRF token."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client)}, **kwargs)


def page_text(response) -> str:
    return response.get_data(as_text=True)
