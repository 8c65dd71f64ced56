"""`python -m mailsec.web.backend`: the resident app server behind the CGI relay.

The package's start-stop-status script runs it in the background as the package user, so that Flask and
the certificate libraries are imported once instead of on every click. The contract with that script:

- It serves in the foreground until SIGTERM or SIGINT, then removes its socket and pid file and exits 0.
- It writes its process id to the pid file before the socket accepts connections: once the pid file
  names a live process whose command line holds `mailsec.web.backend`, the backend has started.
- Exit status 1: another backend already answers on the socket (nothing was touched). Exit status 2: it
  cannot serve (the state folder is not writable, the socket path is too long, the app does not start);
  the reason goes to standard error.
- `--socket` (default `<state>/web.sock`) and `--pid-file` (default `<state>/web.pid`), where the state
  folder is `--state-dir`, else $SYNOPKG_PKGVAR, else <root>/var/packages/mailsec/var: where the relay,
  run by `ui/index.cgi` with the same $SYNOPKG_PKGVAR, looks. The socket has mode 0600, so only the
  package user and root may connect; any other user's CGI serves in process instead.

Each connection carries one request (`protocol.py`) and is served in its own thread, so a long audit does
not hold up the other pages. The app reads settings and state from disk on every request, so what the CLI
or the scheduled job changes shows at once; only new code needs a restart, which an upgrade does.
"""

import argparse
import contextlib
import os
import signal
import socket
import socketserver
import sys
import threading
from pathlib import Path
from typing import List, Optional

from mailsec.cli.main import global_options
from mailsec.nas import NasLayout
from mailsec.web import protocol

ANOTHER_BACKEND, CANNOT_SERVE = 1, 2
READ_TIMEOUT_SECONDS = 30
SOCKET_PATH_MAX = 107  # sun_path holds 108 bytes with the terminating NUL


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mailsec.web.backend", parents=[global_options(False)],
        description="Serve the desktop app to the CGI relay over a unix socket, until TERM.",
    )
    parser.add_argument("--socket", metavar="PATH", help="the socket (default: web.sock in the state folder)")
    parser.add_argument("--pid-file", metavar="PATH", help="its pid file (default: web.pid there)")
    args = parser.parse_args(argv)
    state_dir = NasLayout.from_environment(args.root).state_dir(args.state_dir)
    socket_path = Path(args.socket or state_dir / protocol.SOCKET_NAME)
    pid_file = Path(args.pid_file or state_dir / protocol.PID_NAME)
    if len(os.fsencode(str(socket_path))) > SOCKET_PATH_MAX:
        return _cannot(f"the socket path {socket_path} is longer than {SOCKET_PATH_MAX} bytes")
    if _answers(socket_path):
        print(f"mailsec backend: another backend already answers on {socket_path}", file=sys.stderr)
        return ANOTHER_BACKEND
    from mailsec.web.app import create_app  # noqa: PLC0415 - after the cheap checks above
    from mailsec.web.config import WebConfig  # noqa: PLC0415

    try:
        app = create_app(WebConfig.from_environment(os.environ, args.root, str(state_dir)))
        _warm_up()
        pid_file.write_text(f"{os.getpid()}\n", encoding="ascii")
        server = _bind(socket_path, app)
    except Exception as exc:  # any reason not to serve is reported, with its exit status
        _remove_own(pid_file, socket_path)
        return _cannot(str(exc))
    _stop_on_signals(server)
    print(f"mailsec backend: serving on {socket_path} (pid {os.getpid()})", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        _remove_own(pid_file, socket_path)
    return 0


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str, app: object) -> None:
        self.app = app
        super().__init__(path, _Request)


class _Request(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        from mailsec.web.gateway import serve  # noqa: PLC0415 - already imported by create_app

        self.connection.settimeout(READ_TIMEOUT_SECONDS)
        try:
            header = self.rfile.readline(protocol.MAX_HEADER_BYTES)
            if not header:
                return  # a probe connected and left
            packed_length, body_length = protocol.decode_header(header)
            variables = protocol.decode_variables(self.rfile.read(packed_length))
            body = self.rfile.read(body_length)
        except (OSError, protocol.ProtocolError) as exc:
            self.wfile.write(f"Status: 400 Bad Request\r\nContent-Type: text/plain\r\n\r\n{exc}\n".encode())
            return
        self.connection.settimeout(None)
        serve(self.server.app, variables, body, self.wfile, threaded=True)


def _answers(path: Path) -> bool:
    """True when something accepts connections on the socket at `path`."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(2)
    try:
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def _bind(path: Path, app: object) -> _Server:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # nothing answers on it (checked above): a leftover of a backend that died
    previous = os.umask(0o177)
    try:
        return _Server(str(path), app)
    finally:
        os.umask(previous)


def _warm_up() -> None:
    """Import what the certificate and report pages need now, so that no visitor waits for it."""
    import mailsec.certs  # noqa: PLC0415
    import mailsec.reports.summary  # noqa: PLC0415
    import mailsec.tlsa  # noqa: F401, PLC0415


def _stop_on_signals(server: _Server) -> None:
    def handler(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()  # shutdown() waits for serve_forever

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _remove_own(pid_file: Path, socket_path: Path) -> None:
    """Remove the pid file and socket on the way out, unless another backend has taken them over since."""
    try:
        recorded = pid_file.read_text(encoding="ascii").strip()
    except OSError:
        recorded = ""
    if recorded not in ("", str(os.getpid())):
        return
    for path in (pid_file, socket_path):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _cannot(reason: str) -> int:
    print(f"mailsec backend: cannot serve: {reason}", file=sys.stderr)
    return CANNOT_SERVE


if __name__ == "__main__":
    sys.exit(main())
