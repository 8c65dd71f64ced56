"""Every NAS path derives from one root; the state folder from --state-dir, SYNOPKG_PKGVAR or the root."""

from pathlib import Path

from mailsec.nas import NasLayout


def test_every_path_is_below_the_root() -> None:
    layout = NasLayout(Path("/srv/nas"))

    assert layout.certificate_index == Path("/srv/nas/usr/syno/etc/certificate/_archive/INFO")
    assert layout.default_certificate_marker == Path("/srv/nas/usr/syno/etc/certificate/_archive/DEFAULT")
    assert layout.certificate_folder("Mp7Q2a") == Path("/srv/nas/usr/syno/etc/certificate/_archive/Mp7Q2a")
    assert layout.web_share == Path("/srv/nas/volume1/web")
    assert layout.state_dir(env={}) == Path("/srv/nas/var/packages/mailsec/var")


def test_root_comes_from_the_option_then_mailsec_root_then_slash() -> None:
    env = {"MAILSEC_ROOT": "/from/env"}

    assert NasLayout.from_environment("/from/option", env).root == Path("/from/option")
    assert NasLayout.from_environment(None, env).root == Path("/from/env")
    assert NasLayout.from_environment(None, {}).root == Path("/")


def test_state_dir_comes_from_the_option_then_synopkg_pkgvar_then_the_package_var() -> None:
    layout = NasLayout(Path("/srv/nas"))
    env = {"SYNOPKG_PKGVAR": "/volume1/@appdata/mailsec"}

    assert layout.state_dir("/custom", env) == Path("/custom")
    assert layout.state_dir(None, env) == Path("/volume1/@appdata/mailsec")
    assert layout.state_dir(None, {"SYNOPKG_PKGVAR": ""}) == Path("/srv/nas/var/packages/mailsec/var")


def test_the_scheduled_job_runs_the_launcher_at_its_path_on_the_nas() -> None:
    assert NasLayout(Path("/srv/nas")).launcher == Path("/var/packages/mailsec/target/bin/mailsec")
