"""TSIG keys as BIND's `tsig-keygen` writes them, readable by dnspython and by mailsec's `--tsig-keyfile`."""

import re
from dataclasses import dataclass
from pathlib import Path

import dns.tsig

from tests.support.servers.process import find_program, run_tool

KEY_FILE = re.compile(
    r'key\s+"(?P<name>[^"]+)"\s*\{\s*algorithm\s+(?P<algorithm>[\w-]+);\s*secret\s+"(?P<secret>[^"]+)";'
)


@dataclass(frozen=True)
class TsigKey:
    name: str
    algorithm: str
    secret: str  # base64
    path: Path  # the key file, a `key "name" { ... };` statement

    @property
    def dnspython_key(self) -> dns.tsig.Key:
        """The key as dnspython's `keyring=` takes it (for updates and transfers)."""
        return dns.tsig.Key(self.name, self.secret, self.algorithm)


def read_tsig_key(path: Path) -> TsigKey:
    match = KEY_FILE.search(path.read_text())
    if match is None:
        raise ValueError(f"{path} holds no BIND key statement")
    return TsigKey(match["name"], match["algorithm"], match["secret"], path)


def make_tsig_key(path: Path, name: str, algorithm: str = "hmac-sha256") -> TsigKey:
    """A new random key named `name`, written to `path` by tsig-keygen."""
    path.write_text(run_tool([find_program("tsig-keygen", "bind9"), "-a", algorithm, name]))
    path.chmod(0o600)
    return read_tsig_key(path)
