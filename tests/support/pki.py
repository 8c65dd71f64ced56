"""A small certificate authority for tests and the demo NAS: roots, intermediates and server certificates."""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Tuple, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey]
KEY_KINDS = ("rsa2048", "p256", "p384", "ed25519")


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: PrivateKey

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def make_key(kind: str) -> PrivateKey:
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unknown key kind {kind!r}")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _sign(builder: x509.CertificateBuilder, key: PrivateKey) -> x509.Certificate:
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm)


def _name(common_name: str, organization: Optional[str] = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def make_root_ca(common_name: str = "mailsec Test Root", key_kind: str = "p256") -> Issued:
    key = make_key(key_kind)
    name = _name(common_name, "mailsec tests")
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    return Issued(_sign(builder, key), key)


def make_intermediate(parent: Issued, common_name: str = "mailsec Test R1", key_kind: str = "p256") -> Issued:
    key = make_key(key_kind)
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, "mailsec tests"))
        .issuer_name(parent.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(_authority_key_id(parent), critical=False)
    )
    return Issued(_sign(builder, parent.key), key)


def make_leaf(
    issuer: Issued,
    names: Sequence[str],
    key_kind: str = "p256",
    key: Optional[PrivateKey] = None,
    not_before: Optional[dt.datetime] = None,
    not_after: Optional[dt.datetime] = None,
    common_name: Optional[str] = None,
) -> Issued:
    """A server certificate for `names` (SAN DNS names); pass `key` to reuse a key across renewals."""
    key = key or make_key(key_kind)
    start = not_before or _now() - dt.timedelta(days=1)
    end = not_after or start + dt.timedelta(days=90)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name or names[0]))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(_authority_key_id(issuer), critical=False)
    )
    return Issued(_sign(builder, issuer.key), key)


def chain_pem(*issued: Issued) -> bytes:
    return b"".join(item.cert_pem for item in issued)


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
    )


def _authority_key_id(issuer: Issued) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.cert.public_key())


@dataclass(frozen=True)
class ServerCertificate:
    """What a TLS server presents: its certificate and key, and the intermediates it sends along."""

    leaf: Issued
    intermediates: Sequence[Issued] = ()

    @property
    def chain_pem(self) -> bytes:
        """The leaf followed by the intermediates (a "fullchain" file)."""
        return chain_pem(self.leaf, *self.intermediates)

    def write(self, directory: Path, name: str = "server") -> Tuple[Path, Path]:
        """Write `<name>.crt` (the chain) and `<name>.key` (mode 0600) to `directory`; return both paths."""
        cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
        cert_file.write_bytes(self.chain_pem)
        key_file.write_bytes(self.leaf.key_pem)
        key_file.chmod(0o600)
        return cert_file, key_file


@dataclass(frozen=True)
class CertificateAuthority:
    """A test root and its intermediate, issuing server certificates; the root is the CA bundle to trust."""

    root: Issued
    intermediate: Issued

    @classmethod
    def create(cls) -> "CertificateAuthority":
        root = make_root_ca()
        return cls(root, make_intermediate(root))

    def server_certificate(
        self, *names: str, with_intermediate: bool = True, **options: object
    ) -> ServerCertificate:
        """A certificate for `names` issued by the intermediate; `options` go to `make_leaf`."""
        leaf = make_leaf(self.intermediate, list(names), **options)  # type: ignore[arg-type]
        return ServerCertificate(leaf, [self.intermediate] if with_intermediate else [])

    def write_bundle(self, path: Path) -> Path:
        """The root certificate as a PEM bundle (for `requests`' `verify=`, ssl contexts, `--ca-bundle`)."""
        path.write_bytes(self.root.cert_pem)
        return path
