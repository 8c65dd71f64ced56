"""X.509 certificates: load a chain in any order, describe it, and match host names against it."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from mailsec.errors import CertificateError, NeedsRootError
from mailsec.names import name_matches

_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


@dataclass(frozen=True)
class CertificateChain:
    """A server certificate and the certificates that issued it, leaf first."""

    leaf: x509.Certificate
    issuers: Tuple[x509.Certificate, ...]

    @property
    def issuer(self) -> Optional[x509.Certificate]:
        """The CA certificate that signed the leaf, when the chain carries it."""
        return self.issuers[0] if self.issuers else None


@dataclass(frozen=True)
class CertificateSummary:
    """What an owner needs to know about a certificate at a glance."""

    subject: str
    sans: Tuple[str, ...]
    not_after: datetime
    key: str

    def days_left(self, now: datetime) -> int:
        return (self.not_after - now).days


def parse_certificates(data: bytes, source: str) -> List[x509.Certificate]:
    """Every certificate in PEM text (one or many) or a single DER certificate."""
    if not data.strip():
        raise CertificateError(f"{source} is empty; give the certificate file (cert.pem or fullchain.pem).")
    if b"-----BEGIN" in data and b"-----BEGIN CERTIFICATE-----" not in data:
        raise CertificateError(f"{source} holds no certificate (no BEGIN CERTIFICATE block); is it a key file?")
    try:
        if b"-----BEGIN" in data:
            return list(x509.load_pem_x509_certificates(data))
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        kind = "PEM" if b"-----BEGIN" in data else "DER"
        raise CertificateError(f"{source} holds no readable {kind} certificate ({exc}).") from None


def order_chain(certificates: Sequence[x509.Certificate], source: str) -> CertificateChain:
    """Put a chain in leaf-to-root order, whatever order the file had."""
    if not certificates:
        raise CertificateError(f"{source} holds no certificate.")
    leaf = _find_leaf(certificates, source)
    issuers: List[x509.Certificate] = []
    current = leaf
    while True:
        parent = _issuer_among(current, certificates)
        if parent is None or parent is leaf or parent in issuers:
            break
        issuers.append(parent)
        current = parent
    return CertificateChain(leaf, tuple(issuers))


def load_chain_file(path: Path) -> CertificateChain:
    """Read and order the certificates in `path` (PEM or DER)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CertificateError(f"{path} does not exist.") from None
    except PermissionError:
        raise NeedsRootError(
            f"cannot read {path}: permission denied. DSM lets only root read its certificates: "
            "run mailsec as root from Task Scheduler (see the README)."
        ) from None
    except OSError as exc:
        raise CertificateError(f"cannot read {path}: {exc.strerror}.") from None
    return order_chain(parse_certificates(data, str(path)), str(path))


def summarize(cert: x509.Certificate) -> CertificateSummary:
    return CertificateSummary(
        subject=cert.subject.rfc4514_string(),
        sans=dns_names(cert),
        not_after=cert.not_valid_after_utc,
        key=key_description(cert),
    )


def key_description(cert: x509.Certificate) -> str:
    """`RSA 2048`, `ECDSA P-256`, `Ed25519`, ..."""
    try:
        key = cert.public_key()
    except (UnsupportedAlgorithm, ValueError):
        return f"unsupported ({cert.public_key_algorithm_oid.dotted_string})"
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"ECDSA {_CURVE_NAMES.get(key.curve.name, key.curve.name)}"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size}"
    return type(key).__name__


def dns_names(cert: x509.Certificate) -> Tuple[str, ...]:
    """The DNS names of the subjectAltName extension, in certificate order."""
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return ()
    return tuple(extension.value.get_values_for_type(x509.DNSName))


def reference_names(cert: x509.Certificate) -> Tuple[str, ...]:
    """The names a host is matched against: the SAN DNS names, or the subject CN when there are none."""
    names = dns_names(cert)
    if names:
        return names
    common_names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return tuple(str(attribute.value) for attribute in common_names)


def covers_host(cert: x509.Certificate, host: str) -> bool:
    return any(name_matches(name, host) for name in reference_names(cert))


def _find_leaf(certificates: Sequence[x509.Certificate], source: str) -> x509.Certificate:
    """The certificate that issued none of the others; the first of them when the file holds several."""
    candidates = [
        cert
        for cert in certificates
        if not any(other is not cert and _issued_by(other, cert) for other in certificates)
    ]
    if not candidates:
        raise CertificateError(f"{source}: every certificate issued another one; no server certificate found.")
    return candidates[0]


def _issuer_among(cert: x509.Certificate, certificates: Sequence[x509.Certificate]) -> Optional[x509.Certificate]:
    for candidate in certificates:
        if candidate is not cert and _issued_by(cert, candidate):
            return candidate
    return None


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when `issuer`'s name and key signed `cert`."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True
