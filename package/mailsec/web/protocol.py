"""The contract between the CGI relay and the resident backend: where they meet and what travels.

The relay imports this module on every click, so it imports nothing at all: no json, re, typing or
pathlib, which together would cost more than the relay itself.

Both sides find the socket in the package's var folder, `$SYNOPKG_PKGVAR/web.sock` on the NAS. A request
travels as one header line, the request's CGI variables and its body:

    MAILSEC/1 <length of the variables> <length of the body>\\n
    NAME=VALUE\\0NAME=VALUE\\0...
    <body>

Only the variables a web application may read travel (`request_variables`); the relay's own environment
(PATH, PYTHONPATH, ...) stays behind. The backend answers exactly what a CGI program prints (a `Status:`
line, headers, a blank line, the body) and closes the connection; the relay copies it unchanged.
"""

VERSION = b"MAILSEC/1"
STATE_DIR_ENV = "SYNOPKG_PKGVAR"  # the same variable as mailsec.nas.PKGVAR_ENV, named here to stay cheap
SOCKET_NAME = "web.sock"
PID_NAME = "web.pid"

MAX_BODY_BYTES = 2 * 1024 * 1024  # a report upload (zipped aggregate reports are kilobytes); larger: 413
MAX_VARIABLES_BYTES = 64 * 1024
MAX_HEADER_BYTES = 64
RELAY_TIMEOUT_SECONDS = 300  # an audit against slow or dead name servers can take minutes

# RFC 3875 §4.1 meta-variables, plus the two DSM's web server adds; every HTTP_* header travels too.
CGI_VARIABLES = frozenset(
    name.encode("ascii")
    for name in (
        "REQUEST_METHOD", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "SCRIPT_NAME", "PATH_INFO",
        "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR", "REMOTE_PORT", "HTTPS",
        "REQUEST_URI", "SERVER_ADDR",
    )
)


class ProtocolError(ValueError):
    """A request that does not follow this contract; `status` is the HTTP answer it gets."""

    def __init__(self, message: str, status: str = "400 Bad Request") -> None:
        super().__init__(message)
        self.status = status


def request_variables(environ: dict) -> dict:
    """The CGI variables of a request from a bytes environment such as `os.environb` (bytes to bytes)."""
    return {
        name: value for name, value in environ.items() if name in CGI_VARIABLES or name.startswith(b"HTTP_")
    }


def content_length(variables: dict) -> int:
    """The body length CONTENT_LENGTH announces; ProtocolError when it is not a number or too large."""
    text = variables.get(b"CONTENT_LENGTH", b"").strip()
    if not text:
        return 0
    if not text.isdigit():
        raise ProtocolError("CONTENT_LENGTH is not a number")
    length = int(text)
    if length > MAX_BODY_BYTES:
        raise ProtocolError(f"the request body is over {MAX_BODY_BYTES} bytes", "413 Payload Too Large")
    return length


def encode_request(variables: dict, body: bytes) -> bytes:
    """The bytes the relay sends for one request."""
    packed = b"".join(name + b"=" + value + b"\0" for name, value in variables.items())
    return b"%s %d %d\n%s%s" % (VERSION, len(packed), len(body), packed, body)


def decode_header(line: bytes) -> tuple:
    """The variables and body lengths from the header line; ProtocolError for anything else."""
    parts = line.rstrip(b"\n").split(b" ")
    if len(parts) != 3 or parts[0] != VERSION or not parts[1].isdigit() or not parts[2].isdigit():
        raise ProtocolError("not a mailsec relay request")
    packed_length, body_length = int(parts[1]), int(parts[2])
    if packed_length > MAX_VARIABLES_BYTES or body_length > MAX_BODY_BYTES:
        raise ProtocolError("request too large")
    return packed_length, body_length


def decode_variables(packed: bytes) -> dict:
    """The variables `encode_request` packed, keeping only those `request_variables` lets through."""
    pairs = (item.partition(b"=") for item in packed.split(b"\0") if item)
    return request_variables({name: value for name, _, value in pairs})


def socket_path(state_dir: str) -> str:
    return state_dir.rstrip("/") + "/" + SOCKET_NAME
