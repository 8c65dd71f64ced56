"""`python -m mailsec.web.cgi` as DSM's web server runs it, alone and relaying to the resident backend,
with stand-ins for DSM's login programs."""

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Dict, Optional

import pytest

from mailsec.settings import load_settings
from mailsec.web.auth import AUTH_CGI_ENV
from mailsec.web.protocol import MAX_BODY_BYTES, encode_request
from tests.support.demo_nas import DOMAIN
from tests.support.standin_login import ADMIN, NOT_ADMIN, session_cookie, standin_environment, synotoken

SCRIPT = "/webman/3rdparty/mailsec/index.cgi"


class Answer:
    def __init__(self, raw: bytes) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        assert lines[0].startswith("Status: "), raw[:200]
        self.status = int(lines[0].split()[1])
        self.headers = [tuple(line.split(": ", 1)) for line in lines[1:]]

    def header(self, name: str) -> Optional[str]:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@pytest.fixture
def cgi_env(nas, context) -> Dict[str, str]:
    """What DSM's web server and ui/index.cgi give the CGI, with the stand-ins for DSM's programs."""
    return {
        "PATH": os.environ["PATH"],
        "MAILSEC_ROOT": str(nas.root),
        "SYNOPKG_PKGVAR": str(context.state_dir),
        **standin_environment(),
        "GATEWAY_INTERFACE": "CGI/1.1",
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": SCRIPT,
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "nas.example.nl",
        "SERVER_PORT": "5001",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTPS": "on",
        "REMOTE_ADDR": "192.0.2.7",
        "HTTP_HOST": "nas.example.nl:5001",
    }


def run_cgi(env: Dict[str, str], body: bytes = b"", **variables: str) -> Answer:
    done = subprocess.run([sys.executable, "-m", "mailsec.web.cgi"], input=body, env={**env, **variables},
                          capture_output=True, timeout=60, check=True)
    return Answer(done.stdout)


def signed_in(user: str, token: bool = True) -> Dict[str, str]:
    variables = {"HTTP_COOKIE": session_cookie(user)}
    if token:
        variables["QUERY_STRING"] = f"SynoToken={synotoken(user)}"
    return variables


@pytest.fixture
def backend(cgi_env, context):
    """The resident backend, started as start-stop-status starts it, stopped with TERM."""
    process = subprocess.Popen([sys.executable, "-m", "mailsec.web.backend"], env=cgi_env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: (context.state_dir / "web.sock").exists() or process.poll() is not None)
    assert process.poll() is None, process.stderr.read()
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# Served in process (no backend)


def test_a_signed_in_administrator_gets_the_overview(cgi_env):
    answer = run_cgi(cgi_env, **signed_in(ADMIN))
    assert answer.status == 200 and answer.header("Content-Type") == "text/html; charset=utf-8"
    assert f">{DOMAIN}</h2>" in answer.text
    assert answer.header("X-Frame-Options") == "SAMEORIGIN" and "frame-ancestors 'self'" in answer.header(
        "Content-Security-Policy")


def test_the_synotoken_is_fetched_through_login_cgi_when_the_request_has_none(cgi_env):
    answer = run_cgi(cgi_env, **signed_in(ADMIN, token=False))
    assert answer.status == 200 and f">{DOMAIN}</h2>" in answer.text


def test_a_signed_in_user_outside_administrators_gets_403_and_no_data(cgi_env):
    answer = run_cgi(cgi_env, **signed_in(NOT_ADMIN))
    assert answer.status == 403 and DOMAIN not in answer.text and "administrators" in answer.text


def test_a_visitor_without_a_session_gets_401_and_no_data(cgi_env):
    for variables in ({}, {"QUERY_STRING": f"SynoToken={synotoken(ADMIN)}"}, {"HTTP_COOKIE": "id=forged"}):
        answer = run_cgi(cgi_env, **variables)
        assert answer.status == 401 and DOMAIN not in answer.text and "Sign in to DSM" in answer.text


def test_without_dsm_programs_nobody_gets_in(cgi_env):
    answer = run_cgi(cgi_env, **signed_in(ADMIN), **{AUTH_CGI_ENV: "/nonexistent/authenticate.cgi"})
    assert answer.status == 401


def test_pages_are_found_from_path_info_or_from_request_uri(cgi_env):
    assert "<h1>DANE</h1>" in run_cgi(cgi_env, **signed_in(ADMIN), PATH_INFO="/dane").text
    without_path_info = {**signed_in(ADMIN), "PATH_INFO": "", "REQUEST_URI": f"{SCRIPT}/schedule?x=1"}
    assert "<h1>Schedule</h1>" in run_cgi(cgi_env, **without_path_info).text
    bare = run_cgi(cgi_env, **signed_in(ADMIN), PATH_INFO="")  # .../index.cgi without the slash
    assert bare.status == 308 and bare.header("Location") == f"https://nas.example.nl:5001{SCRIPT}/?SynoToken=owner-token"
    assert run_cgi(cgi_env, **signed_in(ADMIN), PATH_INFO="/nope").status == 404


def test_a_form_posted_through_the_cgi_is_saved_with_its_csrf_token_and_refused_without(cgi_env, context):
    page = run_cgi(cgi_env, **signed_in(ADMIN), PATH_INFO="/settings")
    session = SimpleCookie(page.header("Set-Cookie"))["mailsec_session"]
    assert session["path"] == SCRIPT and session["secure"] and session["httponly"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    cookies = f"{session_cookie(ADMIN)}; mailsec_session={session.value}"
    form = b"web_root=&nameservers=192.0.2.53"
    post = {"REQUEST_METHOD": "POST", "PATH_INFO": "/settings/system", "HTTP_COOKIE": cookies,
            "CONTENT_TYPE": "application/x-www-form-urlencoded"}
    refused = run_cgi(cgi_env, form, **post, CONTENT_LENGTH=str(len(form)))
    assert refused.status == 400 and load_settings(context.state_dir).nameservers == ()
    form += f"&csrf_token={token}".encode()
    saved = run_cgi(cgi_env, form, **post, CONTENT_LENGTH=str(len(form)))
    assert saved.status == 302 and saved.header("Location").endswith(f"{SCRIPT}/settings")
    assert load_settings(context.state_dir).nameservers == ("192.0.2.53",)


def test_an_oversized_body_is_refused_without_being_read(cgi_env):
    answer = run_cgi(cgi_env, b"", **signed_in(ADMIN), REQUEST_METHOD="POST", PATH_INFO="/settings/system",
                     CONTENT_LENGTH=str(MAX_BODY_BYTES + 1))
    assert answer.status == 413
    assert run_cgi(cgi_env, b"", **signed_in(ADMIN), CONTENT_LENGTH="ten").status == 400


# Relayed to the backend


def test_the_relay_answers_through_the_backend_when_it_runs(cgi_env, backend):
    # The CGI itself cannot check logins here; only the backend, with the stand-ins, can.
    broken = {AUTH_CGI_ENV: "/nonexistent/authenticate.cgi"}
    answer = run_cgi(cgi_env, **signed_in(ADMIN), **broken)
    assert answer.status == 200 and f">{DOMAIN}</h2>" in answer.text
    assert run_cgi(cgi_env, **signed_in(NOT_ADMIN), **broken).status == 403
    assert run_cgi(cgi_env, **broken).status == 401


def test_a_form_posted_through_the_relay_reaches_the_backend_intact(cgi_env, backend, context):
    page = run_cgi(cgi_env, **signed_in(ADMIN), PATH_INFO="/settings")
    session = SimpleCookie(page.header("Set-Cookie"))["mailsec_session"].value
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = f"web_root=&nameservers=192.0.2.54+192.0.2.55&csrf_token={token}".encode()
    answer = run_cgi(cgi_env, form, REQUEST_METHOD="POST", PATH_INFO="/settings/system",
                     HTTP_COOKIE=f"{session_cookie(ADMIN)}; mailsec_session={session}",
                     CONTENT_TYPE="application/x-www-form-urlencoded", CONTENT_LENGTH=str(len(form)))
    assert answer.status == 302
    assert load_settings(context.state_dir).nameservers == ("192.0.2.54", "192.0.2.55")


def test_the_backend_serves_requests_concurrently(cgi_env, backend):
    results = []
    threads = [threading.Thread(target=lambda: results.append(run_cgi(cgi_env, **signed_in(ADMIN)).status))
               for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 6


def test_the_relay_serves_in_process_once_the_backend_stopped(cgi_env, backend, context):
    backend.send_signal(signal.SIGTERM)
    assert backend.wait(timeout=20) == 0
    assert not (context.state_dir / "web.sock").exists() and not (context.state_dir / "web.pid").exists()
    assert run_cgi(cgi_env, **signed_in(ADMIN)).status == 200


def test_a_stale_socket_file_is_ignored(cgi_env, context):
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(context.state_dir / "web.sock"))
    stale.close()  # the file stays, nobody listens
    assert run_cgi(cgi_env, **signed_in(ADMIN)).status == 200


def test_a_backend_that_hangs_up_without_answering_gives_502(cgi_env, context):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(context.state_dir / "web.sock"))
    listener.listen(1)

    def hang_up():
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.close()

    thread = threading.Thread(target=hang_up)
    thread.start()
    answer = run_cgi(cgi_env, **signed_in(ADMIN))
    thread.join()
    listener.close()
    assert answer.status == 502


# The backend's contract with start-stop-status


def test_the_backend_writes_its_pid_and_a_private_socket_and_cleans_up_on_term(backend, context):
    pid = int((context.state_dir / "web.pid").read_text())
    assert pid == backend.pid
    assert b"mailsec.web.backend" in Path(f"/proc/{pid}/cmdline").read_bytes()
    mode = (context.state_dir / "web.sock").stat().st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
    backend.send_signal(signal.SIGTERM)
    assert backend.wait(timeout=20) == 0
    assert list(context.state_dir.glob("web.*")) == []


def test_a_second_backend_leaves_the_first_alone_and_exits_1(cgi_env, backend, context):
    second = subprocess.run([sys.executable, "-m", "mailsec.web.backend"], env=cgi_env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert second.returncode == 1 and "already answers" in second.stderr
    assert int((context.state_dir / "web.pid").read_text()) == backend.pid
    assert run_cgi(cgi_env, **signed_in(ADMIN)).status == 200


def test_a_backend_that_cannot_serve_exits_2_with_the_reason(cgi_env, tmp_path):
    too_long = tmp_path / ("x" * 120) / "web.sock"
    done = subprocess.run([sys.executable, "-m", "mailsec.web.backend", "--socket", str(too_long)],
                          env=cgi_env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "longer than" in done.stderr
    unwritable = subprocess.run([sys.executable, "-m", "mailsec.web.backend", "--pid-file", "/proc/x.pid"],
                                env=cgi_env, capture_output=True, text=True, timeout=60, check=False)
    assert unwritable.returncode == 2 and "cannot serve" in unwritable.stderr


def test_the_backend_answers_a_malformed_request_with_400_and_keeps_serving(cgi_env, backend, context):
    other_version = encode_request({}, b"").replace(b"MAILSEC/1", b"MAILSEC/9")
    for request in (b"GET / HTTP/1.1\r\n\r\n", other_version):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(str(context.state_dir / "web.sock"))
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        assert connection.recv(100).startswith(b"Status: 400")
        connection.close()
    assert run_cgi(cgi_env, **signed_in(ADMIN)).status == 200


def test_the_backend_defaults_follow_the_package_var_folder(cgi_env, backend, context):
    assert (context.state_dir / "web.sock").exists() and (context.state_dir / "web.pid").exists()

