"""Publishing the policy into Web Station's folder: atomic, world-readable, only when valid."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mailsec.errors import MailsecError
from mailsec.mtasts.policy import Mode, StsPolicy, parse_policy
from mailsec.mtasts.publish import policy_file, publish_policy

TESTING = StsPolicy(Mode.TESTING, ("mail.example.nl",), 86400)
ENFORCE = StsPolicy(Mode.ENFORCE, ("mail.example.nl",), 604800)

# Publishes ENFORCE with os.replace swapped for a SIGKILL: the process dies between writing the temporary
# file and renaming it over the policy.
_KILLED_BEFORE_RENAME = """
import os, signal, sys
from pathlib import Path
from mailsec.mtasts.policy import Mode, StsPolicy
from mailsec.mtasts.publish import publish_policy
os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
publish_policy(Path(sys.argv[1]), StsPolicy(Mode.ENFORCE, ("mail.example.nl",), 604800))
"""


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def folder_listing(web_root: Path) -> list:
    return sorted(path.name for path in policy_file(web_root).parent.iterdir())


@pytest.fixture
def web_root(tmp_path: Path) -> Path:
    root = tmp_path / "web"
    root.mkdir()
    return root


@pytest.fixture
def strict_umask():
    """A umask that would make new files private, to show the modes are set, not inherited."""
    previous = os.umask(0o077)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("strict_umask")
def test_first_publish_creates_world_readable_folders_and_file(web_root: Path) -> None:
    published = publish_policy(web_root, TESTING)

    path = web_root / "mta-sts" / ".well-known" / "mta-sts.txt"
    assert published.path == path
    assert published.changed
    assert path.read_bytes() == TESTING.render().encode("ascii")
    assert (mode_of(web_root / "mta-sts"), mode_of(path.parent), mode_of(path)) == (0o755, 0o755, 0o644)


def test_txt_value_carries_the_policy_id(web_root: Path) -> None:
    assert publish_policy(web_root, TESTING).txt_value == f"v=STSv1; id={TESTING.policy_id}"


def test_publishing_the_same_policy_again_changes_nothing(web_root: Path) -> None:
    path = publish_policy(web_root, TESTING).path
    os.utime(str(path), ns=(1_000_000_000, 1_000_000_000))

    again = publish_policy(web_root, TESTING)

    assert not again.changed
    assert path.stat().st_mtime_ns == 1_000_000_000


def test_a_changed_policy_replaces_the_file(web_root: Path) -> None:
    publish_policy(web_root, TESTING)

    published = publish_policy(web_root, ENFORCE)

    assert published.changed
    assert parse_policy(published.path.read_bytes()).policy == ENFORCE
    assert folder_listing(web_root) == ["mta-sts.txt"]


def test_failed_rename_keeps_the_previous_policy_and_leaves_no_temporary_file(
    web_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = publish_policy(web_root, TESTING).path

    def failing_replace(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(MailsecError, match="previous policy file is unchanged"):
        publish_policy(web_root, ENFORCE)

    assert path.read_bytes() == TESTING.render().encode("ascii")
    assert folder_listing(web_root) == ["mta-sts.txt"]


def test_process_killed_before_the_rename_leaves_the_previous_policy_intact(web_root: Path) -> None:
    path = publish_policy(web_root, TESTING).path

    child = subprocess.run([sys.executable, "-c", _KILLED_BEFORE_RENAME, str(web_root)], check=False)

    assert child.returncode == -9
    assert path.read_bytes() == TESTING.render().encode("ascii")
    assert publish_policy(web_root, ENFORCE).changed


@pytest.mark.parametrize(
    "invalid",
    [StsPolicy(Mode.ENFORCE, ("192.0.2.25",), 86400), StsPolicy(Mode.ENFORCE, (), 86400),
     StsPolicy(Mode.TESTING, ("mail.example.nl",), 31557601)],
    ids=["ip-mx", "no-mx", "max-age"],
)
def test_an_invalid_policy_is_never_written(web_root: Path, invalid: StsPolicy) -> None:
    publish_policy(web_root, TESTING)

    with pytest.raises(MailsecError, match="refusing to publish an invalid policy"):
        publish_policy(web_root, invalid)

    assert policy_file(web_root).read_bytes() == TESTING.render().encode("ascii")


def test_missing_web_root_is_a_clear_error_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "volume1" / "web"

    with pytest.raises(MailsecError) as caught:
        publish_policy(missing, TESTING)

    assert str(missing) in str(caught.value)
    assert "--web-root" in str(caught.value)
    assert not missing.exists()
