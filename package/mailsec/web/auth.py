"""Who is asking: DSM's own login check on every request, and the stand-in for `make run`.

DSM tells a CGI who is signed in through `authenticate.cgi`: run with the request's cookie and SynoToken
in its environment, it prints the user name, or nothing. The SynoToken is DSM's per-session CSRF token.
Links inside the app do not carry it, so when a request has none it is fetched through `login.cgi` with
the same cookie, as DSM's own pages do. That makes the token no defence against cross-site requests, so
the app checks its own CSRF token on every POST (`security.py`).

Only members of `administrators` may use mailsec; `id -nG` answers that for local, LDAP and domain users
alike through the NAS's name service. Each program's path can be replaced (tests use stand-ins).
"""

import ipaddress
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional
from urllib.parse import parse_qs

from mailsec.nas import DSM_AUTHENTICATE_CGI, DSM_LOGIN_CGI
from mailsec.web.protocol import CGI_VARIABLES

ADMIN_GROUP = "administrators"
AUTH_CGI_ENV = "MAILSEC_DSM_AUTH_CGI"
LOGIN_CGI_ENV = "MAILSEC_DSM_LOGIN_CGI"
ID_COMMAND_ENV = "MAILSEC_DSM_ID"
ID_COMMAND = "/usr/bin/id"
TOKEN_PARAMETER = "SynoToken"  # noqa: S105 - names, not secrets
TOKEN_HEADER = "HTTP_X_SYNO_TOKEN"  # noqa: S105
TIMEOUT_SECONDS = 10
_PATH = b"/bin:/sbin:/usr/bin:/usr/sbin:/usr/syno/bin:/usr/syno/sbin"
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{1,256}\Z")
_USER = re.compile(r"[^\x00-\x20\x7f{\-][^\x00-\x1f\x7f]{0,254}\Z")  # no control characters, JSON or option
_DROPPED = {"CONTENT_LENGTH", "CONTENT_TYPE"}  # the body is the app's, not DSM's


@dataclass(frozen=True)
class Visitor:
    user: str
    is_admin: bool


class DsmLogin:
    """The DSM session behind a request, checked with DSM's own programs."""

    def __init__(self, authenticate_cgi: str, login_cgi: str, id_command: str) -> None:
        self.authenticate_cgi = authenticate_cgi
        self.login_cgi = login_cgi
        self.id_command = id_command

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> "DsmLogin":
        return cls(
            env.get(AUTH_CGI_ENV) or DSM_AUTHENTICATE_CGI,
            env.get(LOGIN_CGI_ENV) or DSM_LOGIN_CGI,
            env.get(ID_COMMAND_ENV) or ID_COMMAND,
        )

    def visitor(self, environ: Mapping[str, str]) -> Optional[Visitor]:
        """The signed-in user of the request with WSGI `environ`, or None when nobody is signed in."""
        request_env = _program_environment(environ)
        token = request_token(environ) or self._fetch_token(request_env)
        if token is None:
            return None
        answer = _run([self.authenticate_cgi], _with_token(request_env, token))
        user = (answer or "").strip()
        if not _USER.match(user):
            return None
        return Visitor(user, self._is_admin(user))

    def _fetch_token(self, request_env: Dict[bytes, bytes]) -> Optional[str]:
        """The session's SynoToken from `login.cgi`, which prints JSON after its CGI headers."""
        env = dict(request_env)
        env[b"QUERY_STRING"] = b""
        answer = _run([self.login_cgi], env) or ""
        start = answer.find("{")
        try:
            document, _ = json.JSONDecoder().raw_decode(answer[start:]) if start >= 0 else ({}, 0)
        except ValueError:
            return None
        if not isinstance(document, dict):
            return None
        data = document.get("data")
        token = document.get(TOKEN_PARAMETER) or (isinstance(data, dict) and data.get(TOKEN_PARAMETER))
        return token if isinstance(token, str) and _TOKEN.match(token) else None

    def _is_admin(self, user: str) -> bool:
        answer = _run([self.id_command, "-nG", "--", user], {b"PATH": _PATH}, must_succeed=True)
        return answer is not None and ADMIN_GROUP in answer.split()


class DevelopmentLogin:
    """`make run`: no DSM. Whoever reaches the loopback-only server is the administrator `developer`."""

    def visitor(self, environ: Mapping[str, str]) -> Optional[Visitor]:
        try:
            loopback = ipaddress.ip_address(environ.get("REMOTE_ADDR", "")).is_loopback
        except ValueError:
            loopback = False
        return Visitor("developer", True) if loopback else None


def request_token(environ: Mapping[str, str]) -> Optional[str]:
    """The SynoToken the request carries in its query string or its X-SYNO-TOKEN header."""
    values = parse_qs(environ.get("QUERY_STRING", "")).get(TOKEN_PARAMETER, [])
    for token in [*values, environ.get(TOKEN_HEADER, "")]:
        if _TOKEN.match(token):
            return token
    return None


def _program_environment(environ: Mapping[str, str]) -> Dict[bytes, bytes]:
    """What DSM's programs see of the request: its CGI variables, byte for byte, as a GET."""
    env = {
        name.encode("latin-1"): value.encode("latin-1")
        for name, value in environ.items()
        if isinstance(value, str) and name not in _DROPPED
        and (name.encode("latin-1") in CGI_VARIABLES or name.startswith("HTTP_"))
    }
    env[b"REQUEST_METHOD"] = b"GET"
    env[b"PATH"] = _PATH
    return env


def _with_token(request_env: Dict[bytes, bytes], token: str) -> Dict[bytes, bytes]:
    env = dict(request_env)
    env[b"QUERY_STRING"] = f"{TOKEN_PARAMETER}={token}".encode("ascii")
    env[TOKEN_HEADER.encode("ascii")] = token.encode("ascii")
    return env


def _run(command: List[str], env: Dict[bytes, bytes], must_succeed: bool = False) -> Optional[str]:
    """The standard output of a program, or None when it cannot be run (or fails, if it `must_succeed`).

    DSM's CGI programs are judged by what they print: `login.cgi` is known to exit 255 after a good answer.
    `close_fds=False` lets Python start them with posix_spawn instead of copying the backend with fork,
    which halves the cost of a login check; Python opens every file and socket non-inheritable, so the
    programs still get nothing but their pipes.
    """
    try:
        done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=TIMEOUT_SECONDS, check=False, close_fds=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        sys.stderr.write(f"mailsec: cannot run {command[0]}: {exc}\n")
        return None
    if must_succeed and done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")
