"""Trust stores and the reasons a TLS certificate check fails, shared by the SMTP and HTTPS probes."""

import ssl
from dataclasses import dataclass
from enum import Enum
from typing import Optional

import certifi

# OpenSSL X509_V_ERR_* codes (include/openssl/x509_vfy.h) that a NAS owner can act on.
_EXPIRED = {10}  # CERT_HAS_EXPIRED
_NOT_YET_VALID = {9}  # CERT_NOT_YET_VALID
_NAME_MISMATCH = {62}  # HOSTNAME_MISMATCH
_UNTRUSTED = {2, 18, 19, 20, 21}  # unable to get issuer, self-signed, unable to verify the first certificate


class TrustProblem(str, Enum):
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    NAME_MISMATCH = "name-mismatch"
    UNTRUSTED = "untrusted"
    OTHER = "other"


@dataclass(frozen=True)
class TrustVerdict:
    """Whether a presented certificate chain is valid for a name under the WebPKI rules (RFC 8461 §4.2)."""

    valid: bool
    problem: Optional[TrustProblem] = None
    detail: str = ""

    def describe(self, name: str) -> str:
        if self.valid:
            return f"valid for {name}"
        reasons = {
            TrustProblem.EXPIRED: "has expired",
            TrustProblem.NOT_YET_VALID: "is not valid yet",
            TrustProblem.NAME_MISMATCH: f"is not valid for the name {name}",
            TrustProblem.UNTRUSTED: "does not chain to a trusted root (self-signed or missing intermediate)",
            TrustProblem.OTHER: "failed verification",
        }
        return f"the certificate {reasons[self.problem or TrustProblem.OTHER]} ({self.detail})"


VALID = TrustVerdict(True)


def verifying_context(ca_bundle: Optional[str]) -> ssl.SSLContext:
    """A client context that checks chain and name against `ca_bundle`, else the Mozilla roots."""
    context = ssl.create_default_context(cafile=ca_bundle or certifi.where())
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # RFC 8461 §7.2: TLS 1.2 or later
    context.hostname_checks_common_name = False  # DNS-ID only (RFC 8461 §3.3, §4.2; RFC 6125)
    return context


def observing_context() -> ssl.SSLContext:
    """A client context that completes any handshake, to see what a server presents."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def verdict_from_error(error: ssl.SSLCertVerificationError) -> TrustVerdict:
    code = error.verify_code
    for codes, problem in (
        (_EXPIRED, TrustProblem.EXPIRED),
        (_NOT_YET_VALID, TrustProblem.NOT_YET_VALID),
        (_NAME_MISMATCH, TrustProblem.NAME_MISMATCH),
        (_UNTRUSTED, TrustProblem.UNTRUSTED),
    ):
        if code in codes:
            return TrustVerdict(False, problem, error.verify_message)
    return TrustVerdict(False, TrustProblem.OTHER, error.verify_message or str(error))
