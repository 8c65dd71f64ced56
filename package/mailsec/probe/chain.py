"""The certificate chain an MX presents after STARTTLS, as sent (leaf first).

Python 3.8's `ssl` module exposes only the leaf certificate, yet DANE-TA records (`2 x x`) match a CA
certificate the server must send in its chain (RFC 7672 §3.1.2). The `openssl` command, present on
DSM and on every Linux, prints the whole chain, so the probe asks it; without it the audit says that
issuer records could not be checked rather than guessing.
"""

import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Tuple

from cryptography import x509
from cryptography.hazmat.primitives import serialization

_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


@dataclass(frozen=True)
class PresentedChain:
    certificates: Tuple[x509.Certificate, ...] = ()
    error: str = ""


def presented_chain(host: str, address: str, ehlo_name: str, timeout: float = 20.0) -> PresentedChain:
    """Ask `openssl s_client` for the chain `address` port 25 presents to SNI `host`."""
    openssl = shutil.which("openssl") or shutil.which("openssl", path="/usr/bin:/bin:/usr/syno/bin")
    if openssl is None:
        return PresentedChain(error="the openssl command is not available to read the chain")
    target = f"[{address}]:25" if ":" in address else f"{address}:25"
    command = [openssl, "s_client", "-connect", target, "-starttls", "smtp", "-name", ehlo_name,
               "-servername", host, "-showcerts"]
    try:
        completed = subprocess.run(command, input=b"", capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return PresentedChain(error=f"openssl s_client gave no chain within {timeout:g} s")
    except OSError as exc:
        return PresentedChain(error=f"openssl s_client could not run: {exc.strerror}")
    certificates = []
    for block in _PEM_BLOCK.findall(completed.stdout):
        try:
            certificates.append(x509.load_pem_x509_certificate(block))
        except ValueError:
            return PresentedChain(error="the server sent a certificate that cannot be parsed")
    if not certificates:
        return PresentedChain(error="openssl s_client saw no certificate (handshake failed)")
    return PresentedChain(tuple(certificates))


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)
