"""The relay's wire format and how CGI variables become the WSGI environ; the relay's import cost."""

import subprocess
import sys

import pytest

from mailsec.nas import PKGVAR_ENV
from mailsec.web import protocol
from mailsec.web.gateway import wsgi_environ


def test_a_request_survives_the_trip_to_the_backend_byte_for_byte():
    variables = {b"REQUEST_METHOD": b"POST", b"HTTP_COOKIE": b"id=a=b; x=\xff", b"QUERY_STRING": b"a=1&b"}
    data = protocol.encode_request(variables, b"body\0with\nbytes")
    header, _, rest = data.partition(b"\n")
    packed_length, body_length = protocol.decode_header(header + b"\n")
    assert protocol.decode_variables(rest[:packed_length]) == variables
    assert rest[packed_length:] == b"body\0with\nbytes" and body_length == 15


def test_only_cgi_variables_and_headers_travel():
    environ = {b"PATH": b"/bin", b"PYTHONPATH": b"/x", b"MAILSEC_DSM_AUTH_CGI": b"/y",
               b"SYNOPKG_PKGVAR": b"/v", b"HTTP_X_SYNO_TOKEN": b"t", b"REMOTE_ADDR": b"192.0.2.7"}
    assert protocol.request_variables(environ) == {b"HTTP_X_SYNO_TOKEN": b"t", b"REMOTE_ADDR": b"192.0.2.7"}
    smuggled = protocol.encode_request({b"PATH": b"/evil"}, b"").split(b"\n", 1)[1]
    assert protocol.decode_variables(smuggled) == {}


@pytest.mark.parametrize("header", [b"", b"MAILSEC/2 1 1\n", b"MAILSEC/1 x 1\n", b"MAILSEC/1 1\n",
                                    b"MAILSEC/1 999999999 0\n", b"MAILSEC/1 0 999999999\n"])
def test_a_header_that_breaks_the_contract_is_refused(header):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode_header(header)


def test_content_length_is_checked_before_the_body_is_read():
    assert protocol.content_length({}) == 0
    assert protocol.content_length({b"CONTENT_LENGTH": b"12"}) == 12
    with pytest.raises(protocol.ProtocolError) as too_large:
        protocol.content_length({b"CONTENT_LENGTH": str(protocol.MAX_BODY_BYTES + 1).encode()})
    assert too_large.value.status.startswith("413")
    with pytest.raises(protocol.ProtocolError):
        protocol.content_length({b"CONTENT_LENGTH": b"-1"})


def test_the_relay_and_the_nas_layout_name_the_same_state_folder_variable():
    assert protocol.STATE_DIR_ENV == PKGVAR_ENV


CGI = b"/webman/3rdparty/mailsec/index.cgi"


@pytest.mark.parametrize(("variables", "path"), [
    ({b"SCRIPT_NAME": CGI, b"PATH_INFO": b"/dane"}, "/dane"),
    ({b"SCRIPT_NAME": CGI + b"/dns/zone"}, "/dns/zone"),
    ({b"SCRIPT_NAME": CGI, b"REQUEST_URI": CGI + b"/a%20b?q"}, "/a b"),
    ({b"REQUEST_URI": CGI + b"/audit"}, "/audit"),
    ({b"SCRIPT_NAME": CGI, b"REQUEST_URI": b"/other/place"}, ""),
])
def test_the_page_is_found_however_the_server_split_the_path(variables, path):
    environ = wsgi_environ(variables)
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == (CGI.decode(), path)


def test_non_ascii_bytes_reach_the_app_as_latin_1_native_strings():
    assert wsgi_environ({b"HTTP_X_NAME": "é".encode()})["HTTP_X_NAME"] == "Ã©"


def test_the_relay_imports_nothing_heavy():
    """Each click starts Python for the relay; it must cost little more than a bare interpreter."""
    code = "import sys; old = set(sys.modules); import mailsec.web.cgi; print(*(set(sys.modules) - old))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported = set(done.stdout.split())
    assert "_socket" in imported
    heavy = {"flask", "jinja2", "werkzeug", "wsgiref", "json", "re", "typing", "pathlib", "dataclasses",
             "cryptography", "dns", "mailsec.nas", "mailsec.web.app", "socket", "enum", "selectors"}
    assert not heavy & imported, heavy & imported


IMPORTS_AFTER = """
import sys
from mailsec.web.app import create_app
from mailsec.web.config import WebConfig
client = create_app(WebConfig.development_mode(sys.argv[1], env={})).test_client()
for path in sys.argv[2:]:
    assert client.get(path, environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200, path
print(*sorted(name for name in ("cryptography", "dns") if name in sys.modules))
"""


@pytest.mark.parametrize(("paths", "heavy"), [
    (["/mta-sts", "/settings", "/schedule", "/audit"], ""),
    (["/dane"], "cryptography"),
])
def test_served_in_process_a_page_imports_only_what_it_needs(nas, paths, heavy):
    done = subprocess.run([sys.executable, "-c", IMPORTS_AFTER, str(nas.root), *paths], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == heavy
