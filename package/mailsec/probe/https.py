"""Fetching a file over HTTPS the way RFC 8461 §3.3 tells senders to fetch an MTA-STS policy.

The connection goes to the address mailsec's own resolver returned (not the system's), with SNI and
certificate checks for the host name; redirects are recorded, never followed; the body is read up to a
cap within a deadline. Every way the fetch can fail is recorded with its reason.
"""

import ssl
import time
from dataclasses import dataclass
from typing import Optional

import urllib3
from urllib3.util.ssl_match_hostname import CertificateError

from mailsec import __version__
from mailsec.probe.tlstrust import VALID, TrustProblem, TrustVerdict, verdict_from_error, verifying_context

HTTPS_PORT = 443
CHUNK = 8192


@dataclass(frozen=True)
class HttpsFetch:
    """What one HTTPS GET to one address returned."""

    url: str
    address: str
    status: Optional[int] = None
    content_type: str = ""
    location: str = ""
    body: bytes = b""
    truncated: bool = False  # the server sent more than the cap
    trust: Optional[TrustVerdict] = None
    error: str = ""  # connection, TLS or timeout failure; empty when an HTTP response arrived


def fetch(
    host: str, path: str, address: str, ca_bundle: Optional[str], max_bytes: int, timeout: float
) -> HttpsFetch:
    """GET https://`host``path` from `address`; never follows redirects, never reads past `max_bytes`."""
    url = f"https://{host}{path}"
    # SNI and the name check both use `host`; the name is checked by OpenSSL during the handshake (no
    # assert_hostname, which would move the check to urllib3 and lose the verification error's reason).
    pool = urllib3.HTTPSConnectionPool(
        address, HTTPS_PORT, server_hostname=host,
        ssl_context=verifying_context(ca_bundle), retries=False, maxsize=1,
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
    )
    deadline = time.monotonic() + timeout
    try:
        response = pool.urlopen(
            "GET", path, headers={"Host": host, "User-Agent": f"mailsec/{__version__}"},
            redirect=False, retries=False, preload_content=False,
        )
        try:
            body, truncated = _read_capped(response, max_bytes, deadline)
        finally:
            response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        verification = _verification_error(exc)
        if verification is not None:
            return HttpsFetch(url, address, trust=verification, error="certificate check failed")
        return HttpsFetch(url, address, error=_describe(exc, timeout))
    finally:
        pool.close()
    return HttpsFetch(
        url, address, status=response.status, content_type=response.headers.get("Content-Type", ""),
        location=response.headers.get("Location", ""), body=body, truncated=truncated, trust=VALID,
    )


def _read_capped(response: urllib3.HTTPResponse, max_bytes: int, deadline: float):
    body = bytearray()
    while len(body) <= max_bytes:
        if time.monotonic() > deadline:
            raise urllib3.exceptions.ReadTimeoutError(None, None, "the body did not arrive in time")
        chunk = response.read1(CHUNK)  # what has arrived: a slow sender cannot hold a read past the deadline
        if not chunk:
            return bytes(body), False
        body += chunk
    return bytes(body[:max_bytes]), True


def _verification_error(exc: BaseException) -> Optional[TrustVerdict]:
    """Why the certificate was refused, when that is what ended the fetch (urllib3 wraps the ssl error)."""
    seen = exc
    for _ in range(8):  # walk the cause/context chain urllib3 builds around the ssl error
        if isinstance(seen, ssl.SSLCertVerificationError):
            return verdict_from_error(seen)
        if isinstance(seen, CertificateError):  # urllib3 matched the name itself (pyOpenSSL, old OpenSSL)
            return TrustVerdict(False, TrustProblem.NAME_MISMATCH, str(seen))
        for nested in (seen.__cause__, seen.__context__, *getattr(seen, "args", ())):
            if isinstance(nested, BaseException):
                seen = nested
                break
        else:
            return None
    return None


def _describe(exc: urllib3.exceptions.HTTPError, timeout: float) -> str:
    if isinstance(exc, (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.ReadTimeoutError)):
        return f"no complete answer within {timeout:g} s"
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "could not connect to port 443"
    if isinstance(exc, urllib3.exceptions.SSLError):
        return f"the TLS handshake failed ({exc})"
    return str(exc)
