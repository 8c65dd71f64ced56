"""DANE TLSA records (RFC 6698, RFC 7671, RFC 7672): compute them from certificates and render them.

The record model imports no cryptography, so that reading saved records (the refresh state, the app's
pages) stays cheap; the library is loaded when a digest is computed.
"""

import hashlib
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Iterable, List

from mailsec.errors import CertificateError
from mailsec.names import normalize_host

if TYPE_CHECKING:
    from cryptography import x509

    from mailsec.certs import CertificateChain

SMTP_PORT = 25


class Usage(IntEnum):
    PKIX_TA = 0
    PKIX_EE = 1
    DANE_TA = 2
    DANE_EE = 3


class Selector(IntEnum):
    CERT = 0
    SPKI = 1


class MatchingType(IntEnum):
    FULL = 0
    SHA256 = 1
    SHA512 = 2


@dataclass(frozen=True)
class TlsaRecord:
    """One TLSA resource record; `data` is the association data in lower-case hex."""

    name: str
    usage: int
    selector: int
    mtype: int
    data: str

    @property
    def rdata(self) -> str:
        return f"{self.usage} {self.selector} {self.mtype} {self.data}"

    def zone_line(self) -> str:
        return f"{self.name} IN TLSA {self.rdata}"


def tlsa_owner(host: str, port: int = SMTP_PORT) -> str:
    """`_25._tcp.mail.example.nl.`: the TLSA owner name sits below the MX host, not the domain."""
    return f"_{port}._tcp.{normalize_host(host)}."


def selected_bytes(cert: "x509.Certificate", selector: Selector) -> bytes:
    """The DER bytes a selector picks: the whole certificate or its SubjectPublicKeyInfo."""
    from cryptography.exceptions import UnsupportedAlgorithm  # noqa: PLC0415 - see the module docstring
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    if selector == Selector.CERT:
        return cert.public_bytes(serialization.Encoding.DER)
    try:
        key = cert.public_key()
    except (UnsupportedAlgorithm, ValueError):
        raise CertificateError(
            f"the key of {cert.subject.rfc4514_string()} uses an algorithm mailsec cannot read "
            f"({cert.public_key_algorithm_oid.dotted_string}); use selector 0 (whole certificate)."
        ) from None
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def association_data(cert: "x509.Certificate", selector: Selector, mtype: MatchingType) -> bytes:
    selected = selected_bytes(cert, selector)
    if mtype == MatchingType.SHA256:
        return hashlib.sha256(selected).digest()
    if mtype == MatchingType.SHA512:
        return hashlib.sha512(selected).digest()
    return selected


def record_for(
    cert: "x509.Certificate", host: str, port: int, usage: Usage, selector: Selector, mtype: MatchingType
) -> TlsaRecord:
    data = association_data(cert, selector, mtype).hex()
    return TlsaRecord(tlsa_owner(host, port), int(usage), int(selector), int(mtype), data)


def spki_sha256(cert: "x509.Certificate") -> str:
    """The SHA-256 of a certificate's key (the data of its `3 1 1` record): equal digests, same key."""
    return association_data(cert, Selector.SPKI, MatchingType.SHA256).hex()


def dane_ee_record(cert: "x509.Certificate", host: str, port: int = SMTP_PORT) -> TlsaRecord:
    """The `3 1 1` record of a server certificate for `host`: RFC 7672's first choice."""
    return record_for(cert, host, port, Usage.DANE_EE, Selector.SPKI, MatchingType.SHA256)


def default_records(chain: "CertificateChain", hosts: Iterable[str], ports: Iterable[int]) -> List[TlsaRecord]:
    """`3 1 1` for the server key on each host and port, plus `2 1 1` for the issuing CA when known.

    `3 1 1` is RFC 7672's first choice. The issuer record keeps DANE working through a renewal that
    changes the server key but keeps the CA key, which is how Let's Encrypt renewals usually go.
    """
    records = []
    port_list = list(ports)
    for host in hosts:
        for port in port_list:
            records.append(dane_ee_record(chain.leaf, host, port))
            if chain.issuer is not None:
                records.append(
                    record_for(chain.issuer, host, port, Usage.DANE_TA, Selector.SPKI, MatchingType.SHA256)
                )
    return records
