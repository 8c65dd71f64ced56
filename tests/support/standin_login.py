"""DSM's login programs replaced by stand-ins (tests only), and the requests they recognise.

The scripts in `dsm_standins/` behave like DSM's `authenticate.cgi`, `login.cgi` and `id -nG`: the
cookie `id=<user>-session` is a signed-in session of <user>, its SynoToken is `<user>-token`, and
`owner` is in `administrators` while `guest` is not.
"""

from pathlib import Path
from typing import Dict

from mailsec.web.auth import AUTH_CGI_ENV, ID_COMMAND_ENV, LOGIN_CGI_ENV

STANDINS = Path(__file__).parent / "dsm_standins"
ADMIN, NOT_ADMIN = "owner", "guest"


def standin_environment() -> Dict[str, str]:
    """The variables that point mailsec at the stand-ins instead of DSM's programs."""
    return {
        AUTH_CGI_ENV: str(STANDINS / "authenticate.cgi"),
        LOGIN_CGI_ENV: str(STANDINS / "login.cgi"),
        ID_COMMAND_ENV: str(STANDINS / "id"),
    }


def session_cookie(user: str) -> str:
    return f"id={user}-session"


def synotoken(user: str) -> str:
    return f"{user}-token"
