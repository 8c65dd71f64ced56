"""TLSA records computed by mailsec equal what openssl computes for the same certificate file."""

from pathlib import Path
from typing import Dict

import pytest

from mailsec.certs import load_chain_file
from mailsec.tlsa import (
    MatchingType,
    Selector,
    TlsaRecord,
    Usage,
    dane_ee_record,
    default_records,
    record_for,
    spki_sha256,
    tlsa_owner,
)
from tests.conftest import MAIL_HOST
from tests.support import openssl
from tests.support.pki import KEY_KINDS, Issued

COMBINATIONS = [(3, 1, 1), (3, 0, 1), (3, 1, 2), (3, 0, 2), (3, 1, 0), (2, 1, 1), (2, 0, 1), (2, 1, 2)]
HEX_LENGTH = {0: None, 1: 64, 2: 128}


def _record(cert_file: Path, usage: int, selector: int, mtype: int) -> TlsaRecord:
    chain = load_chain_file(cert_file)
    cert = chain.leaf if usage == Usage.DANE_EE else chain.issuer
    return record_for(cert, MAIL_HOST, 25, Usage(usage), Selector(selector), MatchingType(mtype))


@pytest.mark.parametrize("kind", KEY_KINDS)
@pytest.mark.parametrize(("usage", "selector", "mtype"), COMBINATIONS)
def test_association_data_equals_openssl(
    kind: str, usage: int, selector: int, mtype: int, leaves: Dict[str, Issued], issuer: Issued, cert_file
) -> None:
    chain_file = cert_file(leaves[kind], issuer, name="fullchain.pem")
    oracle_file = cert_file(leaves[kind] if usage == 3 else issuer, name="oracle.pem")

    record = _record(chain_file, usage, selector, mtype)

    assert (record.usage, record.selector, record.mtype) == (usage, selector, mtype)
    assert record.data == openssl.tlsa_data(oracle_file, selector, mtype)
    if HEX_LENGTH[mtype]:
        assert len(record.data) == HEX_LENGTH[mtype]


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_der_certificate_gives_the_same_records_as_openssl(
    kind: str, leaves: Dict[str, Issued], cert_file
) -> None:
    der_file = cert_file(leaves[kind], name="cert.der", der=True)

    for selector in (0, 1):
        record = _record(der_file, 3, selector, 1)
        assert record.data == openssl.tlsa_data(der_file, selector, 1, der_input=True)


def test_seed_pipeline_equals_dane_ee_spki_sha256_for_rsa(leaves: Dict[str, Issued], cert_file) -> None:
    path = cert_file(leaves["rsa2048"])

    seed = openssl.seed_pipeline(path)

    assert seed.returncode == 0, seed.stderr
    assert seed.stdout.split()[0].decode("ascii") == _record(path, 3, 1, 1).data


@pytest.mark.parametrize("kind", ["p256", "p384"])
def test_seed_pipeline_fails_for_ecdsa_keys(kind: str, leaves: Dict[str, Issued], cert_file) -> None:
    path = cert_file(leaves[kind])

    assert openssl.seed_pipeline(path).returncode != 0
    assert _record(path, 3, 1, 1).data == openssl.tlsa_data(path, 1, 1)


def test_data_is_lower_case_hex(leaves: Dict[str, Issued]) -> None:
    record = record_for(leaves["p256"].cert, MAIL_HOST, 25, Usage.DANE_EE, Selector.SPKI, MatchingType.SHA256)

    assert record.data == record.data.lower()
    int(record.data, 16)


@pytest.mark.parametrize(
    ("host", "port", "owner"),
    [
        ("mail.example.nl", 25, "_25._tcp.mail.example.nl."),
        ("Mail.Example.NL.", 25, "_25._tcp.mail.example.nl."),
        ("smtp.example.nl", 465, "_465._tcp.smtp.example.nl."),
    ],
)
def test_owner_name_sits_below_the_mx_host(host: str, port: int, owner: str) -> None:
    assert tlsa_owner(host, port) == owner


def test_zone_line_is_owner_class_type_and_rdata() -> None:
    record = TlsaRecord("_25._tcp.mail.example.nl.", 3, 1, 1, "ab" * 32)

    assert record.rdata == "3 1 1 " + "ab" * 32
    assert record.zone_line() == "_25._tcp.mail.example.nl. IN TLSA 3 1 1 " + "ab" * 32


def test_default_records_are_dane_ee_per_host_and_port_plus_issuer(
    leaves: Dict[str, Issued], issuer: Issued, cert_file
) -> None:
    chain_file = cert_file(leaves["p256"], issuer, name="fullchain.pem")

    records = default_records(load_chain_file(chain_file), ["mail.example.nl", "mx2.example.nl"], [25, 465])

    assert [(r.name, r.usage, r.selector, r.mtype) for r in records] == [
        ("_25._tcp.mail.example.nl.", 3, 1, 1), ("_25._tcp.mail.example.nl.", 2, 1, 1),
        ("_465._tcp.mail.example.nl.", 3, 1, 1), ("_465._tcp.mail.example.nl.", 2, 1, 1),
        ("_25._tcp.mx2.example.nl.", 3, 1, 1), ("_25._tcp.mx2.example.nl.", 2, 1, 1),
        ("_465._tcp.mx2.example.nl.", 3, 1, 1), ("_465._tcp.mx2.example.nl.", 2, 1, 1),
    ]
    assert records[1].data == openssl.tlsa_data(cert_file(issuer, name="issuer.pem"), 1, 1)


def test_default_records_without_issuer_are_only_dane_ee(leaves: Dict[str, Issued], cert_file) -> None:
    path = cert_file(leaves["ed25519"])

    records = default_records(load_chain_file(path), [MAIL_HOST], [25])

    assert [r.rdata for r in records] == [f"3 1 1 {openssl.tlsa_data(path, 1, 1)}"]



def test_the_key_digest_and_the_dane_ee_record_agree_with_the_3_1_1_computation(leaves: Dict[str, Issued]) -> None:
    cert = leaves["p256"].cert
    record = dane_ee_record(cert, "Mail.Example.NL.")
    assert record == record_for(cert, "mail.example.nl", 25, Usage.DANE_EE, Selector.SPKI, MatchingType.SHA256)
    assert spki_sha256(cert) == record.data
    assert spki_sha256(cert) != spki_sha256(leaves["rsa2048"].cert)
