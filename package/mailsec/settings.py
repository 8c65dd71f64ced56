"""The owner's settings: mail domains, their MX hosts and policy, the Web Station folder, the resolver.

Stored as JSON in the package's state folder, replaced atomically under a lock so that the desktop app,
the CLI and the scheduled job never see or write half a file.
"""

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from mailsec.atomicfile import ensure_folder, read_if_exists, write_atomic
from mailsec.errors import MailsecError
from mailsec.filelock import exclusive_lock
from mailsec.mtasts.policy import DEFAULT_MAX_AGE, InvalidPolicyError, Mode, StsPolicy, build_policy
from mailsec.names import host_name_problem, normalize_host
from mailsec.nameservers import parse_nameserver

SETTINGS_FILE = "settings.json"
LOCK_FILE = "settings.lock"
FORMAT = 1


class SettingsError(MailsecError):
    """Settings that are invalid or cannot be read or saved."""


@dataclass(frozen=True)
class DomainSettings:
    """One mail domain: its MX hosts and the MTA-STS policy mailsec publishes for it."""

    domain: str
    mx: Tuple[str, ...]
    mode: str = Mode.TESTING.value
    max_age: int = DEFAULT_MAX_AGE
    dkim_selectors: Tuple[str, ...] = ()

    def policy(self) -> StsPolicy:
        return build_policy(self.mode, self.mx, self.max_age)


@dataclass(frozen=True)
class Settings:
    domains: Tuple[DomainSettings, ...] = ()
    web_root: Optional[str] = None
    nameservers: Tuple[str, ...] = ()

    def domain(self, name: str) -> Optional[DomainSettings]:
        wanted = normalize_host(name)
        return next((entry for entry in self.domains if entry.domain == wanted), None)

    def with_domain(self, entry: DomainSettings) -> "Settings":
        """These settings with `entry` added, or replacing the entry of the same domain in place."""
        domains = list(self.domains)
        for position, existing in enumerate(domains):
            if existing.domain == entry.domain:
                domains[position] = entry
                break
        else:
            domains.append(entry)
        return replace(self, domains=tuple(domains))


def validate_domain_settings(entry: DomainSettings) -> DomainSettings:
    """The entry with names normalised, or a `SettingsError` listing every problem."""
    problems: List[str] = []
    domain_problem = host_name_problem(entry.domain)
    if domain_problem:
        problems.append(f"domain: {domain_problem}")
    if not entry.mx:
        problems.append("give at least one MX host (--mx)")
    problems += [f"MX host: {problem}" for problem in map(host_name_problem, entry.mx) if problem]
    problems += [f"DKIM selector: {p}" for p in map(_selector_problem, entry.dkim_selectors) if p]
    if not problems:
        try:
            build_policy(entry.mode, entry.mx, entry.max_age)
        except InvalidPolicyError as exc:
            problems += [str(problem) for problem in exc.problems]
    if problems:
        raise SettingsError("invalid settings: " + "; ".join(problems))
    return replace(
        entry,
        domain=normalize_host(entry.domain),
        mx=tuple(dict.fromkeys(normalize_host(host) for host in entry.mx)),
        dkim_selectors=tuple(dict.fromkeys(entry.dkim_selectors)),
    )


def validate_nameservers(values: Sequence[str]) -> Tuple[str, ...]:
    try:
        return tuple(str(parse_nameserver(value)) for value in values)
    except ValueError as exc:
        raise SettingsError(f"invalid name server: {exc}") from None


def load_settings(state_dir: Path) -> Settings:
    """The saved settings, or empty settings when none were saved yet."""
    path = state_dir / SETTINGS_FILE
    try:
        data = read_if_exists(path)
    except OSError as exc:
        raise SettingsError(f"cannot read {path}: {exc.strerror}.") from None
    if data is None:
        return Settings()
    try:
        return _from_document(json.loads(data.decode("utf-8")))
    except (MailsecError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SettingsError(
            f"{path} is corrupt ({exc}). Fix or delete it, then run 'mailsec configure' again."
        ) from None


def update_settings(state_dir: Path, change: Callable[[Settings], Settings]) -> Settings:
    """Apply `change` to the saved settings and save the result, all under the settings lock."""
    try:
        ensure_folder(state_dir, 0o755)
    except OSError as exc:
        raise SettingsError(f"cannot create the state folder {state_dir}: {exc.strerror}.") from None
    with exclusive_lock(state_dir / LOCK_FILE):
        updated = change(load_settings(state_dir))
        path = state_dir / SETTINGS_FILE
        try:
            write_atomic(path, _to_document(updated), 0o644)
        except OSError as exc:
            raise SettingsError(f"cannot save {path}: {exc.strerror}; the previous settings are unchanged.") from None
    return updated


def _to_document(settings: Settings) -> bytes:
    document: Dict[str, Any] = {"format": FORMAT, **asdict(settings)}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _from_document(document: Dict[str, Any]) -> Settings:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"expected a JSON object with \"format\": {FORMAT}")
    domains = tuple(
        validate_domain_settings(
            DomainSettings(
                domain=_text(entry["domain"]),
                mx=_texts(entry["mx"]),
                mode=_text(entry.get("mode", Mode.TESTING.value)),
                max_age=int(entry.get("max_age", DEFAULT_MAX_AGE)),
                dkim_selectors=_texts(entry.get("dkim_selectors", [])),
            )
        )
        for entry in document.get("domains", [])
    )
    web_root = document.get("web_root")
    return Settings(
        domains=domains,
        web_root=None if web_root is None else _text(web_root),
        nameservers=validate_nameservers(_texts(document.get("nameservers", []))),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {value!r}")
    return value


def _texts(values: object) -> Tuple[str, ...]:
    if not isinstance(values, list):
        raise TypeError(f"expected a list, found {values!r}")
    return tuple(_text(value) for value in values)


def _selector_problem(selector: str) -> Optional[str]:
    problem = host_name_problem(selector, require_fqdn=False)
    return f"{selector!r} is not a valid selector ({problem})" if problem else None
