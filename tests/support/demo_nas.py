"""A realistic fake DSM 7 NAS tree for `make run` and the tests.

It holds DSM's certificate store (INFO with several certificates and services, one bound to MailPlus
Server, DEFAULT naming the DSM one), Web Station's `web` share and mailsec's state folder with a
configured demo domain. Run `python -m tests.support.demo_nas DIR` to build one.
"""

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

from mailsec.nas import MAILPLUS_SUBSCRIBER, NasLayout
from mailsec.settings import DomainSettings, update_settings, validate_domain_settings
from tests.support.pki import Issued, chain_pem, make_intermediate, make_leaf, make_root_ca

DOMAIN = "example.nl"
MAIL_HOST = f"mail.{DOMAIN}"
MARKER = ".mailsec-demo-nas"


@dataclass(frozen=True)
class DemoNas:
    layout: NasLayout
    root_ca: Issued
    issuer: Issued
    mail: Issued
    dsm: Issued
    mail_cert_id: str = "Mp7Q2a"
    dsm_cert_id: str = "Xk3Df9"
    web_cert_id: str = "Ws4Hv8"


def _service(display_name: str, subscriber: str, service: str, is_pkg: bool, owner: str = "root") -> Dict:
    return {"display_name": display_name, "isPkg": is_pkg, "owner": owner, "service": service,
            "subscriber": subscriber}


def write_certificate(layout: NasLayout, cert_id: str, leaf: Issued, issuers: List[Issued]) -> Path:
    """Write a certificate folder the way DSM does: cert, chain, fullchain and the private key."""
    folder = layout.certificate_folder(cert_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cert.pem").write_bytes(leaf.cert_pem)
    (folder / "chain.pem").write_bytes(chain_pem(*issuers))
    (folder / "fullchain.pem").write_bytes(chain_pem(leaf, *issuers))
    key_file = folder / "privkey.pem"
    key_file.write_bytes(leaf.key_pem)
    os.chmod(str(key_file), 0o600)
    return folder


def write_certificate_index(layout: NasLayout, entries: Dict[str, Dict], default_id: str) -> None:
    layout.certificate_archive.mkdir(parents=True, exist_ok=True)
    layout.certificate_index.write_text(json.dumps(entries, indent=4), encoding="utf-8")
    layout.default_certificate_marker.write_text(default_id + "\n", encoding="utf-8")


def build_demo_nas(root: Path, mail_key_kind: str = "p256") -> DemoNas:
    layout = NasLayout(Path(root))
    root_ca = make_root_ca("mailsec Demo Root X1")
    issuer = make_intermediate(root_ca, "mailsec Demo R1")
    mail = make_leaf(issuer, [MAIL_HOST, f"mta-sts.{DOMAIN}"], key_kind=mail_key_kind)
    dsm = make_leaf(issuer, [f"nas.{DOMAIN}", f"www.{DOMAIN}"], key_kind="rsa2048")
    web = make_leaf(issuer, [f"www.{DOMAIN}"], key_kind="p256")
    demo = DemoNas(layout, root_ca, issuer, mail, dsm)
    write_certificate(layout, demo.dsm_cert_id, dsm, [issuer])
    write_certificate(layout, demo.mail_cert_id, mail, [issuer])
    write_certificate(layout, demo.web_cert_id, web, [issuer])
    write_certificate_index(layout, {
        demo.dsm_cert_id: {"desc": "DSM", "services": [
            _service("DSM Desktop Service", "system", "default", False),
            _service("FTPS", "smbftpd", "ftpd", False),
            _service("Hyper Backup Vault", "HyperBackupVault", "HyperBackupVault", True),
        ]},
        demo.mail_cert_id: {"desc": "Mail", "services": [
            _service("MailPlus Server", MAILPLUS_SUBSCRIBER, "MailPlus-Server", True, MAILPLUS_SUBSCRIBER),
        ]},
        demo.web_cert_id: {"desc": "", "services": [
            _service("www.example.nl", "WebStation", "vhost_5dd5a8fe-6b2c-4a0e-9c1e-2f4f0b1d7a11", True, "WebStation"),
        ]},
    }, demo.dsm_cert_id)
    layout.web_share.mkdir(parents=True, exist_ok=True)
    (layout.web_share / "index.html").write_text("<p>Web Station</p>\n", encoding="utf-8")
    update_settings(layout.state_dir(), lambda settings: settings.with_domain(
        validate_domain_settings(DomainSettings(domain=DOMAIN, mx=(MAIL_HOST,), dkim_selectors=("ds218-bpe",)))
    ))
    (layout.root / MARKER).write_text("built by tests/support/demo_nas.py\n", encoding="utf-8")
    return demo


def main(argv: List[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m tests.support.demo_nas DIR\n")
        return 2
    root = Path(argv[0])
    if (root / MARKER).exists():
        print(f"demo NAS already at {root}")
        return 0
    build_demo_nas(root)
    print(f"demo NAS built at {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
