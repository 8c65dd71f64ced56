"""The `openssl` command line as the oracle for every digest mailsec computes.

Each function runs openssl on a certificate file, exactly as an owner would by hand, and returns what
it printed, so a test compares mailsec's answer with an independent implementation.
"""

import subprocess
from pathlib import Path


def _openssl(args, data: bytes = b"") -> bytes:
    return subprocess.run(["openssl", *args], input=data, stdout=subprocess.PIPE, check=True).stdout


def certificate_der(path: Path, der_input: bool = False) -> bytes:
    """The first certificate of `path`, DER-encoded by `openssl x509`."""
    inform = ["-inform", "DER"] if der_input else []
    return _openssl(["x509", *inform, "-in", str(path), "-outform", "DER"])


def spki_der(path: Path, der_input: bool = False) -> bytes:
    """The SubjectPublicKeyInfo of the first certificate of `path`, by `openssl x509 | openssl pkey`."""
    inform = ["-inform", "DER"] if der_input else []
    public_pem = _openssl(["x509", *inform, "-in", str(path), "-noout", "-pubkey"])
    return _openssl(["pkey", "-pubin", "-outform", "DER"], public_pem)


def digest_hex(data: bytes, mtype: int) -> str:
    """TLSA association data in hex for matching type 0 (full), 1 (`openssl dgst -sha256`) or 2 (-sha512)."""
    if mtype == 0:
        return data.hex()
    algorithm = {1: "-sha256", 2: "-sha512"}[mtype]
    return _openssl(["dgst", algorithm, "-r"], data).split()[0].decode("ascii")


def tlsa_data(path: Path, selector: int, mtype: int, der_input: bool = False) -> str:
    """What openssl says the association data of `path`'s first certificate is."""
    selected = spki_der(path, der_input) if selector == 1 else certificate_der(path, der_input)
    return digest_hex(selected, mtype)


def seed_pipeline(path: Path) -> subprocess.CompletedProcess:
    """The seed's recipe, verbatim: `openssl x509 -pubkey | openssl rsa -pubin -outform der | sha256sum`."""
    command = f"set -o pipefail; openssl x509 -in '{path}' -pubkey -noout | openssl rsa -pubin -outform der | sha256sum"
    return subprocess.run(["bash", "-c", command], capture_output=True, check=False)
