"""`mailsec refresh` as Task Scheduler runs it: a process, its output and its exit code."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from mailsec.nas import NasLayout
from mailsec.refresh.schedule import refresh_task
from mailsec.settings import update_settings


def mailsec(*arguments, **env):
    return subprocess.run([sys.executable, "-m", "mailsec", *arguments], capture_output=True, text=True,
                          env={**os.environ, "MAILSEC_SYNO_BIN": "/nonexistent", **env}, timeout=120, check=False)


def test_refresh_reports_unreachable_dns_as_owner_must_act(demo):
    result = mailsec("--root", str(demo.layout.root), "refresh", "--json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["exit_code"] == 1 and document["verdict"] == "the owner must act"
    assert document["policy"]["changed"] is True
    assert document["policy"]["txt"] == f"v=STSv1; id={document['policy']['id']}"
    assert [r["zone_line"].split()[3:6] for r in document["records"]] == [["3", "1", "1"], ["2", "1", "1"]]
    dns = [f for f in document["findings"] if f["id"] == "refresh.tlsa.dns"]
    assert dns[0]["status"] == "error" and "could not confirm" in dns[0]["message"]
    assert "mailsec: notice:" in result.stderr and "Traceback" not in result.stderr


def test_human_output_names_the_verdict_and_each_finding(demo):
    update_settings(demo.layout.state_dir(), lambda s: replace(s, domains=()))  # no DNS to wait for
    result = mailsec("--root", str(demo.layout.root), "refresh")
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert lines[0] == "mailsec refresh: the owner must act (exit 1)"
    assert lines[1].startswith("[FAIL] settings: no mail domain is configured yet")
    assert lines[2].startswith("    fix: Enter the mail domain")
    assert lines[3].startswith("[PASS] certificate: Mp7Q2a (ECDSA P-256, CN=mail.example.nl")


def test_show_task_prints_the_task_to_create(tmp_path):
    result = mailsec("--root", str(tmp_path), "refresh", "--show-task")
    assert result.returncode == 0
    assert "User: root" in result.stdout
    assert "/var/packages/mailsec/target/bin/mailsec refresh" in result.stdout
    assert "Boot-up" in result.stdout
    as_json = json.loads(mailsec("refresh", "--show-task", "--json").stdout)
    assert as_json == refresh_task(NasLayout(Path("/"))).to_dict()
