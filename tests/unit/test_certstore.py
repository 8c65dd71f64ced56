"""Finding the certificate MailPlus Server uses in DSM's certificate store."""

import json
from typing import Callable

import pytest

from mailsec.certstore import CertificateStoreError, find_mail_certificate, read_certificate_index
from tests.support import store_damage
from tests.support.demo_nas import DemoNas


def test_mailplus_certificate_is_found_by_its_subscriber(demo_nas: DemoNas) -> None:
    choice = find_mail_certificate(demo_nas.layout)

    assert choice.certificate.cert_id == demo_nas.mail_cert_id
    assert choice.used_by_mailplus
    assert "bound to MailPlus Server" in choice.note
    assert choice.certificate.chain_file == demo_nas.layout.certificate_folder(demo_nas.mail_cert_id) / "fullchain.pem"


def test_without_fullchain_the_chain_file_is_cert_pem(demo_nas: DemoNas) -> None:
    folder = demo_nas.layout.certificate_folder(demo_nas.mail_cert_id)
    (folder / "fullchain.pem").unlink()

    assert find_mail_certificate(demo_nas.layout).certificate.chain_file == folder / "cert.pem"


def test_without_mailplus_binding_the_default_certificate_is_used_and_the_note_says_so(demo_nas: DemoNas) -> None:
    store_damage.unbind_mailplus(demo_nas)

    choice = find_mail_certificate(demo_nas.layout)

    assert choice.certificate.cert_id == demo_nas.dsm_cert_id
    assert not choice.used_by_mailplus
    assert "no certificate is bound to MailPlus Server" in choice.note
    assert "default certificate" in choice.note


def test_second_mailplus_certificate_is_mentioned_in_the_note(demo_nas: DemoNas) -> None:
    info = json.loads(demo_nas.layout.certificate_index.read_text(encoding="utf-8"))
    info[demo_nas.web_cert_id]["services"].append(dict(info[demo_nas.mail_cert_id]["services"][0]))
    demo_nas.layout.certificate_index.write_text(json.dumps(info), encoding="utf-8")

    choice = find_mail_certificate(demo_nas.layout)

    assert choice.certificate.cert_id == demo_nas.mail_cert_id
    assert demo_nas.web_cert_id in choice.note


def test_index_lists_every_certificate_with_its_services(demo_nas: DemoNas) -> None:
    index = read_certificate_index(demo_nas.layout)

    assert list(index) == [demo_nas.dsm_cert_id, demo_nas.mail_cert_id, demo_nas.web_cert_id]
    services = index[demo_nas.dsm_cert_id].services
    assert [binding.subscriber for binding in services] == ["system", "smbftpd", "HyperBackupVault"]
    assert [binding.is_package for binding in services] == [False, False, True]
    assert index[demo_nas.mail_cert_id].description == "Mail"


@pytest.mark.parametrize("damage", store_damage.DAMAGE.values(), ids=list(store_damage.DAMAGE))
def test_broken_store_is_an_error_naming_the_file(demo_nas: DemoNas, damage: Callable) -> None:
    named = damage(demo_nas)

    with pytest.raises(CertificateStoreError) as caught:
        find_mail_certificate(demo_nas.layout)

    assert str(named) in str(caught.value)
