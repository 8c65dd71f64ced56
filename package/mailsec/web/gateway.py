"""One request through the WSGI app, CGI style: the same code whether the backend or the relay serves it.

The CGI variables arrive as bytes. PEP 3333 wants them as latin-1 "native strings"; Werkzeug turns them
back into bytes and decodes UTF-8 itself, so the app sees exactly what the browser sent.
"""

import io
import sys
from typing import BinaryIO, Callable, Dict
from urllib.parse import unquote
from wsgiref.handlers import BaseCGIHandler

from mailsec.nas import UI_SCRIPT_PATH

_DEFAULTS = {
    "REQUEST_METHOD": "GET", "QUERY_STRING": "", "SCRIPT_NAME": "", "PATH_INFO": "",
    "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.0",
}


class _Gateway(BaseCGIHandler):
    # The request's variables only: never the serving process's own environment (PATH, secrets, ...).
    os_environ: Dict[str, str] = {}  # noqa: RUF012 - wsgiref reads this class attribute


def wsgi_environ(variables: Dict[bytes, bytes]) -> Dict[str, str]:
    """The WSGI environ for a request's CGI variables."""
    environ = dict(_DEFAULTS)
    environ.update((name.decode("latin-1"), value.decode("latin-1")) for name, value in variables.items())
    _split_script_path(environ)
    return environ


def serve(
    app: Callable, variables: Dict[bytes, bytes], body: bytes, output: BinaryIO, *, threaded: bool
) -> None:
    """Run `app` for one request and write the CGI response (Status line, headers, body) to `output`."""
    handler = _Gateway(io.BytesIO(body), output, sys.stderr, wsgi_environ(variables),
                       multithread=threaded, multiprocess=not threaded)
    handler.run(app)


def _split_script_path(environ: Dict[str, str]) -> None:
    """Give the app `SCRIPT_NAME` and `PATH_INFO` as RFC 3875 defines them, whatever the server sent.

    The app lives at `.../index.cgi/<page>`. A server that does not split the path puts it all in
    `SCRIPT_NAME`, or leaves `PATH_INFO` empty with the page only in `REQUEST_URI`; both are repaired.
    """
    script = environ["SCRIPT_NAME"]
    cut = script.find(".cgi/")
    if cut >= 0:
        environ["PATH_INFO"] = script[cut + 4 :] + environ["PATH_INFO"]
        environ["SCRIPT_NAME"] = script[: cut + 4]
        return
    if environ["PATH_INFO"] or "REQUEST_URI" not in environ:
        return
    script = script or UI_SCRIPT_PATH
    path = unquote(environ["REQUEST_URI"].partition("?")[0], encoding="latin-1")
    if path.startswith(script + "/"):
        environ["SCRIPT_NAME"], environ["PATH_INFO"] = script, path[len(script) :]
