"""Where the app runs: the NAS and state folder it works on, how visitors are checked, what it reads.

On the NAS (the CGI relay's fallback and the backend) everything comes from the environment the package
gives its programs: `MAILSEC_ROOT`, `SYNOPKG_PKGVAR`, `SYNOPKG_DSM_LANGUAGE` and the paths of DSM's login
programs (`auth.py`). `make run` uses `development()`: the demo NAS, and no DSM login, which the pages
announce in a banner.
"""

import os
from dataclasses import dataclass
from typing import Mapping, Optional, Union

from flask import current_app

from mailsec.cli.common import Context
from mailsec.nas import NasLayout
from mailsec.web.auth import DevelopmentLogin, DsmLogin
from mailsec.web.i18n import DSM_LANGUAGE_ENV, dsm_language
from mailsec.web.sources import Sources, saved_sources

EXTENSION = "mailsec"


@dataclass(frozen=True)
class WebConfig:
    context: Context
    login: Union[DsmLogin, DevelopmentLogin]
    sources: Sources
    default_language: str

    @property
    def development(self) -> bool:
        return isinstance(self.login, DevelopmentLogin)

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str] = os.environ, root: Optional[str] = None, state_dir: Optional[str] = None
    ) -> "WebConfig":
        return cls._build(env, root, state_dir, DsmLogin.from_environment(env))

    @classmethod
    def development_mode(
        cls, root: str, state_dir: Optional[str] = None, env: Mapping[str, str] = os.environ
    ) -> "WebConfig":
        return cls._build(env, root, state_dir, DevelopmentLogin())

    @classmethod
    def _build(
        cls, env: Mapping[str, str], root: Optional[str], state_dir: Optional[str],
        login: Union[DsmLogin, DevelopmentLogin],
    ) -> "WebConfig":
        layout = NasLayout.from_environment(root, env)
        context = Context(layout, layout.state_dir(state_dir, env))
        return cls(context, login, saved_sources(context), dsm_language(env.get(DSM_LANGUAGE_ENV)))


def current_config() -> WebConfig:
    """The configuration of the app serving the current request."""
    return current_app.extensions[EXTENSION]
