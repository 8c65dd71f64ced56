"""The .spk itself: an uncompressed tar with INFO first, then package.tgz, scripts, conf, wizards, icons.

DSM 7 reads INFO, verifies `checksum` against package.tgz, shows the wizard, unpacks package.tgz into
the target folder and runs the scripts with the package user (conf/privilege). One package is built per
NAS family because the vendored libraries contain machine code.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import List

from spkbuild.archive import EXECUTABLE_MODE, FILE_MODE, Member, gzip_bytes, tar_bytes, with_parent_directories
from spkbuild.icons import SIZES, package_icon
from spkbuild.info import read_info, render_info
from spkbuild.payload import package_members, tree_members
from spkbuild.sources import BuildError, BuildSources
from spkbuild.ui import ui_members
from spkbuild.wizard import wizard_files

SCRIPTS = ("preinst", "postinst", "preuninst", "postuninst", "preupgrade", "postupgrade", "start-stop-status")
ICON_NAMES = {64: "PACKAGE_ICON.PNG", 256: "PACKAGE_ICON_256.PNG"}
BLOCK = 4096  # extractsize counts whole file-system blocks, as `du -sk` does


@dataclass(frozen=True)
class BuiltPackage:
    path: Path
    family: str
    payload_bytes: int  # unpacked size of package.tgz

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def build_package(sources: BuildSources, family: str, out_dir: Path) -> BuiltPackage:
    root = sources.root
    info = read_info(root / "INFO")
    ui = ui_members(root / "ui", info["dsmappname"])
    payload = with_parent_directories(package_members(root, family, ui))
    package_tgz = gzip_bytes(tar_bytes(payload, sources.epoch), sources.epoch)
    info.update(
        version=sources.package_version,
        arch=family,
        checksum=hashlib.md5(package_tgz).hexdigest(),  # DSM verifies package.tgz with MD5
        extractsize=str(_kibibytes_on_disk(payload)),
    )
    icons = [Member(ICON_NAMES[size], package_icon(root / "ui", size), FILE_MODE) for size in SIZES]
    members = [
        Member("package.tgz", package_tgz, FILE_MODE),
        *_scripts(root / "scripts"),
        *tree_members(root / "conf", "conf"),
        *(Member(f"WIZARD_UIFILES/{name}", data, FILE_MODE) for name, data in wizard_files(root / "wizard")),
        *icons,
        *([Member("LICENSE", (root / "LICENSE").read_bytes(), FILE_MODE)] if (root / "LICENSE").is_file() else []),
    ]
    spk = tar_bytes([Member("INFO", render_info(info), FILE_MODE), *with_parent_directories(members)],
                    sources.epoch)
    out_dir.mkdir(parents=True, exist_ok=True)
    for older in out_dir.glob(f"{info['package']}-{family}-*.spk"):
        older.unlink()
    path = out_dir / f"{info['package']}-{family}-{sources.package_version}.spk"
    path.write_bytes(spk)
    return BuiltPackage(path, family, sum(len(m.data or b"") for m in payload))


def _scripts(folder: Path) -> List[Member]:
    missing = [name for name in SCRIPTS if not (folder / name).is_file()]
    if missing:
        raise BuildError(f"{folder} lacks the lifecycle scripts {', '.join(missing)}")
    return [Member(f"scripts/{name}", (folder / name).read_bytes(), EXECUTABLE_MODE) for name in SCRIPTS]


def _kibibytes_on_disk(payload: List[Member]) -> int:
    blocks = sum(1 if member.is_directory else -(-len(member.data or b"") // BLOCK) for member in payload)
    return blocks * BLOCK // 1024
