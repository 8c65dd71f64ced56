"""`python -m mailsec.web.devserver`: development mode, on 127.0.0.1 only, against a demo NAS."""

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest


@pytest.fixture
def devserver(nas):
    command = [sys.executable, "-m", "mailsec.web.devserver", "--root", str(nas.root), "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    yield process, line
    process.terminate()
    process.wait(timeout=20)


def listening_addresses(port: int) -> set:
    """The local addresses (hex, as /proc/net/tcp writes them) listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, local_port = local.split(":")
            if int(local_port, 16) == port and state == "0A":
                found.add(address)
    return found


def test_it_prints_its_loopback_url_and_serves_the_demo_nas_in_development_mode(devserver, nas):
    _, line = devserver
    assert "development mode (no DSM login)" in line and str(nas.root) in line
    url = line.split()[-1]
    assert url.startswith("http://127.0.0.1:") and url.endswith("/")
    port = int(url.rsplit(":", 1)[1].strip("/"))
    assert listening_addresses(port) == {"0100007F"}
    with urllib.request.urlopen(url, timeout=20) as response:
        body = response.read().decode()
    assert "Development mode." in body and "example.nl" in body


def test_it_refuses_to_run_without_a_nas_root():
    done = subprocess.run([sys.executable, "-m", "mailsec.web.devserver", "--port", "0"], capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin"}, check=False)
    assert done.returncode == 2 and "--root" in done.stderr
