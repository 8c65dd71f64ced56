"""An independent checker for mailsec's .spk files: every rule DSM 7 (and our own design) sets.

It shares no code with the builder on purpose, so a mistake in the builder is not repeated here.
`spk_problems(path)` returns one sentence per broken rule; an empty list means the package is fine.
The rules, by part of the package:

- archive: an uncompressed tar, INFO first, only the members DSM knows, no links or devices, no
  absolute or `..` names, owner root:root (uid/gid 0), modes 0755 for folders, scripts and wizard
  scripts, 0644 for everything else
- INFO: UTF-8, `key="value"` on every line, no key twice, DSM 7's required keys plus displayname,
  description_nld, dsmuidir, dsmappname, checksum and extractsize; `version` X.Y.Z-BUILD with the
  Python package's version and fields below 2^31; `os_min_ver` at least 7.0-40000; `arch` a family
  mailsec supports and the one in the file name; `checksum` the MD5 of package.tgz; `extractsize`
  large enough; yes/no keys yes or no
- conf: valid JSON; privilege runs as the package user `mailsec`, never as root
- scripts: the seven lifecycle scripts, executable, POSIX sh
- icons: PNG files of 64x64 and 256x256
- wizards: DSM's file names, valid JSON in the classic step/items/subitems shape, the install and
  uninstall keys the scripts read, the same keys in every language
- package.tgz: gzip, the launchers (executable), the Python package without byte-code caches, ui/
  with a config whose app is INFO's dsmappname and that preloads the notification strings, the same
  notification keys in every language, every pinned dependency at its pinned version, wheel tags
  and ELF machine code for CPython 3.8 on the package's machine with glibc at most 2.26 (DSM 7.0)
"""

import configparser
import hashlib
import io
import json
import re
import struct
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from mailsec import __version__

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "mailsec"
USERNAME = "mailsec"  # chosen once: DSM fails upgrades that change the package user (error 313)
TOP_LEVEL = {"INFO", "package.tgz", "scripts", "conf", "WIZARD_UIFILES", "PACKAGE_ICON.PNG",
             "PACKAGE_ICON_256.PNG", "LICENSE"}
SCRIPTS = ("preinst", "postinst", "preuninst", "postuninst", "preupgrade", "postupgrade", "start-stop-status")
REQUIRED_INFO = ("package", "version", "os_min_ver", "description", "arch", "maintainer")
EXPECTED_INFO = ("displayname", "description_nld", "dsmuidir", "dsmappname", "checksum", "extractsize")
YES_NO_INFO = ("ctl_stop", "ctl_uninstall", "startable", "silent_install", "silent_upgrade", "silent_uninstall",
               "beta", "offline_install", "support_conf_folder", "thirdparty", "checkport", "precheckstartstop")
MIN_DSM = (7, 0, 40000)
MAX_FIELD = 2**31 - 1
ICONS = {"PACKAGE_ICON.PNG": 64, "PACKAGE_ICON_256.PNG": 256}
WIZARD_NAME = re.compile(r"WIZARD_UIFILES/(install|upgrade|uninstall)_uifile(?:_[a-z]{3})?(?:\.sh)?\Z")
WIZARD_ITEM_TYPES = {"singleselect", "multiselect", "textfield", "password", "combobox"}
WIZARD_KEYS = {"install": {"wizard_domain", "wizard_mx_hosts", "wizard_web_root"},
               "uninstall": {"wizard_keep_data", "wizard_delete_data"}}
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MACHINES = {"x86_64": ("x86_64", 62), "armv8": ("aarch64", 183)}  # family: (wheel tag machine, ELF e_machine)
MAX_GLIBC = (2, 26)  # DSM 7.0 and 7.1
LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
LAUNCHERS = ("bin/mailsec", "bin/mailsec-python")
NOTIFY_SECTION = "notify"


@dataclass(frozen=True)
class Entry:
    """One tar member with its bytes (empty for folders)."""

    info: tarfile.TarInfo
    data: bytes


def read_tar(data: bytes, mode: str = "r:") -> List[Entry]:
    with tarfile.open(fileobj=io.BytesIO(data), mode=mode) as archive:
        return [Entry(m, archive.extractfile(m).read() if m.isfile() else b"") for m in archive.getmembers()]


def spk_problems(path: Path) -> List[str]:
    """Every broken rule of the package at `path`, one sentence each."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b" or data[:3] in (b"BZh", b"\xfd7z"):
        return ["the .spk is compressed; DSM reads an uncompressed tar"]
    try:
        entries = read_tar(data)
    except tarfile.TarError as exc:
        return [f"the .spk is not a tar archive ({exc})"]
    members = {entry.info.name: entry for entry in entries}
    problems = _archive_problems(entries)
    if "INFO" not in members or "package.tgz" not in members:
        return [*problems, "INFO and package.tgz are required"]
    info, info_problems = parse_info(members["INFO"].data)
    problems += info_problems
    try:
        payload = {entry.info.name: entry for entry in read_tar(members["package.tgz"].data, "r:gz")}
    except (tarfile.TarError, OSError, EOFError) as exc:
        return [*problems, f"package.tgz is not a gzip-compressed tar ({exc})"]
    problems += _info_value_problems(info, path, members["package.tgz"].data, payload)
    problems += _conf_problems(members)
    problems += _script_problems(members)
    problems += _icon_problems(members)
    problems += _wizard_problems(members)
    problems += _payload_problems(payload, info)
    return problems


def parse_info(data: bytes) -> Tuple[Dict[str, str], List[str]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {}, ["INFO is not UTF-8"]
    info: Dict[str, str] = {}
    problems = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line:
            continue
        match = re.match(r'(\w+)="(.*)"\Z', line)
        if not match:
            problems.append(f'INFO line {number} is not key="value": {line[:60]!r}')
        elif match.group(1) in info:
            problems.append(f"INFO sets {match.group(1)} twice")
        else:
            info[match.group(1)] = match.group(2)
    return info, problems


def _archive_problems(entries: List[Entry]) -> List[str]:
    problems = []
    if entries and entries[0].info.name != "INFO":
        problems.append(f"INFO must be the first member, not {entries[0].info.name}")
    for entry in entries:
        name = entry.info.name
        if name.split("/")[0] not in TOP_LEVEL:
            problems.append(f"{name} is not a member DSM knows")
        problems += _member_problems(entry, ".spk")
        wanted = 0o755 if entry.info.isdir() or name.startswith("scripts/") or name.endswith(".sh") else 0o644
        if entry.info.mode != wanted:
            problems.append(f"{name} has mode {entry.info.mode:o}, not {wanted:o}")
    return problems


def _member_problems(entry: Entry, archive: str) -> List[str]:
    info = entry.info
    problems = []
    if not (info.isfile() or info.isdir()):
        problems.append(f"{archive}: {info.name} is a link or special file")
    if info.name.startswith("/") or ".." in info.name.split("/"):
        problems.append(f"{archive}: {info.name} escapes the target folder")
    if (info.uid, info.gid, info.uname, info.gname) != (0, 0, "root", "root"):
        problems.append(f"{archive}: {info.name} is not owned by root:root (0:0)")
    return problems


def _info_value_problems(info: Dict[str, str], path: Path, package_tgz: bytes, payload: Dict[str, Entry]) -> List[str]:
    problems = [f"INFO lacks {key}" for key in (*REQUIRED_INFO, *EXPECTED_INFO) if not info.get(key)]
    if problems:
        return problems
    if info["package"] != PACKAGE or any(c in info["package"] for c in ':/><|='):
        problems.append(f"INFO package is {info['package']!r}, not {PACKAGE!r}")
    problems += _version_problems(info["version"])
    os_min = re.match(r"(\d+)\.(\d+)-(\d+)\Z", info["os_min_ver"])
    if not os_min or tuple(map(int, os_min.groups())) < MIN_DSM:
        problems.append(f"INFO os_min_ver {info['os_min_ver']!r} is below 7.0-40000 (DSM 7 refuses it)")
    if info["arch"] not in MACHINES:
        problems.append(f"INFO arch {info['arch']!r} is not one of {', '.join(MACHINES)}")
    if path.name != f"{PACKAGE}-{info['arch']}-{info['version']}.spk":
        problems.append(f"the file name {path.name} does not match INFO arch and version")
    if info["checksum"] != hashlib.md5(package_tgz).hexdigest():
        problems.append("INFO checksum is not the MD5 of package.tgz")
    unpacked = sum(entry.info.size for entry in payload.values())
    if not info["extractsize"].isdigit() or int(info["extractsize"]) * 1024 < unpacked:
        problems.append(f"INFO extractsize {info['extractsize']!r} KiB is less than package.tgz unpacks to")
    if info["dsmuidir"] != "ui" or "ui/config" not in payload:
        problems.append("INFO dsmuidir must be 'ui', the folder holding ui/config")
    problems += [f"INFO {key} must be yes or no" for key in YES_NO_INFO if info.get(key, "yes") not in ("yes", "no")]
    return problems


def _version_problems(version: str) -> List[str]:
    match = re.match(r"(\d+)\.(\d+)\.(\d+)-(\d+)\Z", version)
    if not match:
        return [f"INFO version {version!r} is not X.Y.Z-BUILD"]
    problems = []
    if any(int(field) > MAX_FIELD for field in match.groups()):
        problems.append(f"INFO version {version!r} has a field above 2^31-1")
    if version.split("-", maxsplit=1)[0] != __version__:
        problems.append(f"INFO version {version!r} is not the Python package's {__version__}")
    return problems


def _conf_problems(members: Dict[str, Entry]) -> List[str]:
    problems = []
    for name, entry in members.items():
        if name.startswith("conf/") and entry.info.isfile():
            try:
                json.loads(entry.data.decode("utf-8"))
            except ValueError as exc:
                problems.append(f"{name} is not valid JSON ({exc})")
    if "conf/privilege" not in members:
        return [*problems, "conf/privilege is required on DSM 7"]
    try:
        privilege = json.loads(members["conf/privilege"].data)
    except ValueError:
        return problems
    if privilege.get("defaults", {}).get("run-as") != "package":
        problems.append("conf/privilege must set defaults.run-as to package")
    if (privilege.get("username"), privilege.get("groupname")) != (USERNAME, USERNAME):
        problems.append(f"conf/privilege must keep username and groupname {USERNAME!r}")
    problems += [f"conf/privilege runs something as {value!r}"
                 for value in _run_as_values(privilege) if value != "package"]
    return problems


def _run_as_values(value: Any) -> Iterator[str]:
    """Every `run-as`, `user` and `group` in a privilege document: who something would run as."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("run-as", "user", "group"):
                yield str(item)
            else:
                yield from _run_as_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _run_as_values(item)


def _script_problems(members: Dict[str, Entry]) -> List[str]:
    problems = []
    for name in SCRIPTS:
        entry = members.get(f"scripts/{name}")
        if entry is None or not entry.info.isfile():
            problems.append(f"scripts/{name} is missing")
        elif not entry.data.startswith(b"#!/bin/sh\n"):
            problems.append(f"scripts/{name} is not a #!/bin/sh script")
    return problems


def png_size(data: bytes) -> Tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, or (0, 0) when `data` is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return 0, 0
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _icon_problems(members: Dict[str, Entry]) -> List[str]:
    problems = []
    for name, size in ICONS.items():
        found = png_size(members[name].data) if name in members else (0, 0)
        if found != (size, size):
            problems.append(f"{name} must be a {size}x{size} PNG, found {found[0]}x{found[1]}")
    return problems


def wizard_keys(steps: Any) -> List[str]:
    """The keys of every subitem of a classic wizard, raising ValueError when the shape is wrong."""
    if not isinstance(steps, list) or not steps:
        raise ValueError("a wizard is a non-empty list of steps")
    keys = []
    for step in steps:
        if not isinstance(step, dict) or not isinstance(step.get("step_title"), str) or \
                not isinstance(step.get("items"), list):
            raise ValueError("every step needs a step_title and a list of items")
        for item in step["items"]:
            if "type" in item and item["type"] not in WIZARD_ITEM_TYPES:
                raise ValueError(f"unknown item type {item['type']!r}")
            for subitem in item.get("subitems", []):
                if not ENV_NAME.match(str(subitem.get("key", ""))) or "desc" not in subitem:
                    raise ValueError(f"subitem {subitem.get('key')!r} needs a key usable as a variable and a desc")
                keys.append(subitem["key"])
    if len(keys) != len(set(keys)):
        raise ValueError("a key appears twice")
    return keys


def _wizard_problems(members: Dict[str, Entry]) -> List[str]:
    problems = []
    found: Dict[str, Dict[str, set]] = {}
    for name, entry in members.items():
        if not name.startswith("WIZARD_UIFILES/") or entry.info.isdir():
            continue
        match = WIZARD_NAME.match(name)
        if not match:
            problems.append(f"{name} is not a wizard file name DSM knows")
            continue
        try:
            keys = wizard_keys(json.loads(entry.data.decode("utf-8")))
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
            continue
        found.setdefault(match.group(1), {})[name] = set(keys)
    for wizard, wanted in WIZARD_KEYS.items():
        variants = found.get(wizard, {})
        if f"WIZARD_UIFILES/{wizard}_uifile" not in variants:
            problems.append(f"WIZARD_UIFILES/{wizard}_uifile is missing")
        problems += [f"{name} lacks {', '.join(sorted(wanted - keys))}" for name, keys in variants.items()
                     if not wanted <= keys]
        if len({frozenset(keys) for keys in variants.values()}) > 1:
            problems.append(f"the {wizard} wizard asks for different keys in different languages")
    return problems


def _payload_problems(payload: Dict[str, Entry], info: Dict[str, str]) -> List[str]:
    problems = []
    for entry in payload.values():
        problems += _member_problems(entry, "package.tgz")
        if "__pycache__" in entry.info.name.split("/") or entry.info.name.endswith((".pyc", ".pyo")):
            problems.append(f"package.tgz: {entry.info.name} is a byte-code cache")
    for launcher in LAUNCHERS:
        if launcher not in payload or payload[launcher].info.mode & 0o111 != 0o111:
            problems.append(f"package.tgz: {launcher} is missing or not executable")
    if "mailsec/__main__.py" not in payload:
        problems.append("package.tgz: the mailsec Python package is missing")
    problems += _ui_problems(payload, info.get("dsmappname", ""))
    if info.get("arch") in MACHINES:
        problems += vendor_problems(payload, info["arch"])
    return problems


def _ui_problems(payload: Dict[str, Entry], app_id: str) -> List[str]:
    try:
        config = json.loads(payload["ui/config"].data.decode("utf-8"))
    except (KeyError, ValueError) as exc:
        return [f"ui/config is missing or not JSON ({exc})"]
    apps = {app: spec for section in config.values() if isinstance(section, dict) for app, spec in section.items()}
    if app_id not in apps:
        return [f"INFO dsmappname {app_id!r} is not an app in ui/config ({', '.join(apps) or 'none'})"]
    problems = []
    languages = {name.split("/")[2]: notify_keys(entry.data) for name, entry in payload.items()
                 if re.match(r"ui/texts/[a-z]{3}/strings\Z", name)}
    if not languages.get("enu"):
        return [f"ui/texts/enu/strings has no [{NOTIFY_SECTION}] section"]
    problems += [f"ui/texts/{language}/strings has other [{NOTIFY_SECTION}] keys than English"
                 for language, keys in languages.items() if keys != languages["enu"]]
    spec = apps[app_id] if isinstance(apps[app_id], dict) else {}
    wanted = {f"{NOTIFY_SECTION}:{key}" for key in languages["enu"]}
    missing = sorted(wanted - set(spec.get("preloadTexts", [])))
    if missing:
        problems.append(f"ui/config does not preload the notification strings {', '.join(missing)}")
    return problems


def notify_keys(strings: bytes) -> set:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(strings.decode("utf-8"))
    return set(parser.options(NOTIFY_SECTION)) if parser.has_section(NOTIFY_SECTION) else set()


def pinned_requirements(path: Path = ROOT / "requirements.txt") -> Dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#")[0].strip()
        if requirement:
            name, version = requirement.split("==")
            pins[_normalize(name)] = version
    return pins


def vendor_problems(payload: Dict[str, Entry], family: str) -> List[str]:
    """Pinned versions, wheel tags and ELF machine code of vendor/ against CPython 3.8 on `family`."""
    machine, elf_machine = MACHINES[family]
    problems = []
    installed = {}
    for name, entry in payload.items():
        if name.startswith("vendor/") and name.endswith(".dist-info/METADATA"):
            headers = dict(re.findall(r"^(Name|Version): (.+)$", entry.data.decode("utf-8"), re.MULTILINE))
            installed[_normalize(headers["Name"])] = headers["Version"]
        elif name.startswith("vendor/") and name.endswith(".dist-info/WHEEL"):
            tags = re.findall(r"^Tag: (\S+)$", entry.data.decode("utf-8"), re.MULTILINE)
            if not any(tag_fits(tag, machine) for tag in tags):
                problems.append(f"{name}: no tag in {tags} runs on CPython 3.8 {machine} with glibc 2.26")
        elif name.startswith("vendor/") and re.search(r"\.so(\.|$)", name):
            problems += _elf_problems(name, entry.data, machine, elf_machine)
    for project, version in pinned_requirements().items():
        if installed.get(project) != version:
            found = installed.get(project, "missing")
            problems.append(f"vendor/ has {project} {found}, requirements.txt pins {version}")
    return problems


def tag_fits(tag: str, machine: str) -> bool:
    """Whether a wheel tag `python-abi-platform` runs on CPython 3.8, `machine`, glibc <= 2.26."""
    pythons, abis, platforms = tag.split("-")
    python_ok = any(p in ("py3", "py2.py3", "cp38") or (p.startswith("cp3") and "abi3" in abis and int(p[3:]) <= 8)
                    for p in pythons.split("."))
    abi_ok = any(a in ("none", "abi3", "cp38") for a in abis.split("."))
    return python_ok and abi_ok and any(_platform_fits(p, machine) for p in platforms.split("."))


def _platform_fits(platform: str, machine: str) -> bool:
    if platform == "any":
        return True
    for legacy, glibc in LEGACY_MANYLINUX.items():
        if platform == f"{legacy}_{machine}":
            return glibc <= MAX_GLIBC
    match = re.match(rf"manylinux_(\d+)_(\d+)_{machine}\Z", platform)
    return bool(match) and (int(match.group(1)), int(match.group(2))) <= MAX_GLIBC


def _elf_problems(name: str, data: bytes, machine: str, elf_machine: int) -> List[str]:
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return [f"{name} is not a 64-bit little-endian ELF library"]
    if struct.unpack("<H", data[18:20])[0] != elf_machine:
        return [f"{name} is machine code for another CPU than {machine}"]
    if "cpython-" in name and f"cpython-38-{machine}-linux-gnu" not in name:
        return [f"{name} is built for another Python than CPython 3.8 on {machine}"]
    return []


def _normalize(project: str) -> str:
    return re.sub(r"[-_.]+", "-", project).lower()
