"""Shared fixtures: one test CA per session, one cached key per key type, and demo NAS trees.

Key generation (RSA above all) is the slow part of the suite, so keys and the demo NAS are made once
per session; each test gets its own copy of the NAS tree to change at will.
"""

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Callable, Dict

import pytest
from hypothesis import settings

from mailsec.nas import NasLayout
from tests.support.demo_nas import DemoNas, build_demo_nas
from tests.support.pki import (
    KEY_KINDS,
    Issued,
    PrivateKey,
    chain_pem,
    make_intermediate,
    make_key,
    make_leaf,
    make_root_ca,
)

MAIL_HOST = "mail.example.nl"

# Property tests check logic, not speed: a slow first example on a busy CI machine is no failure.
settings.register_profile("mailsec", deadline=None, max_examples=60)
settings.load_profile("mailsec")


@pytest.fixture(scope="session")
def root_ca() -> Issued:
    return make_root_ca()


@pytest.fixture(scope="session")
def issuer(root_ca: Issued) -> Issued:
    return make_intermediate(root_ca)


@pytest.fixture(scope="session")
def keys() -> Dict[str, PrivateKey]:
    """One private key per kind (`rsa2048`, `p256`, `p384`, `ed25519`), made once."""
    return {kind: make_key(kind) for kind in KEY_KINDS}


@pytest.fixture(scope="session")
def leaves(issuer: Issued, keys: Dict[str, PrivateKey]) -> Dict[str, Issued]:
    """A server certificate for `mail.example.nl` for every key kind, issued by `issuer`."""
    return {kind: make_leaf(issuer, [MAIL_HOST], key=key) for kind, key in keys.items()}


@pytest.fixture
def issue_leaf(issuer: Issued, keys: Dict[str, PrivateKey]) -> Callable[..., Issued]:
    """Issue a P-256 server certificate with the session key; keyword arguments go to `make_leaf`."""

    def issue(names=(MAIL_HOST,), key_kind: str = "p256", **options) -> Issued:
        return make_leaf(issuer, list(names), key=keys[key_kind], **options)

    return issue


@pytest.fixture
def cert_file(tmp_path: Path) -> Callable[..., Path]:
    """Write certificates into tmp_path/`name`: PEM in the order given, or with `der` the first one in DER."""

    def write(*certificates: Issued, name: str = "cert.pem", der: bool = False) -> Path:
        path = tmp_path / name
        path.write_bytes(certificates[0].cert_der if der else chain_pem(*certificates))
        return path

    return write


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, DemoNas]:
    """Demo NAS trees built once, keyed by the MailPlus certificate's key kind."""
    kinds = ("p256", "rsa2048")
    return {kind: build_demo_nas(tmp_path_factory.mktemp(f"demo-{kind}"), mail_key_kind=kind) for kind in kinds}


def _copy_demo(template: DemoNas, destination: Path) -> DemoNas:
    shutil.copytree(str(template.layout.root), str(destination), symlinks=True)
    return replace(template, layout=NasLayout(destination))


@pytest.fixture
def demo_nas(demo_templates: Dict[str, DemoNas], tmp_path: Path) -> DemoNas:
    """A private copy of the demo NAS (MailPlus certificate with a P-256 key) under tmp_path/nas."""
    return _copy_demo(demo_templates["p256"], tmp_path / "nas")


@pytest.fixture
def rsa_demo_nas(demo_templates: Dict[str, DemoNas], tmp_path: Path) -> DemoNas:
    """A private copy of a demo NAS whose MailPlus certificate has an RSA key."""
    return _copy_demo(demo_templates["rsa2048"], tmp_path / "nas")

