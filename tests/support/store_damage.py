"""Ways DSM's certificate store can be broken, each returning the file an error message must name.

Shared by the certificate-store unit tests and the CLI tests, which must both turn every one of them into
a clear error.
"""

import json
import shutil
from pathlib import Path
from typing import Callable, Dict

from tests.support.demo_nas import DemoNas


def _info(demo: DemoNas) -> Dict:
    return json.loads(demo.layout.certificate_index.read_text(encoding="utf-8"))


def _write_info(demo: DemoNas, document: object) -> Path:
    demo.layout.certificate_index.write_text(json.dumps(document), encoding="utf-8")
    return demo.layout.certificate_index


def unbind_mailplus(demo: DemoNas) -> Path:
    """Drop the MailPlus Server binding, so the DEFAULT certificate is the one to use."""
    info = _info(demo)
    info[demo.mail_cert_id]["services"] = []
    return _write_info(demo, info)


def missing_info(demo: DemoNas) -> Path:
    demo.layout.certificate_index.unlink()
    return demo.layout.certificate_index


def corrupt_json(demo: DemoNas) -> Path:
    demo.layout.certificate_index.write_text('{"Mp7Q2a": {"desc": "Mail", ', encoding="utf-8")
    return demo.layout.certificate_index


def json_list(demo: DemoNas) -> Path:
    return _write_info(demo, list(_info(demo).values()))


def entry_not_object(demo: DemoNas) -> Path:
    info = _info(demo)
    info[demo.mail_cert_id] = "Mail"
    return _write_info(demo, info)


def services_not_list(demo: DemoNas) -> Path:
    info = _info(demo)
    info[demo.mail_cert_id]["services"] = {"display_name": "MailPlus Server"}
    return _write_info(demo, info)


def service_not_object(demo: DemoNas) -> Path:
    info = _info(demo)
    info[demo.mail_cert_id]["services"] = ["MailPlus-Server"]
    return _write_info(demo, info)


def subscriber_not_text(demo: DemoNas) -> Path:
    info = _info(demo)
    info[demo.mail_cert_id]["services"][0]["subscriber"] = ["MailPlus-Server"]
    return _write_info(demo, info)


def id_not_a_folder_name(demo: DemoNas) -> Path:
    info = _info(demo)
    info["../../etc"] = info.pop(demo.mail_cert_id)
    return _write_info(demo, info)


def not_utf8(demo: DemoNas) -> Path:
    text = demo.layout.certificate_index.read_text(encoding="utf-8").replace('"Mail"', '"Ma\u00efl"')
    demo.layout.certificate_index.write_bytes(text.encode("latin-1"))
    return demo.layout.certificate_index


def dangling_mailplus_id(demo: DemoNas) -> Path:
    """INFO binds MailPlus to a folder that has no cert.pem."""
    shutil.rmtree(str(demo.layout.certificate_folder(demo.mail_cert_id)))
    return demo.layout.certificate_folder(demo.mail_cert_id) / "cert.pem"


def default_names_unknown_id(demo: DemoNas) -> Path:
    unbind_mailplus(demo)
    demo.layout.default_certificate_marker.write_text("Zz9Zz9\n", encoding="utf-8")
    return demo.layout.default_certificate_marker


def default_not_an_id(demo: DemoNas) -> Path:
    unbind_mailplus(demo)
    demo.layout.default_certificate_marker.write_text("{not an id}\n", encoding="utf-8")
    return demo.layout.default_certificate_marker


def no_mailplus_and_no_default(demo: DemoNas) -> Path:
    unbind_mailplus(demo)
    demo.layout.default_certificate_marker.unlink()
    return demo.layout.certificate_index


DAMAGE: Dict[str, Callable[[DemoNas], Path]] = {
    damage.__name__: damage
    for damage in (
        missing_info, corrupt_json, json_list, entry_not_object, services_not_list, service_not_object,
        subscriber_not_text, id_not_a_folder_name, not_utf8, dangling_mailplus_id, default_names_unknown_id,
        default_not_an_id, no_mailplus_and_no_default,
    )
}
