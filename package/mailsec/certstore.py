"""DSM's certificate store: which certificate MailPlus Server uses.

`_archive/INFO` is a JSON object keyed by certificate id; each entry has a `desc` and the `services`
bound to that certificate (`display_name`, `isPkg`, `owner`, `service`, `subscriber`). `_archive/DEFAULT`
holds the id of DSM's default certificate. Only root may read either on a real NAS.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from mailsec.errors import MailsecError, NeedsRootError
from mailsec.nas import MAILPLUS_SUBSCRIBER, NasLayout

_CERT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
_REPAIR_HINT = (
    "DSM rewrites it when certificate settings are saved: open Control Panel > Security > Certificate > "
    "Settings, press OK, then run mailsec again."
)


class CertificateStoreError(MailsecError):
    """The certificate store is missing, unreadable or not in the format DSM 7 writes."""


@dataclass(frozen=True)
class ServiceBinding:
    """One DSM service that uses a certificate."""

    display_name: str
    subscriber: str
    service: str
    is_package: bool
    owner: str


@dataclass(frozen=True)
class StoredCertificate:
    """A certificate folder in `_archive` and the services bound to it."""

    cert_id: str
    description: str
    services: Tuple[ServiceBinding, ...]
    folder: Path

    @property
    def chain_file(self) -> Path:
        """`fullchain.pem` (leaf and intermediates) when DSM wrote one, else `cert.pem`."""
        full = self.folder / "fullchain.pem"
        return full if full.exists() else self.folder / "cert.pem"

    def is_used_by(self, subscriber: str) -> bool:
        return any(binding.subscriber == subscriber for binding in self.services)


@dataclass(frozen=True)
class MailCertificateChoice:
    """The certificate mailsec works with, and why it was chosen."""

    certificate: StoredCertificate
    used_by_mailplus: bool
    note: str


def read_text(path: Path, what: str, missing_ok: bool = False) -> Optional[str]:
    """The text of a store file (None if missing and `missing_ok`), or a `MailsecError` saying what to do."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return None
        raise CertificateStoreError(
            f"{path} does not exist. mailsec reads DSM 7's certificate store; "
            f"check that --root points at the NAS root (now {what})."
        ) from None
    except PermissionError:
        raise NeedsRootError(
            f"cannot read {path}: permission denied. Only root may read DSM's certificate store: "
            "run mailsec as root from Task Scheduler (see the README), or pass --cert FILE."
        ) from None
    except UnicodeDecodeError as exc:
        raise CertificateStoreError(f"{path} is not UTF-8 text ({exc.reason}). {_REPAIR_HINT}") from None
    except OSError as exc:
        raise CertificateStoreError(f"cannot read {path}: {exc.strerror}.") from None


def read_certificate_index(layout: NasLayout) -> Dict[str, StoredCertificate]:
    """Every certificate listed in `_archive/INFO`, keyed by id, in file order."""
    path = layout.certificate_index
    text = read_text(path, str(layout.root))
    try:
        document = json.loads(text or "")
    except json.JSONDecodeError as exc:
        raise CertificateStoreError(
            f"{path} is corrupt: {exc.msg} at line {exc.lineno}, column {exc.colno}. {_REPAIR_HINT}"
        ) from None
    if not isinstance(document, dict):
        raise CertificateStoreError(f"{path} should hold a JSON object keyed by certificate id. {_REPAIR_HINT}")
    return {
        cert_id: _stored_certificate(path, layout, cert_id, entry) for cert_id, entry in document.items()
    }


def read_default_id(layout: NasLayout) -> Optional[str]:
    """The id in `_archive/DEFAULT`, or None when DSM has no default certificate."""
    path = layout.default_certificate_marker
    cert_id = (read_text(path, str(layout.root), missing_ok=True) or "").strip()
    if not cert_id:
        return None
    if not _CERT_ID.match(cert_id):
        raise CertificateStoreError(f"{path} holds {cert_id[:40]!r}, which is not a certificate id. {_REPAIR_HINT}")
    return cert_id


def find_mail_certificate(layout: NasLayout) -> MailCertificateChoice:
    """The certificate bound to MailPlus Server, else DSM's default one (and the note says so)."""
    index = read_certificate_index(layout)
    for_mailplus = [cert for cert in index.values() if cert.is_used_by(MAILPLUS_SUBSCRIBER)]
    if for_mailplus:
        chosen = for_mailplus[0]
        note = f"certificate {chosen.cert_id} is bound to MailPlus Server"
        if len(for_mailplus) > 1:
            others = ", ".join(cert.cert_id for cert in for_mailplus[1:])
            note += f" (MailPlus Server also uses {others}; `mailsec check` shows which one port 25 presents)"
        return MailCertificateChoice(_present(layout, chosen, "MailPlus Server"), True, note)
    default_id = read_default_id(layout)
    if default_id is None:
        raise CertificateStoreError(
            f"no certificate is bound to MailPlus Server in {layout.certificate_index} and DSM has no default "
            "certificate. Assign one in Control Panel > Security > Certificate > Settings."
        )
    if default_id not in index:
        raise CertificateStoreError(
            f"{layout.default_certificate_marker} names certificate {default_id!r}, "
            f"which {layout.certificate_index} does not list. {_REPAIR_HINT}"
        )
    note = (
        "no certificate is bound to MailPlus Server in INFO; using DSM's default certificate "
        f"{default_id}, which MailPlus Server uses unless told otherwise"
    )
    return MailCertificateChoice(_present(layout, index[default_id], "DSM's default certificate"), False, note)


def _present(layout: NasLayout, cert: StoredCertificate, role: str) -> StoredCertificate:
    if read_text(cert.folder / "cert.pem", str(layout.root), missing_ok=True) is None:
        raise CertificateStoreError(
            f"{layout.certificate_index} lists {role} as {cert.cert_id!r}, but {cert.folder}/cert.pem is "
            "missing. Re-import or re-assign the certificate in Control Panel > Security > Certificate."
        )
    return cert


def _stored_certificate(path: Path, layout: NasLayout, cert_id: str, entry: object) -> StoredCertificate:
    if not _CERT_ID.match(cert_id):
        raise CertificateStoreError(f"{path} has an entry named {cert_id[:40]!r}, which is not a certificate id.")
    if not isinstance(entry, dict):
        raise CertificateStoreError(f"{path}: entry {cert_id!r} should be a JSON object. {_REPAIR_HINT}")
    services = entry.get("services", [])
    if not isinstance(services, list):
        raise CertificateStoreError(f"{path}: entry {cert_id!r} has no 'services' list. {_REPAIR_HINT}")
    description = entry.get("desc", "")
    return StoredCertificate(
        cert_id=cert_id,
        description=description if isinstance(description, str) else "",
        services=tuple(_binding(path, cert_id, service) for service in services),
        folder=layout.certificate_folder(cert_id),
    )


def _binding(path: Path, cert_id: str, service: object) -> ServiceBinding:
    if not isinstance(service, dict):
        raise CertificateStoreError(f"{path}: a service of {cert_id!r} is not a JSON object. {_REPAIR_HINT}")
    fields: List[str] = []
    for key in ("display_name", "subscriber", "service", "owner"):
        value = service.get(key, "")
        if not isinstance(value, str):
            raise CertificateStoreError(f"{path}: {cert_id!r} has a service whose {key!r} is not text. {_REPAIR_HINT}")
        fields.append(value)
    display_name, subscriber, name, owner = fields
    return ServiceBinding(display_name, subscriber, name, bool(service.get("isPkg", False)), owner)
