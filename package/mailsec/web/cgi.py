"""`python -m mailsec.web.cgi`: the program DSM's web server runs for every click in the app.

Starting Python and importing Flask on each click costs about fifteen times a bare CGI (DESIGN,
performance notes). So this relay imports nothing but `os`, `sys` and `_socket`: it passes the request to
the resident backend (`mailsec.web.backend`) over the unix socket in the package's var folder and copies
the answer back. When no backend answers there (not started, stopped, or a socket this user may not
open) it serves the request itself with the same app: slower, never different.

`_socket` is the C module that `socket.socket` wraps. The `socket` module itself pulls in `enum` and
`selectors`, which take about as long to import as the interpreter takes to start (`tests/bench`).
"""

import _socket
import os
import sys

from mailsec.web import protocol


def main() -> int:
    """Answer one request; the outcome is in the HTTP status, so the exit status is always 0."""
    output = sys.stdout.buffer
    variables = protocol.request_variables(os.environb)
    try:
        length = protocol.content_length(variables)
    except protocol.ProtocolError as exc:
        _plain(output, exc.status, str(exc))
        return 0
    body = _read_exactly(sys.stdin.buffer, length)
    connection = _connect(os.environ.get(protocol.STATE_DIR_ENV, ""))
    if connection is None:
        _serve_in_process(variables, body, output)
    else:
        try:
            _relay(connection, protocol.encode_request(variables, body), output)
        finally:
            connection.close()
    output.flush()
    return 0


def _connect(state_dir: str):
    """A connection to the backend, or None when none answers (the caller then serves in process)."""
    if not state_dir:
        return None
    connection = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    connection.settimeout(protocol.RELAY_TIMEOUT_SECONDS)
    try:
        connection.connect(protocol.socket_path(state_dir))
    except OSError:  # missing, refused (a stale socket), permission denied, path too long
        connection.close()
        return None
    return connection


def _relay(connection: _socket.socket, request: bytes, output) -> None:
    answered = False
    try:
        connection.sendall(request)
        connection.shutdown(_socket.SHUT_WR)
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            output.write(chunk)
            answered = True
    except OSError as exc:
        sys.stderr.write(f"mailsec: the backend stopped answering: {exc}\n")
    if not answered:
        # The request may have been carried out (a POST), so it is not repeated in process.
        _plain(output, "502 Bad Gateway", "mailsec's background service stopped answering. Reload the page.")


def _serve_in_process(variables: dict, body: bytes, output) -> None:
    from mailsec.web.app import create_app  # noqa: PLC0415 - only when no backend answers
    from mailsec.web.config import WebConfig  # noqa: PLC0415
    from mailsec.web.gateway import serve  # noqa: PLC0415

    try:
        app = create_app(WebConfig.from_environment(os.environ))
    except Exception as exc:  # whatever stops the app from starting is reported, not crashed on
        sys.stderr.write(f"mailsec: cannot start the app: {exc}\n")
        _plain(output, "500 Internal Server Error", "mailsec cannot start; the web server's log says why.")
        return
    serve(app, variables, body, output, threaded=False)


def _read_exactly(stream, length: int) -> bytes:
    chunks, missing = [], length
    while missing > 0:
        chunk = stream.read(missing)
        if not chunk:
            break
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _plain(output, status: str, message: str) -> None:
    output.write(
        f"Status: {status}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"
        f"Cache-Control: no-store\r\n\r\n{message}\n".encode()
    )


if __name__ == "__main__":
    sys.exit(main())
