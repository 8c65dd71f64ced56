"""The owner's settings: mail domains, their MX hosts and policy, the Web Station folder, the resolver,
and how DNS records are published.

Stored as JSON in the package's state folder, replaced atomically under a lock so that the desktop app,
the CLI and the scheduled job never see or write half a file. Nothing secret is stored here: the TSIG key
and API tokens of publishing live in `mailsec.publish.secretstore`, mode 0600.
"""

import ipaddress
import json
from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from mailsec.atomicfile import ensure_folder, read_state_file, write_atomic
from mailsec.errors import MailsecError
from mailsec.filelock import exclusive_lock
from mailsec.mtasts.policy import DEFAULT_MAX_AGE, InvalidPolicyError, Mode, StsPolicy, build_policy
from mailsec.names import host_name_problem, normalize_host
from mailsec.nameservers import parse_nameserver, parse_nameservers
from mailsec.records.tlsrpt import TLSRPT_VERSION, parse_tlsrpt

SETTINGS_FILE = "settings.json"
LOCK_FILE = "settings.lock"
FORMAT = 1
DEFAULT_RECORD_TTL = 3600  # seconds; 1800-3600 is the usual advice for TLSA records
RECORD_TTL_RANGE = (60, 86400)
MAX_HOLD = 90 * 86400  # a hold longer than a certificate's life would outlast the next renewal


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
    tls_rpt: Tuple[str, ...] = ()  # where TLS reports go (`_smtp._tls` rua URIs); empty: not published

    def policy(self) -> StsPolicy:
        return build_policy(self.mode, self.mx, self.max_age)

    def tls_rpt_value(self) -> str:
        """The `_smtp._tls` TXT value (RFC 8460 §3), or "" when none is configured."""
        return f"{TLSRPT_VERSION}; rua={','.join(self.tls_rpt)}" if self.tls_rpt else ""


class PublishMethod(str, Enum):
    NONE = "none"  # the owner publishes, from the steps mailsec shows
    RFC2136 = "rfc2136"
    CLOUDFLARE = "cloudflare"


@dataclass(frozen=True)
class PublishingSettings:
    """How `mailsec refresh` publishes the records of the zone (`mailsec.publish`)."""

    method: str = PublishMethod.NONE.value
    zone: str = ""
    dns_server: str = ""  # rfc2136: the primary server, IP[:PORT]
    api_url: str = ""  # cloudflare: empty for the real API; a stand-in on loopback in the tests
    ttl: int = DEFAULT_RECORD_TTL  # of the records mailsec adds
    hold: int = 0  # seconds old TLSA records stay at least, once the new ones are on every name server

    @property
    def automatic(self) -> bool:
        return self.method != PublishMethod.NONE.value


@dataclass(frozen=True)
class Settings:
    domains: Tuple[DomainSettings, ...] = ()
    web_root: Optional[str] = None
    nameservers: Tuple[str, ...] = ()
    publishing: PublishingSettings = field(default_factory=PublishingSettings)

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
    if entry.tls_rpt:
        problems += [f"TLS-RPT: {issue}" for issue in parse_tlsrpt(entry.tls_rpt_value()).errors]
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


def validate_publishing(publishing: PublishingSettings) -> PublishingSettings:
    """The settings with names normalised, or a `SettingsError` saying in one sentence what is wrong."""
    methods = [method.value for method in PublishMethod]
    if publishing.method not in methods:
        raise SettingsError(f"unknown publishing method {publishing.method!r}; choose one of {', '.join(methods)}.")
    low, high = RECORD_TTL_RANGE
    if not low <= publishing.ttl <= high:
        raise SettingsError(f"the TTL of published records must be {low} to {high} seconds, not {publishing.ttl}.")
    if not 0 <= publishing.hold <= MAX_HOLD:
        raise SettingsError(f"the rollover hold must be 0 to {MAX_HOLD} seconds, not {publishing.hold}.")
    if not publishing.automatic:
        return publishing
    zone_problem = host_name_problem(publishing.zone)
    if zone_problem:
        raise SettingsError(f"the zone to publish in is not a valid name: {zone_problem}.")
    publishing = replace(publishing, zone=normalize_host(publishing.zone))
    if publishing.method == PublishMethod.RFC2136.value:
        return replace(publishing, dns_server=_dns_server(publishing.dns_server))
    _check_api_url(publishing.api_url)
    return publishing


def _dns_server(value: str) -> str:
    if not value:
        raise SettingsError("RFC 2136 publishing needs the primary server of the zone (--dns-server IP[:PORT]).")
    try:
        return str(parse_nameserver(value))
    except ValueError as exc:
        raise SettingsError(f"invalid DNS server: {exc}.") from None


def _check_api_url(url: str) -> None:
    """The API URL is HTTPS, or plain HTTP to a loopback address (a stand-in): tokens never cross a network
    in clear text."""
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    try:
        loopback = parts.scheme == "http" and ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SettingsError(f"the API URL {url!r} must start with https:// (plain http only to a loopback address).")


def validate_nameservers(values: Sequence[str]) -> Tuple[str, ...]:
    return tuple(str(server) for server in parse_nameservers(values, SettingsError))


def load_settings(state_dir: Path) -> Settings:
    """The saved settings, or empty settings when none were saved yet."""
    path = state_dir / SETTINGS_FILE
    data = read_state_file(path, SettingsError)
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
                tls_rpt=_texts(entry.get("tls_rpt", [])),
            )
        )
        for entry in document.get("domains", [])
    )
    web_root = document.get("web_root")
    return Settings(
        domains=domains,
        web_root=None if web_root is None else _text(web_root),
        nameservers=validate_nameservers(_texts(document.get("nameservers", []))),
        publishing=_publishing(document.get("publishing", {})),
    )


def _publishing(document: Dict[str, Any]) -> PublishingSettings:
    defaults = PublishingSettings()
    return validate_publishing(PublishingSettings(
        method=_text(document.get("method", defaults.method)),
        zone=_text(document.get("zone", defaults.zone)),
        dns_server=_text(document.get("dns_server", defaults.dns_server)),
        api_url=_text(document.get("api_url", defaults.api_url)),
        ttl=int(document.get("ttl", defaults.ttl)),
        hold=int(document.get("hold", defaults.hold)),
    ))


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
