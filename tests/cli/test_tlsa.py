"""`mailsec tlsa`: records for the MailPlus certificate or a given file, checked against openssl."""

import datetime as dt
import json
import os
from pathlib import Path
from typing import Callable, Dict

import pytest

from tests.conftest import MAIL_HOST
from tests.support import openssl, store_damage
from tests.support.cli import WITHOUT_FILE_PRIVILEGES, assert_cannot_run, mailsec
from tests.support.demo_nas import DemoNas
from tests.support.pki import KEY_KINDS, Issued

JSON_CERTIFICATE_KEYS = {"path", "subject", "sans", "not_after", "key"}
JSON_RECORD_KEYS = {"name", "usage", "selector", "mtype", "data", "zone_line"}


def tlsa_json(*args: str) -> Dict:
    run = mailsec("tlsa", "--json", *args)
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)


def rdata(document: Dict) -> list:
    return [(r["name"], r["usage"], r["selector"], r["mtype"], r["data"]) for r in document["records"]]


def test_mailplus_certificate_gives_dane_ee_and_issuer_records(demo_nas: DemoNas) -> None:
    document = tlsa_json("--root", str(demo_nas.layout.root))

    folder = demo_nas.layout.certificate_folder(demo_nas.mail_cert_id)
    assert rdata(document) == [
        ("_25._tcp.mail.example.nl.", 3, 1, 1, openssl.tlsa_data(folder / "cert.pem", 1, 1)),
        ("_25._tcp.mail.example.nl.", 2, 1, 1, openssl.tlsa_data(folder / "chain.pem", 1, 1)),
    ]


def test_json_follows_the_contract(demo_nas: DemoNas) -> None:
    document = tlsa_json("--root", str(demo_nas.layout.root))

    certificate = document["certificate"]
    assert set(certificate) >= JSON_CERTIFICATE_KEYS
    assert certificate["path"] == str(demo_nas.layout.certificate_folder(demo_nas.mail_cert_id) / "fullchain.pem")
    assert certificate["subject"] == f"CN={MAIL_HOST}"
    assert certificate["sans"] == [MAIL_HOST, "mta-sts.example.nl"]
    assert certificate["key"] == "ECDSA P-256"
    expected_end = demo_nas.mail.cert.not_valid_after_utc
    assert dt.datetime.strptime(certificate["not_after"], "%Y-%m-%dT%H:%M:%SZ") == expected_end.replace(tzinfo=None)
    for record in document["records"]:
        assert set(record) >= JSON_RECORD_KEYS
        assert record["data"] == record["data"].lower()
        assert record["zone_line"] == (
            f"{record['name']} IN TLSA {record['usage']} {record['selector']} {record['mtype']} {record['data']}"
        )


def test_human_output_shows_certificate_and_zone_lines(demo_nas: DemoNas) -> None:
    run = mailsec("tlsa", "--root", str(demo_nas.layout.root))

    assert run.code == 0
    assert "ECDSA P-256" in run.stdout
    assert "bound to MailPlus Server" in run.stdout
    folder = demo_nas.layout.certificate_folder(demo_nas.mail_cert_id)
    zone_line = f"_25._tcp.mail.example.nl. IN TLSA 3 1 1 {openssl.tlsa_data(folder / 'cert.pem', 1, 1)}"
    assert zone_line in run.stdout.splitlines()


def test_default_certificate_is_used_and_said_so_without_a_mailplus_binding(demo_nas: DemoNas) -> None:
    store_damage.unbind_mailplus(demo_nas)

    document = tlsa_json("--root", str(demo_nas.layout.root), "--host", "nas.example.nl")

    assert document["certificate"]["sans"] == ["nas.example.nl", "www.example.nl"]
    assert any("DSM's default certificate" in note for note in document["notes"])


@pytest.mark.parametrize("kind", KEY_KINDS)
def test_given_certificate_file_gives_openssl_spki_digest(kind: str, leaves: Dict[str, Issued], cert_file) -> None:
    path = cert_file(leaves[kind])

    document = tlsa_json("--cert", str(path), "--host", MAIL_HOST)

    assert rdata(document) == [("_25._tcp.mail.example.nl.", 3, 1, 1, openssl.tlsa_data(path, 1, 1))]


def test_der_certificate_file_is_accepted(leaves: Dict[str, Issued], cert_file) -> None:
    path = cert_file(leaves["p384"], name="cert.der", der=True)

    document = tlsa_json("--cert", str(path), "--host", MAIL_HOST)

    assert document["records"][0]["data"] == openssl.tlsa_data(path, 1, 1, der_input=True)


def test_reversed_chain_gives_the_same_records_as_leaf_first(
    leaves: Dict[str, Issued], issuer: Issued, root_ca: Issued, cert_file
) -> None:
    leaf_first = cert_file(leaves["rsa2048"], issuer, root_ca, name="leaf-first.pem")
    reversed_chain = cert_file(root_ca, issuer, leaves["rsa2048"], name="reversed.pem")

    first = tlsa_json("--cert", str(leaf_first), "--host", MAIL_HOST)
    second = tlsa_json("--cert", str(reversed_chain), "--host", MAIL_HOST)

    assert rdata(first) == rdata(second)
    assert [r["usage"] for r in first["records"]] == [3, 2]
    assert first["records"][0]["data"] == openssl.tlsa_data(leaf_first, 1, 1)


def test_records_for_every_host_and_port(leaves: Dict[str, Issued], cert_file) -> None:
    path = cert_file(leaves["p256"])

    document = tlsa_json("--cert", str(path), "--host", MAIL_HOST, "MX2.example.nl.", "--port", "25", "465")

    assert [r["name"] for r in document["records"]] == [
        "_25._tcp.mail.example.nl.", "_465._tcp.mail.example.nl.",
        "_25._tcp.mx2.example.nl.", "_465._tcp.mx2.example.nl.",
    ]


def test_seed_pipeline_equals_our_record_for_an_rsa_mailplus_certificate(rsa_demo_nas: DemoNas) -> None:
    cert_file = rsa_demo_nas.layout.certificate_folder(rsa_demo_nas.mail_cert_id) / "cert.pem"
    seed = openssl.seed_pipeline(cert_file)

    document = tlsa_json("--root", str(rsa_demo_nas.layout.root))

    assert seed.returncode == 0, seed.stderr
    assert document["certificate"]["key"] == "RSA 2048"
    assert document["records"][0]["data"] == seed.stdout.split()[0].decode("ascii")


def test_ecdsa_key_the_seed_pipeline_cannot_handle_gets_its_record(demo_nas: DemoNas) -> None:
    cert_file = demo_nas.layout.certificate_folder(demo_nas.mail_cert_id) / "cert.pem"

    document = tlsa_json("--cert", str(cert_file), "--host", MAIL_HOST)

    assert openssl.seed_pipeline(cert_file).returncode != 0
    assert document["records"][0]["data"] == openssl.tlsa_data(cert_file, 1, 1)


def test_without_configured_hosts_the_certificate_names_are_used_with_a_note(
    issue_leaf: Callable, cert_file, tmp_path: Path
) -> None:
    path = cert_file(issue_leaf([MAIL_HOST, "*.example.nl"]))

    document = tlsa_json("--cert", str(path), "--state-dir", str(tmp_path / "state"))

    assert [r["name"] for r in document["records"]] == ["_25._tcp.mail.example.nl."]
    assert any("--host" in note for note in document["notes"])


def test_host_not_covered_by_the_certificate_is_warned(demo_nas: DemoNas) -> None:
    run = mailsec("tlsa", "--root", str(demo_nas.layout.root), "--host", "example.nl")

    assert run.code == 0
    assert "mailsec: warning: example.nl is not among the certificate's names" in run.stderr


def _days_before_expiry(leaf: Issued, days: float) -> str:
    return str((leaf.cert.not_valid_after_utc - dt.timedelta(days=days)).timestamp())


@pytest.mark.parametrize(("days", "warned"), [(20.5, True), (21.5, False), (-1, True)])
def test_expiry_within_21_days_is_warned(demo_nas: DemoNas, days: float, warned: bool) -> None:
    now = _days_before_expiry(demo_nas.mail, days)

    run = mailsec("tlsa", "--root", str(demo_nas.layout.root), env={"MAILSEC_NOW": now})

    assert run.code == 0
    assert ("expire" in run.stderr) is warned, run.stderr


def test_invalid_mailsec_now_is_a_clear_error(demo_nas: DemoNas) -> None:
    run = mailsec("tlsa", "--root", str(demo_nas.layout.root), env={"MAILSEC_NOW": "yesterday"})

    assert_cannot_run(run, "MAILSEC_NOW")


@pytest.mark.parametrize("content", [b"", b"no certificate here\n"], ids=["empty", "junk"])
def test_file_without_a_certificate_exits_2_naming_it(content: bytes, tmp_path: Path) -> None:
    cert_file = tmp_path / "cert.pem"
    cert_file.write_bytes(content)

    assert_cannot_run(mailsec("tlsa", "--cert", str(cert_file), "--host", MAIL_HOST), str(cert_file))


@pytest.mark.parametrize("damage", store_damage.DAMAGE.values(), ids=list(store_damage.DAMAGE))
def test_broken_certificate_store_exits_2_with_one_line_naming_the_file(demo_nas: DemoNas, damage: Callable) -> None:
    named = damage(demo_nas)

    assert_cannot_run(mailsec("tlsa", "--root", str(demo_nas.layout.root)), str(named))


@pytest.mark.parametrize("locked", ["archive", "INFO", "cert.pem"])
def test_unreadable_certificate_store_says_to_run_as_root(demo_nas: DemoNas, locked: str) -> None:
    paths = {
        "archive": demo_nas.layout.certificate_archive,
        "INFO": demo_nas.layout.certificate_index,
        "cert.pem": demo_nas.layout.certificate_folder(demo_nas.mail_cert_id) / "cert.pem",
    }
    os.chmod(str(paths[locked]), 0)

    run = mailsec("tlsa", "--root", str(demo_nas.layout.root), "--host", MAIL_HOST, prefix=WITHOUT_FILE_PRIVILEGES)

    line = assert_cannot_run(run, "permission denied", "root", "Task Scheduler")
    assert str(demo_nas.layout.certificate_archive) in line


@pytest.mark.parametrize(
    ("args", "says"),
    [(["--host", "mail_1.example.nl"], "underscore"), (["--host", "192.0.2.25"], "IP address"),
     (["--port", "0"], "--port 0")],
)
def test_invalid_host_or_port_exits_2(demo_nas: DemoNas, args, says: str) -> None:
    assert_cannot_run(mailsec("tlsa", "--root", str(demo_nas.layout.root), *args), says)
