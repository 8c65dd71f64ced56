"""A report file uploaded through `python -m mailsec.web.cgi`, as DSM's web server runs it: served in process
and relayed to the resident backend, the multipart body intact both ways."""

import re
from http.cookies import SimpleCookie

import pytest
from urllib3 import encode_multipart_formdata

from mailsec.reports.store import ReportStore
from tests.reports.corpus import DAY, MAY_1, gzipped, tls_json, tls_report
from tests.support.standin_login import ADMIN, session_cookie
from tests.web.test_cgi import backend, cgi_env, run_cgi, signed_in  # noqa: F401


def upload_through_the_cgi(env) -> str:
    page = run_cgi(env, **signed_in(ADMIN), PATH_INFO="/reports")
    session = SimpleCookie(page.header("Set-Cookie"))["mailsec_session"].value
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    body, content_type = encode_multipart_formdata([
        ("csrf_token", token), ("reports", ("google.json.gz", gzipped(tls_json(tls_report())), "application/gzip")),
    ])
    answer = run_cgi(env, body, REQUEST_METHOD="POST", PATH_INFO="/reports/upload", CONTENT_TYPE=content_type,
                     CONTENT_LENGTH=str(len(body)), HTTP_COOKIE=f"{session_cookie(ADMIN)}; mailsec_session={session}",
                     MAILSEC_NOW=str(MAY_1 + 2 * DAY))
    assert answer.status == 200
    return answer.text


def stored_tls_reports(context) -> int:
    with ReportStore.open(context.state_dir) as store:
        return store.counts().tlsrpt_reports


def test_an_upload_served_in_process_is_imported(cgi_env, context):  # noqa: F811 (fixtures)
    text = upload_through_the_cgi(cgi_env)
    assert "1 imported, 0 already stored, 0 refused." in text and "TLS: MTA-STS policy" in text
    assert stored_tls_reports(context) == 1


@pytest.mark.usefixtures("backend")
def test_an_upload_relayed_to_the_backend_is_imported(cgi_env, context):  # noqa: F811
    assert "1 imported, 0 already stored, 0 refused." in upload_through_the_cgi(cgi_env)
    assert stored_tls_reports(context) == 1
