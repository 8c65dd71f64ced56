"""`mailsec configure`: settings saved atomically in the state folder, invalid input refused clearly."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from mailsec.settings import SETTINGS_FILE
from tests.support.cli import assert_cannot_run, mailsec

CONFIGURE = ("configure", "--domain", "example.nl", "--mx", "mail.example.nl")


def saved(state_dir: Path) -> Dict:
    return json.loads((state_dir / SETTINGS_FILE).read_text(encoding="utf-8"))


def test_settings_go_to_the_package_var_folder_under_the_root(tmp_path: Path) -> None:
    run = mailsec("--root", str(tmp_path), *CONFIGURE)

    state_dir = tmp_path / "var" / "packages" / "mailsec" / "var"
    assert run.code == 0
    assert f"Saved settings for example.nl in {state_dir}" in run.stdout
    assert saved(state_dir)["domains"] == [
        {"domain": "example.nl", "mx": ["mail.example.nl"], "mode": "testing", "max_age": 86400, "dkim_selectors": [],
         "tls_rpt": []},
    ]


def test_state_dir_option_is_honoured_before_and_after_the_command(tmp_path: Path) -> None:
    mailsec("--state-dir", str(tmp_path / "before"), *CONFIGURE)
    mailsec(*CONFIGURE, "--state-dir", str(tmp_path / "after"))

    assert saved(tmp_path / "before")["domains"][0]["domain"] == "example.nl"
    assert saved(tmp_path / "after")["domains"][0]["domain"] == "example.nl"


def test_root_option_is_honoured_after_the_command(tmp_path: Path) -> None:
    mailsec(*CONFIGURE, "--root", str(tmp_path))

    assert (tmp_path / "var" / "packages" / "mailsec" / "var" / SETTINGS_FILE).exists()


def test_synopkg_pkgvar_is_the_state_dir_unless_the_option_is_given(tmp_path: Path) -> None:
    env = {"SYNOPKG_PKGVAR": str(tmp_path / "pkgvar")}

    mailsec("--root", str(tmp_path / "root"), *CONFIGURE, env=env)
    mailsec("--state-dir", str(tmp_path / "option"), *CONFIGURE, env=env)

    assert (tmp_path / "pkgvar" / SETTINGS_FILE).exists()
    assert (tmp_path / "option" / SETTINGS_FILE).exists()
    assert not (tmp_path / "root").exists()


def test_every_setting_is_stored_normalised(tmp_path: Path) -> None:
    run = mailsec("--state-dir", str(tmp_path), "configure", "--domain", "Example.NL.", "--mx", "MAIL.example.nl",
                  "mx2.example.nl", "--mode", "enforce", "--max-age", "604800", "--dkim-selector", "ds218-bpe",
                  "--web-root", "/volume2/web", "--nameserver", "192.0.2.53", "[2001:db8::53]:5353")

    document = saved(tmp_path)
    assert run.code == 0
    assert document["domains"] == [{"domain": "example.nl", "mx": ["mail.example.nl", "mx2.example.nl"],
                                    "mode": "enforce", "max_age": 604800, "dkim_selectors": ["ds218-bpe"],
                                    "tls_rpt": []}]
    assert document["web_root"] == "/volume2/web"
    assert document["nameservers"] == ["192.0.2.53", "[2001:db8::53]:5353"]


def test_a_later_run_changes_only_what_it_names(tmp_path: Path) -> None:
    mailsec("--state-dir", str(tmp_path), *CONFIGURE, "--mode", "testing")

    mailsec("--state-dir", str(tmp_path), "configure", "--domain", "example.nl", "--mode", "enforce")

    assert saved(tmp_path)["domains"][0]["mx"] == ["mail.example.nl"]
    assert saved(tmp_path)["domains"][0]["mode"] == "enforce"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--domain", "example", "--mx", "mail.example.nl"], "domain: 'example' is not a fully qualified"),
        (["--domain", "example.nl", "--mx", "192.0.2.25"], "MX host: '192.0.2.25' is an IP address"),
        (["--domain", "example.nl", "--mx", "mail_1.example.nl"], "underscore"),
        (["--domain", "example.nl", "--mx", "mail.example.nl", "--max-age", "31557601"], "max_age"),
        (["--domain", "example.nl", "--mx", "mail.example.nl", "--nameserver", "ns1.example.nl"],
         "invalid name server"),
        (["--domain", "example.nl"], "give its MX hosts with --mx"),
    ],
)
def test_invalid_input_exits_2_and_saves_nothing(tmp_path: Path, args, says: str) -> None:
    run = mailsec("--state-dir", str(tmp_path), "configure", *args)

    assert_cannot_run(run, says)
    assert not (tmp_path / SETTINGS_FILE).exists()


@pytest.mark.parametrize("value", ["abc", "1.5"])
def test_max_age_that_is_not_a_number_is_a_usage_error(tmp_path: Path, value: str) -> None:
    run = mailsec("--state-dir", str(tmp_path), *CONFIGURE, "--max-age", value)

    assert run.code == 2
    assert "--max-age: invalid int value" in run.stderr


def test_corrupt_settings_file_is_a_clear_error_and_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text('{"format": 1, "domains": [', encoding="utf-8")

    run = mailsec("--state-dir", str(tmp_path), *CONFIGURE)

    assert_cannot_run(run, str(tmp_path / SETTINGS_FILE), "corrupt")
    assert (tmp_path / SETTINGS_FILE).read_text(encoding="utf-8") == '{"format": 1, "domains": ['


def test_concurrent_runs_lose_no_update(tmp_path: Path) -> None:
    domains = [f"d{number}.example.nl" for number in range(12)]
    runs = [
        subprocess.Popen([sys.executable, "-m", "mailsec", "--state-dir", str(tmp_path), "configure",
                          "--domain", domain, "--mx", f"mail.{domain}"], stdout=subprocess.DEVNULL)
        for domain in domains
    ]

    assert [run.wait() for run in runs] == [0] * len(domains)
    assert sorted(entry["domain"] for entry in saved(tmp_path)["domains"]) == sorted(domains)
