"""The DMARC DNS tree walk (RFC 9989 §4.10): policy discovery and the Organizational Domain.

RFC 9989 replaced the public suffix list of RFC 7489 with DNS: receivers look for `_dmarc` records at
the domain and up its parents, at most 8 queries (a name of 8 or more labels jumps straight to its last
7), stopping at a record with `psd=y` or `psd=n`. From the records found, longest name first:

* `psd=n` marks its own domain as the Organizational Domain;
* `psd=y` (not at the starting domain) marks a public suffix, and the domain one label below it is the
  Organizational Domain;
* otherwise the record with the fewest labels wins; with no record at all, the domain itself.

mailsec carries no public suffix list, so this is also its only notion of "organisation". Its limit is
the RFC's own: two names under a public suffix that publishes no `psd=y` record (most ccTLDs today) and
where neither publishes DMARC are each their own organisation; and a subdomain with its own record under
an organisation without one counts as separate. Both err on the side of "external", never on "same".
"""

from dataclasses import dataclass
from typing import List, Optional, Tuple

from mailsec.limits import DMARC_TREE_WALK_MAX_QUERIES
from mailsec.records.dmarc.record import DmarcRecord, select_dmarc
from mailsec.records.lookup import TxtLookup

_JUMP_TO_LABELS = DMARC_TREE_WALK_MAX_QUERIES - 1


@dataclass(frozen=True)
class FoundRecord:
    domain: str
    record: DmarcRecord


@dataclass(frozen=True)
class TreeWalk:
    """The names whose `_dmarc` was queried, the valid records found (longest name first), and the reason
    when a DNS failure stopped the walk (then nothing may be concluded from it)."""

    start: str
    queried: Tuple[str, ...]
    found: Tuple[FoundRecord, ...]
    error: str = ""

    def at(self, domain: str) -> Optional[DmarcRecord]:
        return next((found.record for found in self.found if found.domain == domain), None)


@dataclass(frozen=True)
class PolicyDiscovery:
    """The record that governs mail from `author_domain`, where it was found, and which tag applies:
    `p` when it is the author domain's own record, else `sp` (or `np` for a name that does not exist)."""

    author_domain: str
    record: Optional[DmarcRecord]
    policy_domain: str = ""
    own_record: bool = False
    walk: Optional[TreeWalk] = None
    error: str = ""


@dataclass(frozen=True)
class OrganizationalDomain:
    domain: str  # the Organizational Domain ("" when a DNS failure left it undetermined)
    walk: TreeWalk
    basis: str  # how it was decided, in words

    @property
    def error(self) -> str:
        return self.walk.error


def walk_targets(domain: str, include_start: bool = True) -> List[str]:
    """The names a tree walk from `domain` queries, in order, before any early stop."""
    labels = domain.rstrip(".").lower().split(".")
    names = [".".join(labels)] if include_start else []
    while len(labels) > 1:
        labels = labels[-_JUMP_TO_LABELS:] if len(labels) >= DMARC_TREE_WALK_MAX_QUERIES else labels[1:]
        names.append(".".join(labels))
    return names[:DMARC_TREE_WALK_MAX_QUERIES]


def tree_walk(domain: str, dns: TxtLookup, include_start: bool = True) -> TreeWalk:
    """Query `_dmarc.<name>` up from `domain`, stopping at `psd=y`/`psd=n` or a DNS failure."""
    start = domain.rstrip(".").lower()
    queried: List[str] = []
    found: List[FoundRecord] = []
    for name in walk_targets(start, include_start):
        queried.append(name)
        answer = dns.txt(f"_dmarc.{name}")
        if answer.failed:
            return TreeWalk(start, tuple(queried), tuple(found), f"the TXT lookup of _dmarc.{name} failed: "
                            f"{answer.reason}")
        record = select_dmarc(answer.records).record if not answer.void else None
        if record is not None:
            found.append(FoundRecord(name, record))
            if record.psd in ("y", "n"):
                break
    return TreeWalk(start, tuple(queried), tuple(found))


def organizational_domain(domain: str, dns: TxtLookup) -> OrganizationalDomain:
    """The Organizational Domain of `domain` by the RFC 9989 §4.10 rules."""
    walk = tree_walk(domain, dns)
    if walk.error:
        return OrganizationalDomain("", walk, "undetermined: " + walk.error)
    return _select_organizational(walk)


def _select_organizational(walk: TreeWalk) -> OrganizationalDomain:
    for found in walk.found:
        if found.record.psd == "n":
            return OrganizationalDomain(found.domain, walk, f"_dmarc.{found.domain} says psd=n")
        if found.record.psd == "y" and found.domain != walk.start:
            below = _one_label_below(walk.start, found.domain)
            return OrganizationalDomain(below, walk, f"_dmarc.{found.domain} declares a public suffix (psd=y)")
    if walk.found:
        top = walk.found[-1].domain
        return OrganizationalDomain(top, walk, f"the highest DMARC record found is at _dmarc.{top}")
    return OrganizationalDomain(walk.start, walk, "no DMARC record above it, so it is its own organisation")


def _one_label_below(start: str, suffix: str) -> str:
    labels = start.split(".")
    return ".".join(labels[-(len(suffix.split(".")) + 1) :])


def discover_policy(author_domain: str, dns: TxtLookup) -> PolicyDiscovery:
    """The DMARC record receivers apply to mail from `author_domain` (RFC 9989 §4.10.1)."""
    author = author_domain.rstrip(".").lower()
    first = dns.txt(f"_dmarc.{author}")
    if first.failed:
        return PolicyDiscovery(author, None, error=f"the TXT lookup of _dmarc.{author} failed: {first.reason}")
    record = select_dmarc(first.records).record if not first.void else None
    if record is not None:
        return PolicyDiscovery(author, record, author, own_record=True)
    walk = tree_walk(author, dns, include_start=False)
    if walk.error:
        return PolicyDiscovery(author, None, walk=walk, error=walk.error)
    organizational = _select_organizational(walk)
    governing = walk.at(organizational.domain) or next(
        (found.record for found in walk.found if found.record.psd == "y"), None)
    if governing is None:
        return PolicyDiscovery(author, None, walk=walk)
    domain = organizational.domain if walk.at(organizational.domain) else _psd_domain(walk)
    return PolicyDiscovery(author, governing, domain, walk=walk)


def _psd_domain(walk: TreeWalk) -> str:
    return next(found.domain for found in walk.found if found.record.psd == "y")
