"""The built packages follow every rule of tests/spk/checker.py, and the checker catches each broken rule.

Each mutation test takes a good package, breaks exactly one thing (re-signing package.tgz's MD5 when
the payload changes, so only the broken rule can fire) and expects the checker to name it.
"""

import copy
import gzip
import hashlib
import io
import json
import re
import struct
import tarfile
import zlib
from pathlib import Path
from typing import Callable, List, Optional

import pytest

from tests.spk.checker import Entry, parse_info, read_tar, spk_problems, tag_fits

Change = Callable[[List[Entry]], List[Entry]]


@pytest.mark.parametrize("family", ["x86_64", "armv8"])
def test_every_built_package_follows_every_rule(packages, family):
    assert spk_problems(packages[family]) == []


def tar_of(entries: List[Entry]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for entry in entries:
            info = copy.copy(entry.info)
            info.size = len(entry.data)
            archive.addfile(info, io.BytesIO(entry.data) if info.isfile() else None)
    return buffer.getvalue()


def write_spk(path: Path, entries: List[Entry]) -> Path:
    path.write_bytes(tar_of(entries))
    return path


def replace(entries: List[Entry], name: str, data: Optional[bytes] = None, **attributes) -> List[Entry]:
    """`entries` with member `name` given new bytes and/or TarInfo attributes."""
    return [_changed(entry, data, attributes) if entry.info.name == name else entry for entry in entries]


def _changed(entry: Entry, data: Optional[bytes], attributes: dict) -> Entry:
    info = copy.copy(entry.info)
    for key, value in attributes.items():
        setattr(info, key, value)
    return Entry(info, entry.data if data is None else data)


def edit_info(entries: List[Entry], **values: str) -> List[Entry]:
    info = next(e for e in entries if e.info.name == "INFO")
    keys, _ = parse_info(info.data)
    keys.update(values)
    text = "".join(f'{key}="{value}"\n' for key, value in keys.items() if value is not None)
    return replace(entries, "INFO", text.encode())


def edit_payload(change: Change) -> Change:
    """A change to package.tgz's members, with INFO's checksum updated to match."""
    def apply(entries: List[Entry]) -> List[Entry]:
        package = next(e for e in entries if e.info.name == "package.tgz")
        data = gzip.compress(tar_of(change(read_tar(package.data, "r:gz"))), compresslevel=1)
        return edit_info(replace(entries, "package.tgz", data), checksum=hashlib.md5(data).hexdigest())
    return apply


def edit_json(name: str, change: Callable[[object], object]) -> Change:
    def apply(entries: List[Entry]) -> List[Entry]:
        document = json.loads(next(e for e in entries if e.info.name == name).data)
        return replace(entries, name, json.dumps(change(document)).encode())
    return apply


def added(name: str, data: bytes, mode: int = 0o644) -> Change:
    def apply(entries: List[Entry]) -> List[Entry]:
        info = tarfile.TarInfo(name)
        info.mode, info.uname, info.gname = mode, "root", "root"
        return [*entries, Entry(info, data)]
    return apply


def png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + header
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def without_subitem(key: str) -> Callable[[object], object]:
    def apply(steps):
        for step in steps:
            for item in step["items"]:
                item["subitems"] = [s for s in item.get("subitems", []) if s["key"] != key]
        return steps
    return apply


def rename_machine_code(entries: List[Entry]) -> List[Entry]:
    """Put aarch64 bytes where an x86_64 library belongs (e_machine 183 instead of 62)."""
    name = next(e.info.name for e in entries if re.search(r"_cffi_backend.*\.so$", e.info.name))
    data = next(e.data for e in entries if e.info.name == name)
    return replace(entries, name, data[:18] + struct.pack("<H", 183) + data[20:])


def edit_member_text(member: str, old: str, new: str) -> Change:
    """Replace the regular expression `old` by `new` in the first member whose name matches `member`."""
    def apply(entries: List[Entry]) -> List[Entry]:
        name = next(e.info.name for e in entries if re.search(member, e.info.name))
        data = next(e.data for e in entries if e.info.name == name)
        return replace(entries, name, re.sub(old.encode(), new.encode(), data))
    return apply


MUTATIONS = {
    "INFO not first": (lambda e: [*e[1:], e[0]], "INFO must be the first member"),
    "unknown member": (added("notes.txt", b"hello"), "notes.txt is not a member DSM knows"),
    "script not executable": (lambda e: replace(e, "scripts/postinst", mode=0o644), "scripts/postinst has mode 644"),
    "not owned by root": (lambda e: replace(e, "conf/privilege", uid=1000, uname="builder"), "not owned by root"),
    "INFO line without quotes": (lambda e: replace(e, "INFO", e[0].data + b"beta=yes\n"), 'is not key="value"'),
    "INFO without maintainer": (lambda e: edit_info(e, maintainer=None), "INFO lacks maintainer"),
    "version without build": (lambda e: edit_info(e, version="0.1.0"), "is not X.Y.Z-BUILD"),
    "DSM 6 minimum": (lambda e: edit_info(e, os_min_ver="6.2-25556"), "below 7.0-40000"),
    "armv7 arch": (lambda e: edit_info(e, arch="armv7"), "INFO arch 'armv7' is not one of"),
    "wrong checksum": (lambda e: edit_info(e, checksum="0" * 32), "checksum is not the MD5"),
    "extractsize too small": (lambda e: edit_info(e, extractsize="1"), "extractsize '1' KiB"),
    "ctl_stop not yes/no": (lambda e: edit_info(e, ctl_stop="true"), "ctl_stop must be yes or no"),
    "runs as root": (edit_json("conf/privilege", lambda p: {**p, "defaults": {"run-as": "root"}}),
                     "defaults.run-as to package"),
    "a script as root": (edit_json("conf/privilege", lambda p: {**p, "ctrl-script": [
        {"action": "postinst", "run-as": "root"}]}), "runs something as 'root'"),
    "other package user": (edit_json("conf/privilege", lambda p: {**p, "username": "sc-mailsec"}), "keep username"),
    "DSM 6 icon size": (lambda e: replace(e, "PACKAGE_ICON.PNG", png(72, 72)), "must be a 64x64 PNG, found 72x72"),
    "wizard not JSON": (lambda e: replace(e, "WIZARD_UIFILES/install_uifile", b"[{"), "WIZARD_UIFILES/install_uifile:"),
    "wizard without MX hosts": (edit_json("WIZARD_UIFILES/install_uifile_nld", without_subitem("wizard_mx_hosts")),
                                "install_uifile_nld lacks wizard_mx_hosts"),
    "wizard file name": (added("WIZARD_UIFILES/setup.json", b"[]"), "not a wizard file name"),
    "app id not in ui/config": (lambda e: edit_info(e, dsmappname="SYNO.SDS.other"), "is not an app in ui/config"),
    "byte-code cache": (edit_payload(added("mailsec/__pycache__/nas.cpython-38.pyc", b"")), "byte-code cache"),
    "launcher not executable": (edit_payload(lambda e: replace(e, "bin/mailsec", mode=0o644)),
                                "bin/mailsec is missing or not executable"),
    "machine code for arm": (edit_payload(rename_machine_code), "machine code for another CPU"),
    "wheel for glibc 2.28": (edit_payload(edit_member_text(r"cryptography-.*/WHEEL$", r"manylinux(2014|_2_17)",
                                                                   "manylinux_2_28")), "cryptography-"),
    "other pinned version": (edit_payload(edit_member_text(r"dnspython-.*/METADATA$", "Version: 2.6.1",
                                                           "Version: 2.7.0")), "vendor/ has dnspython 2.7.0"),
    "notifications not preloaded": (edit_payload(edit_member_text(r"^ui/config$", '"preloadTexts"', '"ignored"')),
                                    "does not preload the notification strings"),
    "notification key only in English": (edit_payload(edit_member_text(r"^ui/texts/nld/strings$", "title=", "titel=")),
                                         "ui/texts/nld/strings has other [notify] keys"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_checker_names_each_broken_rule(packages, tmp_path, mutation):
    change, expected = MUTATIONS[mutation]
    good = packages["x86_64"]
    broken = write_spk(tmp_path / good.name, change(read_tar(good.read_bytes())))
    problems = spk_problems(broken)
    assert any(expected in problem for problem in problems), problems


def test_checker_refuses_a_compressed_package(packages, tmp_path):
    compressed = tmp_path / packages["x86_64"].name
    compressed.write_bytes(gzip.compress(packages["x86_64"].read_bytes()))
    assert spk_problems(compressed) == ["the .spk is compressed; DSM reads an uncompressed tar"]


@pytest.mark.parametrize(("tag", "fits"), [
    ("py3-none-any", True),
    ("cp38-abi3-manylinux2014_x86_64", True),
    ("cp37-abi3-manylinux_2_17_x86_64", True),
    ("cp38-cp38-manylinux_2_26_x86_64", True),
    ("cp38-abi3-manylinux_2_28_x86_64", False),  # DSM 7.0/7.1 have glibc 2.26
    ("cp39-abi3-manylinux2014_x86_64", False),
    ("cp39-cp39-manylinux2014_x86_64", False),
    ("cp38-cp38-manylinux2014_aarch64", False),
    ("cp38-cp38-musllinux_1_1_x86_64", False),
])
def test_wheel_tags_are_judged_for_cpython_38_on_dsm(tag, fits):
    assert tag_fits(tag, "x86_64") is fits


def wizard_validators(package: Path) -> dict:
    """The regular expression of each install wizard field, from the built package (JavaScript `/.../`)."""
    member = next(e for e in read_tar(package.read_bytes()) if e.info.name == "WIZARD_UIFILES/install_uifile")
    fields = [sub for step in json.loads(member.data) for item in step["items"] for sub in item.get("subitems", [])]
    return {f["key"]: re.compile(f["validator"]["regex"]["expr"][1:-1]) for f in fields if "validator" in f}


@pytest.mark.parametrize(("key", "answer", "accepted"), [
    ("wizard_domain", "example.nl", True),
    ("wizard_domain", "xn--bcher-kva.example", True),
    ("wizard_domain", "localhost", False),
    ("wizard_domain", "mail_example.nl", False),
    ("wizard_mx_hosts", "mail.example.nl", True),
    ("wizard_mx_hosts", "mail.example.nl, mx2.example.nl", True),
    ("wizard_mx_hosts", "mail.example.nl mx2.example.nl.", True),
    ("wizard_mx_hosts", "*.example.nl", False),
    ("wizard_mx_hosts", "192.0.2.25", False),
    ("wizard_web_root", "/volume1/web", True),
    ("wizard_web_root", "/volume2/web/", True),
    ("wizard_web_root", "web", False),
    ("wizard_web_root", "/tmp/web", False),
])
def test_the_wizard_validates_answers_before_install(packages, key, answer, accepted):
    """The JavaScript regular expressions use only syntax Python reads the same way."""
    assert bool(wizard_validators(packages["x86_64"])[key].match(answer)) is accepted
