"""What refresh tells the owner through DSM: only news, as i18n keys DSM can translate, else on stderr."""

import configparser
from pathlib import Path

import pytest

from mailsec.notify import DsmNotifier, Notice
from mailsec.refresh.alert import URGENCY
from tests.refresh.conftest import renew, run_job

ROOT = Path(__file__).resolve().parents[2]


def calls(record: Path):
    return record.read_text().splitlines() if record.exists() else []


def test_first_run_notifies_and_logs_with_i18n_keys(demo, resolver, standins):
    tools, record = standins
    (demo.layout.package_home / "INFO").write_text('package="mailsec"\ndsmappname="SYNO.SDS.mailsec"\n')
    run_job(demo.layout, resolver, DsmNotifier(demo.layout, tools=str(tools)))
    log, desktop = calls(record)
    assert log.startswith("synologset1 sys warn 0x11100000 mailsec: refresh: the owner must act: mail.example.nl")
    assert desktop == ("synodsmnotify -c SYNO.SDS.mailsec @administrators mailsec:notify:title "
                       "mailsec:notify:dns_unconfirmed")


def test_a_run_with_nothing_new_stays_quiet_and_a_new_key_is_told(demo, resolver, standins):
    tools, record = standins
    notifier = DsmNotifier(demo.layout, tools=str(tools))
    run_job(demo.layout, resolver, notifier)
    told = len(calls(record))
    run_job(demo.layout, resolver, notifier)
    assert len(calls(record)) == told
    renew(demo)
    run_job(demo.layout, resolver, notifier)
    assert calls(record)[-1].endswith("mailsec:notify:tlsa_key_changed")


def test_without_dsm_tools_the_notice_goes_to_stderr(demo, resolver, capsys):
    run_job(demo.layout, resolver, DsmNotifier(demo.layout, tools=str(demo.layout.root / "no-such-folder")))
    assert "mailsec: notice: refresh: the owner must act" in capsys.readouterr().err


def test_a_failing_tool_falls_back_to_stderr(tmp_path, demo, capsys):
    failing = tmp_path / "failing-syno-bin"
    failing.mkdir()
    (failing / "synologset1").write_text("#!/bin/sh\n# stand-in for a broken synologset1\nexit 1\n")
    (failing / "synologset1").chmod(0o755)
    DsmNotifier(demo.layout, tools=str(failing)).send(Notice("err", "refresh: it broke"))
    assert capsys.readouterr().err == "mailsec: notice: refresh: it broke\n"


@pytest.mark.parametrize("language", ["enu", "nld"])
def test_every_notification_key_has_a_string(language):
    strings = configparser.ConfigParser(interpolation=None)
    strings.read(str(ROOT / "ui" / "texts" / language / "strings"), encoding="utf-8")
    keys = {"title", *(key for _, _, key in URGENCY)}
    assert keys <= set(strings.options("notify"))
