"""The `mailsec` entry point: help on every command, global options, exit codes."""

from pathlib import Path

import pytest

from mailsec import __version__
from tests.support.cli import mailsec
from tests.support.demo_nas import DemoNas

COMMANDS = [[], ["tlsa"], ["policy"], ["policy", "render"], ["policy", "check"], ["policy", "match"],
            ["policy", "write"], ["configure"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda words: " ".join(words) or "mailsec")
def test_help_on_every_command_exits_0(command) -> None:
    run = mailsec(*command, "--help")

    assert run.code == 0
    assert run.stdout.startswith("usage: mailsec")
    assert "--root" in run.stdout


def test_version_is_printed() -> None:
    assert mailsec("--version").stdout.strip() == f"mailsec {__version__}"


def test_no_command_is_a_usage_error() -> None:
    run = mailsec()

    assert run.code == 2
    assert "usage: mailsec" in run.stderr


def test_mailsec_root_environment_variable_points_at_the_nas(demo_nas: DemoNas) -> None:
    run = mailsec("tlsa", env={"MAILSEC_ROOT": str(demo_nas.layout.root)})

    assert run.code == 0
    assert str(demo_nas.layout.certificate_archive) in run.stdout


def test_root_option_overrides_mailsec_root(demo_nas: DemoNas, tmp_path: Path) -> None:
    run = mailsec("tlsa", "--root", str(demo_nas.layout.root), env={"MAILSEC_ROOT": str(tmp_path)})

    assert run.code == 0
