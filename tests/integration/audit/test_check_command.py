"""`mailsec check DOMAIN --nameserver ... --json` as a separate process: the JSON contract, the exit codes,
and that no name goes to the system's resolver.

Exit codes (DESIGN.md): 0 nothing failed, 1 something failed, 2 the audit could not run or complete.
"""

import json
import shutil
import socket
import subprocess
from pathlib import Path
from typing import List

import pytest

from mailsec.findings import Status
from tests.integration.audit.lab import AuditLab, dkim_public_key, mail_zone, policy_site, policy_text, spki_sha256
from tests.support.cli import Run, assert_cannot_run, mailsec

pytestmark = pytest.mark.servers

STATUSES = {status.value for status in Status}


@pytest.fixture(scope="module")
def lab(servers, server_ca, server_ca_bundle) -> AuditLab:
    lab = AuditLab(servers, server_ca, server_ca_bundle)
    certificate = server_ca.server_certificate("mail.good.nl")
    mx = lab.smtp_host("mail.good.nl", certificate)
    web = lab.policy_hosts([policy_site(server_ca, "good.nl", policy_text("enforce", "mail.good.nl"))])
    good = mail_zone("good.nl", lab.nameserver, mx, policy_address=web)
    good.tlsa("_25._tcp.mail", 3, 1, 1, spki_sha256(certificate.leaf))
    good.txt("mail2024._domainkey", f"v=DKIM1; k=rsa; p={dkim_public_key('rsa2048')}")
    lab.serve(good, signed=True)
    lab.serve(mail_zone("open.nl", lab.nameserver, mx, spf="v=spf1 +all"), signed=True)
    nowhere = lab.idle_address()
    lab.serve(mail_zone("unreachable.nl", lab.nameserver, nowhere), signed=True)
    lab.reverse.ptr(nowhere, "mail.unreachable.nl.")
    lab.start()
    return lab


def check(lab: AuditLab, tmp_path: Path, domain: str, *extra: str, prefix: List[str] = ()) -> Run:
    """`mailsec check` on an empty NAS root, through the lab's resolver, trusting the test CA."""
    nas = tmp_path / "nas"
    (nas / "var").mkdir(parents=True, exist_ok=True)
    return mailsec("--root", str(nas), "--state-dir", str(nas / "var"), "check", domain,
                   "--nameserver", str(lab.resolver.address), "--ca-bundle", str(lab.ca_bundle), *extra,
                   prefix=prefix)


def test_a_sound_domain_exits_0_with_findings_in_the_json_contract(lab: AuditLab, tmp_path: Path) -> None:
    run = check(lab, tmp_path, "good.nl", "--json", "--dkim-selector", "mail2024")
    document = json.loads(run.stdout)
    assert document["domain"] == "good.nl"
    assert document["findings"], "no findings"
    for finding in document["findings"]:
        assert set(finding) == {"id", "status", "subject", "message", "fix"}
        assert finding["status"] in STATUSES
    statuses = {finding["status"] for finding in document["findings"]}
    assert statuses <= {"pass", "warn", "skip"}, [f for f in document["findings"] if f["status"] not in
                                                  ("pass", "warn", "skip")]
    assert run.code == 0


def test_a_domain_with_a_failing_check_exits_1(lab: AuditLab, tmp_path: Path) -> None:
    run = check(lab, tmp_path, "open.nl", "--json")
    failed = [f["id"] for f in json.loads(run.stdout)["findings"] if f["status"] == "fail"]
    assert failed == ["spf.record"]
    assert run.code == 1


def test_an_audit_that_could_not_complete_exits_2(lab: AuditLab, tmp_path: Path) -> None:
    run = check(lab, tmp_path, "unreachable.nl", "--json")
    findings = json.loads(run.stdout)["findings"]
    assert not [f for f in findings if f["status"] == "fail"]
    assert [f["id"] for f in findings if f["status"] == "error"] == ["smtp.starttls"]
    assert run.code == 2


def test_the_text_report_lists_problems_first_with_their_fixes(lab: AuditLab, tmp_path: Path) -> None:
    run = check(lab, tmp_path, "open.nl")
    lines = run.stdout.splitlines()
    assert lines[0].startswith("Audit of open.nl (")
    assert lines[1].startswith("FAIL   spf.record")
    assert lines[3].startswith("       fix: Publish open.nl. IN TXT")
    assert run.code == 1


def test_a_nameserver_that_is_no_address_cannot_run(lab: AuditLab, tmp_path: Path) -> None:
    assert_cannot_run(check(lab, tmp_path, "good.nl", "--nameserver", "ns1.good.nl"), "ns1.good.nl",
                      "not an IP address")


def test_names_are_resolved_only_through_the_nameserver_given(lab: AuditLab, tmp_path: Path, servers) -> None:
    """The process gets a resolv.conf of its own whose server records every query it receives, and a hosts
    file without the machine's name, so that even a lookup of its own name shows."""
    if not _can_mount_privately():
        pytest.skip("needs unshare and mount, as root, to give the process its own /etc/resolv.conf")
    trap = servers.address([53])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as recorder:
        recorder.bind((trap, 53))
        recorder.setblocking(False)
        resolv_conf, hosts = tmp_path / "resolv.conf", tmp_path / "hosts"
        resolv_conf.write_text(f"nameserver {trap}\noptions timeout:1 attempts:1\n")
        hosts.write_text("127.0.0.1 localhost\n")  # not even the machine's own name is known without DNS
        own_resolver = ["unshare", "--mount", "sh", "-c",
                        'mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/hosts && shift && exec "$@"',
                        str(resolv_conf), str(hosts)]
        run = check(lab, tmp_path, "good.nl", "--json", "--dkim-selector", "mail2024", prefix=own_resolver)
        assert run.code == 0, run.stderr or run.stdout
        leaked = []
        while True:
            try:
                leaked.append(recorder.recv(4096))
            except BlockingIOError:
                break
    assert not leaked, f"{len(leaked)} queries went to the system resolver"


def _can_mount_privately() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    return subprocess.run(["unshare", "--mount", "true"], capture_output=True, check=False).returncode == 0
