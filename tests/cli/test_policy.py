"""`mailsec policy render|check|match|write`."""

import json
import os
from pathlib import Path
from typing import Dict

import pytest

from mailsec.mtasts.policy import parse_policy
from mailsec.mtasts.publish import policy_file
from tests.support.cli import WITHOUT_FILE_PRIVILEGES, assert_cannot_run, mailsec
from tests.support.demo_nas import DOMAIN, DemoNas

SEED_POLICY = b"version: STSv1\r\nmode: testing\r\nmx: mail.example.nl\r\nmax_age: 86400\r\n"


@pytest.fixture
def seed_policy(tmp_path: Path) -> Path:
    """The seed's policy file: `mx: mail.<domain>`."""
    path = tmp_path / "mta-sts.txt"
    path.write_bytes(SEED_POLICY)
    return path


def check_json(*args: str, stdin: bytes = b"") -> Dict:
    run = mailsec("policy", "check", "--json", *args, stdin=stdin)
    document = json.loads(run.stdout)
    assert run.code == (0 if document["valid"] else 1)
    return document


# --- render -----------------------------------------------------------------------------------------

def test_render_prints_the_policy_with_crlf() -> None:
    run = mailsec("policy", "render", "--mx", "mail.example.nl", "*.example.nl", "--mode", "enforce",
                  "--max-age", "604800")

    assert run.code == 0
    assert run.stdout == (
        "version: STSv1\r\nmode: enforce\r\nmx: mail.example.nl\r\nmx: *.example.nl\r\nmax_age: 604800\r\n"
    )


def test_render_of_mode_none_needs_no_mx() -> None:
    assert mailsec("policy", "render", "--mode", "none", "--max-age", "86400").stdout == (
        "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n"
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [(["--mx", "192.0.2.25"], "IP address"), (["--mx", "mail.example.nl", "--max-age", "31557601"], "max_age"),
     (["--mode", "enforce"], "needs at least one 'mx'")],
)
def test_render_refuses_an_invalid_policy(args, says: str) -> None:
    assert_cannot_run(mailsec("policy", "render", *args), "cannot render this policy", says)


# --- check ------------------------------------------------------------------------------------------

def test_check_of_a_valid_policy_exits_0_with_the_json_contract(seed_policy: Path) -> None:
    document = check_json(str(seed_policy))

    assert document == {
        "valid": True, "errors": [], "warnings": [],
        "policy": {"version": "STSv1", "mode": "testing", "mx": ["mail.example.nl"], "max_age": 86400},
    }


def test_check_of_an_invalid_policy_exits_1_listing_errors_and_warnings() -> None:
    document = check_json("-", stdin=b"Version: STSv1\nmode: enforce\nmax_age: 99999999999\n")

    assert document["valid"] is False
    assert any("'version' is missing" in error for error in document["errors"])
    assert any("line 3: max_age" in error for error in document["errors"])
    assert any("case-sensitive" in warning for warning in document["warnings"])
    assert document["policy"] == {"version": None, "mode": "enforce", "mx": [], "max_age": None}


def test_check_in_words_says_valid_or_invalid(seed_policy: Path) -> None:
    valid = mailsec("policy", "check", str(seed_policy))
    invalid = mailsec("policy", "check", "-", stdin=SEED_POLICY.replace(b"STSv1", b"STSv2"))

    assert (valid.code, valid.stdout.splitlines()[0]) == (0, "The policy is valid.")
    assert invalid.code == 1
    assert "INVALID" in invalid.stdout
    assert "error: line 1: version must be 'STSv1'" in invalid.stdout


def test_check_of_a_missing_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"

    assert_cannot_run(mailsec("policy", "check", str(missing)), str(missing))


# --- match ------------------------------------------------------------------------------------------

def test_seed_policy_does_not_match_the_seed_mx_host(seed_policy: Path) -> None:
    run = mailsec("policy", "match", str(seed_policy), DOMAIN)

    assert run.code == 1
    assert "matches no mx pattern" in run.stdout


@pytest.mark.parametrize("host", ["mail.example.nl", "MAIL.example.nl."])
def test_policy_matches_its_mx_host(seed_policy: Path, host: str) -> None:
    run = mailsec("policy", "match", str(seed_policy), host)

    assert run.code == 0
    assert "matches mx: mail.example.nl" in run.stdout


@pytest.mark.parametrize(("host", "code"), [("mx1.example.nl", 0), ("example.nl", 1), ("a.mx1.example.nl", 1)])
def test_wildcard_policy_matches_one_label_below_the_domain(host: str, code: int) -> None:
    policy = SEED_POLICY.replace(b"mail.example.nl", b"*.example.nl")

    assert mailsec("policy", "match", "-", host, stdin=policy).code == code


def test_match_against_an_invalid_policy_warns_that_senders_ignore_it() -> None:
    run = mailsec("policy", "match", "-", "mail.example.nl", stdin=SEED_POLICY.replace(b"STSv1", b"STSv2"))

    assert "mailsec: warning: the policy is invalid, so senders ignore it" in run.stderr


# --- write ------------------------------------------------------------------------------------------

def test_write_publishes_the_configured_policy_and_prints_its_txt_record(demo_nas: DemoNas) -> None:
    run = mailsec("policy", "write", "--root", str(demo_nas.layout.root))

    path = policy_file(demo_nas.layout.web_share)
    policy = parse_policy(path.read_bytes()).policy
    assert run.code == 0
    assert f"written to {path}" in run.stdout
    assert f'_mta-sts.{DOMAIN}. IN TXT "v=STSv1; id={policy.policy_id}"' in run.stdout


def test_write_json_gives_the_txt_value_whose_id_is_the_policy_id(demo_nas: DemoNas) -> None:
    run = mailsec("--root", str(demo_nas.layout.root), "policy", "write", "--json")

    document = json.loads(run.stdout)
    policy = parse_policy(policy_file(demo_nas.layout.web_share).read_bytes()).policy
    assert document["id"] == policy.policy_id
    assert document["changed"] is True
    assert document["path"] == str(policy_file(demo_nas.layout.web_share))
    assert document["records"] == [
        {"name": f"_mta-sts.{DOMAIN}.", "type": "TXT", "value": f"v=STSv1; id={policy.policy_id}"},
    ]


def test_writing_again_reports_the_policy_unchanged_with_the_same_id(demo_nas: DemoNas) -> None:
    root = str(demo_nas.layout.root)
    first = json.loads(mailsec("policy", "write", "--json", "--root", root).stdout)

    second = json.loads(mailsec("policy", "write", "--json", "--root", root).stdout)

    assert second["changed"] is False
    assert second["id"] == first["id"]


def test_a_changed_setting_gives_a_new_id(demo_nas: DemoNas) -> None:
    root = str(demo_nas.layout.root)
    first = json.loads(mailsec("policy", "write", "--json", "--root", root).stdout)
    mailsec("configure", "--root", root, "--domain", DOMAIN, "--mode", "enforce", "--max-age", "604800")

    second = json.loads(mailsec("policy", "write", "--json", "--root", root).stdout)

    assert second["changed"] is True
    assert second["id"] != first["id"]
    assert "mode: enforce\r\n" in second["policy"]


def test_write_honours_web_root(demo_nas: DemoNas, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()

    run = mailsec("policy", "write", "--root", str(demo_nas.layout.root), "--web-root", str(other))

    assert run.code == 0
    assert policy_file(other).exists()
    assert not policy_file(demo_nas.layout.web_share).exists()


def test_write_into_a_missing_web_root_exits_2(demo_nas: DemoNas, tmp_path: Path) -> None:
    missing = tmp_path / "no-web-station"

    run = mailsec("policy", "write", "--root", str(demo_nas.layout.root), "--web-root", str(missing))

    assert_cannot_run(run, str(missing), "Web Station")


def test_write_without_configured_domain_exits_2(tmp_path: Path) -> None:
    assert_cannot_run(mailsec("policy", "write", "--root", str(tmp_path)), "mailsec configure")


def test_write_into_a_read_only_web_root_exits_2_and_keeps_the_old_policy(demo_nas: DemoNas) -> None:
    root = str(demo_nas.layout.root)
    mailsec("policy", "write", "--root", root)
    path = policy_file(demo_nas.layout.web_share)
    mailsec("configure", "--root", root, "--domain", DOMAIN, "--mode", "enforce", "--max-age", "604800")
    os.chmod(str(path.parent), 0o555)

    run = mailsec("policy", "write", "--root", root, prefix=WITHOUT_FILE_PRIVILEGES)

    assert_cannot_run(run, str(path), "permission denied")
    assert b"mode: testing" in path.read_bytes()
