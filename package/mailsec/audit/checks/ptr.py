"""`ptr.fcrdns`: every MX address has a PTR name that resolves back to it (forward-confirmed reverse DNS).

Large mailbox providers require this of senders, and the MX usually sends too (RFC 1912 §2.1).
"""

import ipaddress
from typing import List

from mailsec.audit.checks.common import lookup_failed, passed
from mailsec.audit.concurrency import parallel_map
from mailsec.audit.facts import DomainFacts
from mailsec.findings import Finding, Status
from mailsec.names import normalize_host

ID = "ptr.fcrdns"


def ptr_names(facts: DomainFacts, address: str) -> List[str]:
    return [normalize_host(record.target.to_text()) for record in facts.ptr(address).records]


def check(facts: DomainFacts) -> List[Finding]:
    """One finding per MX address (an address shared by several MX hosts is judged for the first)."""
    findings: List[Finding] = []
    for finding in facts.for_each_endpoint(lambda host, address: _judge(facts, host, address)):
        if all(finding.subject != kept.subject for kept in findings):
            findings.append(finding)
    return findings


def _judge(facts: DomainFacts, host: str, address: str) -> Finding:
    lookup = facts.ptr(address)
    request = (f"Ask your internet provider to set the reverse DNS (PTR) of {address} to {host}, "
               f"the name your mail server announces.")
    if lookup.failed:
        return lookup_failed(ID, address, lookup)
    names = ptr_names(facts, address)
    if not names:
        return Finding(ID, Status.FAIL, address, "the address has no PTR record; many receivers reject mail from it",
                       request)
    forward = parallel_map(facts.addresses, names)
    confirmed = [entry.host for entry in forward if _same_address(address, entry.addresses)]
    if not confirmed:
        failed = [lookup for entry in forward for lookup in entry.failures]
        if failed:
            return lookup_failed(ID, address, failed[0])
        found = forward[0].addresses
        leads_to = f"resolves to {', '.join(found)}" if found else "has no address record"
        return Finding(ID, Status.FAIL, address,
                       f"the PTR name {names[0]} {leads_to}, not back to {address}",
                       f"Publish {names[0]}. IN {'AAAA' if ':' in address else 'A'} {address}, or: {request}")
    if len(names) > 1:
        return Finding(ID, Status.WARN, address,
                       f"the address has {len(names)} PTR names ({', '.join(names)}); receivers may pick any",
                       f"Keep one PTR name. {request}")
    return passed(ID, address, f"PTR {confirmed[0]} resolves back to {address}")


def _same_address(address: str, candidates: List[str]) -> bool:
    wanted = ipaddress.ip_address(address)
    return any(ipaddress.ip_address(candidate) == wanted for candidate in candidates)
