"""DSM's login check, against stand-ins that behave like authenticate.cgi, login.cgi and id."""

from pathlib import Path

import pytest

from mailsec.web.auth import DevelopmentLogin, DsmLogin, Visitor, request_token
from tests.support.standin_login import (
    ADMIN,
    NOT_ADMIN,
    STANDINS,
    session_cookie,
    standin_environment,
    synotoken,
)


@pytest.fixture
def dsm() -> DsmLogin:
    return DsmLogin.from_environment(standin_environment())


def request(cookie: str = "", query: str = "", **headers: str) -> dict:
    environ = {"REQUEST_METHOD": "GET", "QUERY_STRING": query, "REMOTE_ADDR": "192.0.2.7", "HTTP_HOST": "nas"}
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    environ.update(headers)
    return environ


def test_dsm_programs_default_to_their_places_on_the_nas():
    login = DsmLogin.from_environment({})
    assert login.authenticate_cgi == "/usr/syno/synoman/webman/modules/authenticate.cgi"
    assert login.login_cgi == "/usr/syno/synoman/webman/login.cgi"
    assert login.id_command == "/usr/bin/id"


def test_an_administrator_with_the_synotoken_in_the_query_is_let_in(dsm):
    visitor = dsm.visitor(request(session_cookie(ADMIN), f"domain=x&SynoToken={synotoken(ADMIN)}"))
    assert visitor == Visitor(ADMIN, True)


def test_the_synotoken_may_come_in_the_x_syno_token_header(dsm):
    visitor = dsm.visitor(request(session_cookie(ADMIN), HTTP_X_SYNO_TOKEN=synotoken(ADMIN)))
    assert visitor == Visitor(ADMIN, True)


def test_a_missing_synotoken_is_fetched_through_login_cgi_even_when_it_exits_255(dsm):
    assert dsm.visitor(request(f"lang=nl; {session_cookie(ADMIN)}")) == Visitor(ADMIN, True)


def test_a_user_outside_administrators_is_known_but_not_an_administrator(dsm):
    assert dsm.visitor(request(session_cookie(NOT_ADMIN))) == Visitor(NOT_ADMIN, False)


def test_nobody_is_signed_in_without_a_session(dsm):
    assert dsm.visitor(request()) is None
    assert dsm.visitor(request("id=stranger")) is None


def test_a_token_of_another_session_lets_nobody_in(dsm):
    assert dsm.visitor(request(session_cookie(ADMIN), f"SynoToken={synotoken(NOT_ADMIN)}")) is None


def test_a_user_the_name_service_does_not_know_is_no_administrator(dsm):
    assert dsm.visitor(request(session_cookie("ghost"))) == Visitor("ghost", False)


def test_a_missing_authenticate_cgi_lets_nobody_in(tmp_path):
    login = DsmLogin(str(tmp_path / "missing.cgi"), str(STANDINS / "login.cgi"), str(STANDINS / "id"))
    assert login.visitor(request(session_cookie(ADMIN))) is None


@pytest.mark.parametrize("answer", ["", "\n", '{"error":{"code":119},"success":false}', "-rf", "two\nlines",
                                    "tab\tuser", "x" * 300])
def test_only_a_plain_user_name_from_authenticate_cgi_counts(tmp_path: Path, answer: str):
    script = tmp_path / "authenticate.cgi"
    script.write_text(f"#!/bin/sh\nprintf '%s' '{answer}'\n")
    script.chmod(0o755)
    login = DsmLogin(str(script), str(STANDINS / "login.cgi"), str(STANDINS / "id"))
    assert login.visitor(request(session_cookie(ADMIN), f"SynoToken={synotoken(ADMIN)}")) is None


def test_dsm_programs_see_the_request_as_a_get_with_only_its_cgi_variables(tmp_path: Path):
    seen = tmp_path / "seen"
    script = tmp_path / "authenticate.cgi"
    script.write_text(f"#!/bin/sh\nenv > {seen}\necho owner\n")
    script.chmod(0o755)
    login = DsmLogin(str(script), str(STANDINS / "login.cgi"), str(STANDINS / "id"))
    environ = request(session_cookie(ADMIN), f"a=b&SynoToken={synotoken(ADMIN)}", REQUEST_METHOD="POST",
                      CONTENT_LENGTH="12", MAILSEC_SECRET="x", **{"wsgi.input": object()})
    assert login.visitor(environ) == Visitor("owner", True)
    variables = dict(line.split("=", 1) for line in seen.read_text().splitlines() if "=" in line)
    assert variables["REQUEST_METHOD"] == "GET"
    assert variables["QUERY_STRING"] == f"SynoToken={synotoken(ADMIN)}"
    assert variables["HTTP_X_SYNO_TOKEN"] == synotoken(ADMIN)
    assert variables["HTTP_COOKIE"] == session_cookie(ADMIN)
    assert variables["REMOTE_ADDR"] == "192.0.2.7"
    assert "CONTENT_LENGTH" not in variables and "MAILSEC_SECRET" not in variables


def test_request_token_ignores_values_that_cannot_be_tokens():
    assert request_token({"QUERY_STRING": "SynoToken=a%20b", "HTTP_X_SYNO_TOKEN": "ok.123"}) == "ok.123"
    assert request_token({"QUERY_STRING": "SynoToken="}) is None


def test_development_mode_lets_in_only_this_computer():
    login = DevelopmentLogin()
    assert login.visitor({"REMOTE_ADDR": "127.0.0.1"}) == Visitor("developer", True)
    assert login.visitor({"REMOTE_ADDR": "::1"}) == Visitor("developer", True)
    assert login.visitor({"REMOTE_ADDR": "192.168.1.20"}) is None
    assert login.visitor({}) is None
