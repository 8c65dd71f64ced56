"""How an audit runs: which resolver, which trust store, which DKIM selectors, how long to wait."""

import socket
from dataclasses import dataclass, field
from typing import Optional, Tuple

from mailsec.audit.report import PolicySighting
from mailsec.nameservers import Nameserver
from mailsec.nas import NasLayout
from mailsec.resolver import DEFAULT_LIFETIME, DEFAULT_TIMEOUT


def _local_name() -> str:
    """The name the probes give in EHLO: the kernel's host name. Not `getfqdn()`, which asks the system's
    resolver and so would go around the name servers the audit was given."""
    name = socket.gethostname()
    return name if "." in name else "localhost.localdomain"


@dataclass(frozen=True)
class AuditOptions:
    nameservers: Tuple[Nameserver, ...] = ()
    dkim_selectors: Tuple[str, ...] = ()
    ca_bundle: Optional[str] = None  # replaces the Mozilla roots for every WebPKI check
    layout: Optional[NasLayout] = None  # the NAS whose MailPlus certificate is compared, if any
    previous_sighting: Optional[PolicySighting] = None  # the `_mta-sts` id and policy the last audit saw
    ehlo_name: str = field(default_factory=_local_name)
    dns_timeout: float = DEFAULT_TIMEOUT
    dns_lifetime: float = DEFAULT_LIFETIME
    smtp_timeout: float = 15.0
    https_timeout: float = 20.0
