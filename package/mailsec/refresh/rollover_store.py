"""Where the rollover state lives between runs: `rollover.json` in the state folder.

It is replaced atomically, so a reader and a crash see the old file or the new one, and refresh writes it
after every step of a run, before and after it changes DNS: an interrupted run resumes from the last step
taken, and what it did to DNS since is read back from the name servers. The state folder outlives package
upgrades; the file carries a format number for the day it changes. A file that cannot be read costs
nothing but time: the run starts afresh, records the lost state called old are then "other", and other
records are never removed.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from mailsec.atomicfile import read_state_file, write_if_changed
from mailsec.errors import MailsecError
from mailsec.refresh.rollover import HostRollover, Phase, Role, RoleRecord
from mailsec.tlsa import TlsaRecord

ROLLOVER_FILE = "rollover.json"
FORMAT = 1


class RolloverStoreError(MailsecError):
    """The rollover state cannot be read or saved."""


@dataclass(frozen=True)
class RolloverState:
    hosts: Tuple[HostRollover, ...] = ()
    automatic: bool = False  # mailsec publishes (else the owner does, from the steps)

    def host(self, name: str) -> Optional[HostRollover]:
        return next((host for host in self.hosts if host.host == name), None)


def load_rollover(state_dir: Path) -> Optional[RolloverState]:
    """The saved state, or None before the first rollover run."""
    path = state_dir / ROLLOVER_FILE
    data = read_state_file(path, RolloverStoreError)
    if data is None:
        return None
    try:
        return _parse(json.loads(data.decode("utf-8")))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise RolloverStoreError(f"{path} is corrupt ({exc}); the rollover starts afresh and removes nothing "
                                 "it does not know to be old.") from None


def save_rollover(state_dir: Path, state: RolloverState) -> None:
    """Store `state` unless the file already holds exactly it: a run that changes nothing writes nothing
    (the time of the run is in `refresh.lastrun`)."""
    path = state_dir / ROLLOVER_FILE
    data = (json.dumps(_document(state), indent=2, sort_keys=True) + "\n").encode("utf-8")
    try:
        write_if_changed(path, data, 0o644)
    except OSError as exc:
        raise RolloverStoreError(f"cannot save {path}: {exc.strerror}; DNS was not changed after this.") from None


def _document(state: RolloverState) -> Dict[str, Any]:
    return {
        "format": FORMAT,
        "automatic": state.automatic,
        "hosts": [{
            "host": host.host, "phase": host.phase.value, "servers": host.servers,
            "unconfirmed": host.unconfirmed, "ttl": host.ttl,
            "records": [{"name": e.record.name, "usage": e.record.usage, "selector": e.record.selector,
                         "mtype": e.record.mtype, "data": e.record.data, "role": e.role.value,
                         "seen_on": e.seen_on, "visible_since": _time_text(e.visible_since)}
                        for e in host.records],
        } for host in state.hosts],
    }


def _parse(document: Dict[str, Any]) -> RolloverState:
    if document.get("format") != FORMAT:
        raise ValueError(f'expected "format": {FORMAT}')
    hosts = tuple(HostRollover(
        host=str(item["host"]), phase=Phase(item["phase"]), servers=int(item["servers"]),
        unconfirmed=str(item["unconfirmed"]), ttl=int(item["ttl"]),
        records=tuple(_record(entry) for entry in item["records"]),
    ) for item in document["hosts"])
    return RolloverState(hosts, bool(document["automatic"]))


def _record(entry: Dict[str, Any]) -> RoleRecord:
    record = TlsaRecord(str(entry["name"]), int(entry["usage"]), int(entry["selector"]), int(entry["mtype"]),
                        str(entry["data"]))
    return RoleRecord(record, Role(entry["role"]), int(entry["seen_on"]), _time(entry["visible_since"]))


def _time_text(moment: Optional[datetime]) -> Optional[str]:
    return moment.isoformat() if moment else None


def _time(text: Optional[str]) -> Optional[datetime]:
    return datetime.fromisoformat(text) if text else None
