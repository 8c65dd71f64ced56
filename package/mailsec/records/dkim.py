"""DKIM public key records at `<selector>._domainkey.<domain>` (RFC 6376 §3.6.1, RFC 8301, RFC 8463).

The record is a tag list (`taglist`, with folding whitespace and case-sensitive tag names):
`v=DKIM1` (optional, but first when present), `k=` key type (`rsa` by default, or `ed25519`), `p=` the
base64 public key (empty: revoked), `h=` acceptable hashes, `s=` service types, `t=` flags, `n=` notes.

The key itself is read with `cryptography`, so the audit knows the real key type and size:

* RSA keys come as DER SubjectPublicKeyInfo (what `openssl ... -pubout` writes and what every
  verifier accepts) or, as RFC 6376's text literally says, PKCS#1 `RSAPublicKey`, which some verifiers
  (dkimpy among them) reject. Verifiers MUST NOT accept keys under 1024 bits; 2048 is recommended.
* Ed25519 keys are the raw 32 bytes (RFC 8463 §4.2), not an SPKI; publishing the SPKI form is a common
  mistake that verifiers reject.

Verifiers no longer verify rsa-sha1 (RFC 8301 §3.1), so a key limited to `h=sha1` is unusable.
"""

import base64
import binascii
import re
from dataclasses import dataclass
from enum import Enum
from typing import Optional, Sequence, Tuple

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from mailsec.limits import DKIM_RSA_MAX_VERIFIED_BITS, DKIM_RSA_MIN_BITS, DKIM_RSA_RECOMMENDED_BITS
from mailsec.records.issues import IssueLog, Parsed
from mailsec.records.taglist import TagList, parse_tag_list
from mailsec.records.txt import TxtData, read_txt, select_one

DKIM_VERSION = "DKIM1"
ED25519_KEY_BYTES = 32
REVOKED = "dkim.revoked"  # issue code of a revoked key (empty `p=`)
_KNOWN_TAGS = ("v", "g", "h", "k", "n", "p", "s", "t")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}\Z")
_WHITESPACE = re.compile(r"[ \t]+")


class KeyType(str, Enum):
    RSA = "rsa"
    ED25519 = "ed25519"


class KeyFormat(str, Enum):
    SPKI = "spki"  # DER SubjectPublicKeyInfo
    PKCS1 = "pkcs1"  # DER RSAPublicKey
    RAW = "raw"  # the 32 bytes of an Ed25519 key


@dataclass(frozen=True)
class DkimKey:
    """A usable DKIM public key and the tags that limit its use."""

    key_type: KeyType
    key_format: KeyFormat
    key_bits: int  # RSA modulus size; 256 for Ed25519
    public_key: bytes  # the decoded `p=` value
    hash_algorithms: Optional[Tuple[str, ...]] = None  # None: any
    service_types: Tuple[str, ...] = ("*",)
    flags: Tuple[str, ...] = ()
    notes: Optional[str] = None

    @property
    def testing(self) -> bool:
        """`t=y`: verifiers treat signed mail as unsigned; DMARC gets nothing from this key."""
        return "y" in self.flags


def parse_dkim_key(data: TxtData) -> Parsed[DkimKey]:
    """Parse one TXT record's value as a DKIM key record."""
    text, problems = read_txt(data)
    tags = parse_tag_list(
        text, problems, folding=True, case_sensitive=True,
        repeated="a key record with a repeated tag is invalid (RFC 6376 §3.2)",
    )
    _check_version(tags, problems)
    _note_unknown_tags(tags, problems)
    key_type = _key_type(tags, problems)
    hashes = _hash_algorithms(tags, problems)
    services = _list(tags, "s") or ("*",)
    flags = _list(tags, "t")
    _check_services_and_flags(services, flags, problems)
    key = _public_key(tags, key_type, problems) if key_type else None
    if key is None:
        return problems.result(None)
    notes = tags.get("n")
    return problems.result(
        DkimKey(key_type, key[0], key[1], key[2], hashes, services, flags, notes.value if notes else None)
    )


def select_dkim_key(records: Sequence[TxtData]) -> Parsed[DkimKey]:
    """The key of a selector from all its TXT records: more than one gives undefined results (§3.6.2.2)."""
    return select_one(
        records,
        lambda _text: True,
        lambda _text: False,
        parse_dkim_key,
        rule="",
        absent="there is no TXT record at this selector; publish the key record here",
        several="verifiers may pick any of them (RFC 6376 §3.6.2.2), so signatures fail at random. "
        "Keep one key record per selector",
    )


def _check_version(tags: TagList, problems: IssueLog) -> None:
    version = tags.get("v")
    if version is None:
        return
    if tags.tags[0] is not version:
        problems.error("`v=` must be the first tag when present; move it to the front", str(version))
    if version.value != DKIM_VERSION:
        problems.error(f"verifiers discard a key record whose version is not exactly `{DKIM_VERSION}`", str(version))


def _note_unknown_tags(tags: TagList, problems: IssueLog) -> None:
    for tag in tags.tags:
        if tag.name == "g":
            problems.info("`g=` was removed in RFC 6376 and is ignored; delete it", str(tag))
        elif tag.name not in _KNOWN_TAGS:
            lower = tag.name.lower()
            hint = f"; tag names are case-sensitive, write `{lower}`" if lower in _KNOWN_TAGS else ""
            problems.warning(f"unknown tag, ignored by verifiers{hint}", str(tag))


def _key_type(tags: TagList, problems: IssueLog) -> Optional[KeyType]:
    tag = tags.get("k")
    if tag is None:
        return KeyType.RSA
    for key_type in KeyType:
        if tag.value == key_type.value:
            return key_type
        if tag.value.lower() == key_type.value:
            problems.warning(f"write the key type in lower case, `k={key_type.value}`", str(tag))
            return key_type
    problems.error("unknown key type: verifiers ignore the key. Use `k=rsa` or `k=ed25519`", str(tag))
    return None


def _list(tags: TagList, name: str) -> Tuple[str, ...]:
    tag = tags.get(name)
    if tag is None:
        return ()
    return tuple(item.strip(" \t") for item in tag.value.split(":") if item.strip(" \t"))


def _hash_algorithms(tags: TagList, problems: IssueLog) -> Optional[Tuple[str, ...]]:
    tag = tags.get("h")
    if tag is None:
        return None
    hashes = _list(tags, "h")
    if "sha256" not in hashes:
        problems.error(
            "the key allows no hash verifiers still accept: rsa-sha1 must no longer be used (RFC 8301 "
            "§3.1). Remove `h=` or write `h=sha256`",
            str(tag),
        )
    for unknown in sorted(set(hashes) - {"sha1", "sha256"}):
        problems.info(f"`{unknown}` is not a hash algorithm verifiers know; they ignore it", str(tag))
    return hashes


def _check_services_and_flags(services: Tuple[str, ...], flags: Tuple[str, ...], problems: IssueLog) -> None:
    if "*" not in services and "email" not in services:
        problems.warning(
            f"`s={':'.join(services)}` excludes email, so mail verifiers ignore this key; "
            "remove `s=` or include `email`"
        )
    if "y" in flags:
        problems.warning(
            "`t=y` marks the key as testing: verifiers treat mail signed with it like unsigned mail, so it "
            "counts for nothing in DMARC. Remove `y` from `t=` once signing works"
        )
    for unknown in sorted(set(flags) - {"y", "s"}):
        problems.info(f"`t={unknown}` is not a flag verifiers know; they ignore it")


def _public_key(tags: TagList, key_type: KeyType, problems: IssueLog) -> Optional[Tuple[KeyFormat, int, bytes]]:
    tag = tags.get("p")
    if tag is None:
        problems.error("the required tag `p=` (the public key) is missing; this is not a usable key record")
        return None
    encoded = _WHITESPACE.sub("", tag.value)
    if not encoded:
        problems.error(
            "the key is revoked (empty `p=`): every signature with this selector fails. Publish the current "
            "key, or delete the record if the selector is no longer used",
            code=REVOKED,
        )
        return None
    if not _BASE64.match(encoded) or len(encoded) % 4:
        problems.error("`p=` is not valid base64 (letters, digits, `+`, `/`, `=` padding, length a multiple of 4)")
        return None
    try:
        der = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        problems.error("`p=` is not valid base64; copy the key again from the signing server")
        return None
    reader = _rsa_key if key_type is KeyType.RSA else _ed25519_key
    return reader(der, problems)


def _rsa_key(der: bytes, problems: IssueLog) -> Optional[Tuple[KeyFormat, int, bytes]]:
    if len(der) == ED25519_KEY_BYTES:
        problems.error("`p=` holds 32 bytes, an Ed25519 key, but the key type is RSA; add `k=ed25519`")
        return None
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm):
        problems.error("`p=` is not an RSA public key (DER SubjectPublicKeyInfo); copy it again from the signer")
        return None
    if isinstance(key, ed25519.Ed25519PublicKey):
        problems.error(
            "`p=` holds an Ed25519 key, but the key type is RSA (the default): add `k=ed25519` and publish "
            f"the raw key, `p={_raw_ed25519(key)}`"
        )
        return None
    if not isinstance(key, rsa.RSAPublicKey):
        problems.error(f"`p=` holds a {type(key).__name__}, which DKIM cannot use; publish an RSA or Ed25519 key")
        return None
    key_format = _rsa_format(key, der, problems)
    _check_rsa_size(key.key_size, problems)
    return key_format, key.key_size, der


def _rsa_format(key: rsa.RSAPublicKey, der: bytes, problems: IssueLog) -> KeyFormat:
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if der == spki:
        return KeyFormat.SPKI
    if der != key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1):
        problems.warning("the key's DER encoding is not canonical; some verifiers reject it. Export it again")
    problems.info(
        "`p=` is a PKCS#1 RSAPublicKey. RFC 6376 allows it, but some verifiers (dkimpy, for one) accept only "
        f"SubjectPublicKeyInfo; publish `p={base64.b64encode(spki).decode('ascii')}` instead"
    )
    return KeyFormat.PKCS1


def _check_rsa_size(bits: int, problems: IssueLog) -> None:
    if bits < DKIM_RSA_MIN_BITS:
        problems.error(
            f"the RSA key has {bits} bits; verifiers must not accept keys under {DKIM_RSA_MIN_BITS} bits "
            f"(RFC 8301 §3.2). Generate a {DKIM_RSA_RECOMMENDED_BITS}-bit key under a new selector"
        )
    elif bits < DKIM_RSA_RECOMMENDED_BITS:
        problems.warning(
            f"the RSA key has {bits} bits; {DKIM_RSA_RECOMMENDED_BITS} bits are recommended (RFC 8301 §3.2). "
            "Roll over to a 2048-bit key under a new selector"
        )
    elif bits > DKIM_RSA_MAX_VERIFIED_BITS:
        problems.warning(
            f"the RSA key has {bits} bits; verifiers need only handle up to {DKIM_RSA_MAX_VERIFIED_BITS}, "
            "so some will not verify it"
        )


def _ed25519_key(der: bytes, problems: IssueLog) -> Optional[Tuple[KeyFormat, int, bytes]]:
    if len(der) == ED25519_KEY_BYTES:
        return KeyFormat.RAW, 256, der
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm):
        key = None
    if isinstance(key, ed25519.Ed25519PublicKey):
        problems.error(
            "`p=` is an Ed25519 key in SubjectPublicKeyInfo form; RFC 8463 §4.2 wants the raw 32-byte key, "
            f"so verifiers reject this one. Publish `p={_raw_ed25519(key)}`"
        )
    elif isinstance(key, rsa.RSAPublicKey):
        problems.error("`p=` holds an RSA key but `k=ed25519` says Ed25519; write `k=rsa` (or leave `k=` out)")
    else:
        problems.error(f"an Ed25519 key is {ED25519_KEY_BYTES} bytes (44 base64 characters), not {len(der)}")
    return None


def _raw_ed25519(key: ed25519.Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")
