"""`--ca-bundle` of `mailsec check` and `mailsec refresh`: an unreadable file is refused before any work."""

import pytest

from tests.support.cli import mailsec


@pytest.mark.parametrize("command", [["check", "example.nl"], ["refresh", "--dry-run"]])
def test_an_unreadable_ca_bundle_is_a_usage_error_naming_the_file(command, tmp_path) -> None:
    missing = tmp_path / "no-such-bundle.pem"

    run = mailsec("--root", str(tmp_path), *command, "--ca-bundle", str(missing))

    assert run.code == 2
    assert f"cannot read {missing}" in run.stderr
    assert "Traceback" not in run.stderr
