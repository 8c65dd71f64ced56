"""Loading certificates in any form and order, and describing them."""

import datetime as dt
from pathlib import Path
from typing import Dict

import pytest

from mailsec.certs import (
    CertificateError,
    covers_host,
    key_description,
    load_chain_file,
    order_chain,
    parse_certificates,
    summarize,
)
from tests.conftest import MAIL_HOST
from tests.support.pki import Issued, make_intermediate, make_leaf


@pytest.mark.parametrize(
    ("kind", "description"),
    [("rsa2048", "RSA 2048"), ("p256", "ECDSA P-256"), ("p384", "ECDSA P-384"), ("ed25519", "Ed25519")],
)
def test_key_description_names_algorithm_and_size(kind: str, description: str, leaves: Dict[str, Issued]) -> None:
    assert key_description(leaves[kind].cert) == description


def test_single_pem_certificate_is_the_leaf_without_issuers(leaves: Dict[str, Issued], cert_file) -> None:
    chain = load_chain_file(cert_file(leaves["p256"]))

    assert chain.leaf == leaves["p256"].cert
    assert chain.issuers == ()
    assert chain.issuer is None


def test_single_der_certificate_loads(leaves: Dict[str, Issued], cert_file) -> None:
    path = cert_file(leaves["rsa2048"], name="cert.der", der=True)

    assert load_chain_file(path).leaf == leaves["rsa2048"].cert


@pytest.mark.parametrize("reverse", [False, True], ids=["leaf-first", "root-first"])
def test_chain_is_ordered_leaf_to_root_whatever_the_file_order(
    reverse: bool, leaves: Dict[str, Issued], issuer: Issued, root_ca: Issued, cert_file
) -> None:
    in_order = [leaves["p384"], issuer, root_ca]

    chain = load_chain_file(cert_file(*(reversed(in_order) if reverse else in_order)))

    assert chain.leaf == leaves["p384"].cert
    assert chain.issuers == (issuer.cert, root_ca.cert)
    assert chain.issuer == issuer.cert


def test_chain_in_scrambled_order_finds_the_leaf(
    leaves: Dict[str, Issued], issuer: Issued, root_ca: Issued
) -> None:
    certificates = [issuer.cert, leaves["p256"].cert, root_ca.cert]

    chain = order_chain(certificates, "scrambled.pem")

    assert (chain.leaf, chain.issuers) == (leaves["p256"].cert, (issuer.cert, root_ca.cert))


def test_a_certificate_from_another_ca_is_not_taken_as_issuer(
    leaves: Dict[str, Issued], root_ca: Issued, cert_file
) -> None:
    stranger = make_intermediate(root_ca, "mailsec Test R1")  # same name as the real issuer, other key

    chain = load_chain_file(cert_file(leaves["p256"], stranger))

    assert chain.issuer is None


def test_pem_with_text_around_the_blocks_loads(leaves: Dict[str, Issued], tmp_path: Path) -> None:
    cert_file = tmp_path / "export.pem"
    cert_file.write_bytes(b"Bag Attributes\n    friendlyName: mail\n" + leaves["p256"].cert_pem + b"\ntrailer\n")

    assert load_chain_file(cert_file).leaf == leaves["p256"].cert


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "is empty"),
        (b"   \n", "is empty"),
        (b"this is not a certificate\n", "no readable"),
        (b"\x30\x82\x01\x00garbage", "no readable"),
        (b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n", "no readable"),
    ],
    ids=["empty", "blank", "text", "broken-der", "broken-pem"],
)
def test_file_without_a_certificate_is_a_clear_error(content: bytes, says: str, tmp_path: Path) -> None:
    cert_file = tmp_path / "cert.pem"
    cert_file.write_bytes(content)

    with pytest.raises(CertificateError) as caught:
        load_chain_file(cert_file)

    assert str(cert_file) in str(caught.value)
    assert says in str(caught.value)


def test_pem_holding_only_a_private_key_says_there_is_no_certificate(leaves: Dict[str, Issued]) -> None:
    with pytest.raises(CertificateError, match=r"key\.pem holds no certificate"):
        parse_certificates(leaves["p256"].key_pem, "key.pem")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CertificateError, match="does not exist"):
        load_chain_file(tmp_path / "nowhere.pem")


def test_summary_has_subject_names_expiry_and_key(issue_leaf) -> None:
    not_after = dt.datetime(2031, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    leaf = issue_leaf([MAIL_HOST, "mta-sts.example.nl"], key_kind="p384", not_after=not_after)

    summary = summarize(leaf.cert)

    assert summary.subject == f"CN={MAIL_HOST}"
    assert summary.sans == (MAIL_HOST, "mta-sts.example.nl")
    assert summary.not_after == not_after
    assert summary.key == "ECDSA P-384"
    assert summary.days_left(not_after - dt.timedelta(days=20, hours=1)) == 20


@pytest.mark.parametrize(
    ("names", "host", "covered"),
    [
        ([MAIL_HOST], "mail.example.nl", True),
        ([MAIL_HOST], "MAIL.example.nl.", True),
        ([MAIL_HOST], "example.nl", False),
        (["*.example.nl"], "mail.example.nl", True),
        (["*.example.nl"], "example.nl", False),
        (["*.example.nl"], "a.mail.example.nl", False),
    ],
)
def test_host_is_covered_only_by_a_matching_san(issue_leaf, names, host: str, covered: bool) -> None:
    assert covers_host(issue_leaf(names).cert, host) is covered


def test_common_name_counts_only_without_sans(issuer: Issued, keys) -> None:
    leaf = make_leaf(issuer, ["other.example.nl"], key=keys["p256"], common_name=MAIL_HOST)

    assert not covers_host(leaf.cert, MAIL_HOST)
