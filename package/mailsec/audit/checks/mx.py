"""`mx.present`, `mx.target`, `mx.address`: where senders deliver the domain's mail (RFC 5321 §5.1, RFC 7505)."""

from typing import List

from mailsec.audit.checks.common import lookup_failed, passed
from mailsec.audit.facts import DomainFacts, HostAddresses
from mailsec.findings import Finding, Status
from mailsec.names import is_ip_literal
from mailsec.resolver import Outcome

PRESENT, TARGET, ADDRESS = "mx.present", "mx.target", "mx.address"


def check(facts: DomainFacts) -> List[Finding]:
    findings = [_present(facts)]
    if facts.mx().found:
        for entry in facts.mx_addresses():
            findings += [_target(entry), _address(entry)]
    return findings


def _present(facts: DomainFacts) -> Finding:
    lookup, domain = facts.mx(), facts.domain
    publish = f"Publish an MX record: {domain}. IN MX 10 mail.{domain}."
    if lookup.failed:
        return lookup_failed(PRESENT, domain, lookup)
    if lookup.outcome == Outcome.NXDOMAIN:
        return Finding(PRESENT, Status.FAIL, domain, "the domain does not exist in DNS", publish)
    if not lookup.found:
        return Finding(PRESENT, Status.FAIL, domain,
                       "there is no MX record, so senders fall back to the domain's own address (implicit MX), "
                       "which MTA-STS and DANE do not protect", publish)
    if len(facts.mx_hosts()) < len(lookup.records):
        if facts.mx_hosts():
            return Finding(PRESENT, Status.FAIL, domain,
                           "a null MX (MX 0 .) says the domain receives no mail, yet other MX records exist "
                           "(RFC 7505 §3 forbids mixing them); senders may refuse all mail",
                           f"Delete the record {domain}. IN MX 0 . and keep the real MX records.")
        return Finding(PRESENT, Status.FAIL, domain,
                       "the domain publishes a null MX (MX 0 .): it declares that it receives no mail",
                       f"Replace the null MX with your mail server: {domain}. IN MX 10 mail.{domain}.")
    listed = ", ".join(f"{host.preference} {host.name}" for host in facts.mx_hosts())
    return passed(PRESENT, domain, f"MX records: {listed}")


def _target(entry: HostAddresses) -> Finding:
    if is_ip_literal(entry.host):
        return Finding(TARGET, Status.FAIL, entry.host,
                       "the MX record names an IP address; an MX must name a host (RFC 5321 §5.1)",
                       f"Give the address a name (mail.<domain>. IN A {entry.host}) and point the MX at that name.")
    alias = entry.alias_target
    if alias:
        return Finding(TARGET, Status.FAIL, entry.host,
                       f"the MX host is an alias (CNAME) of {alias}; an MX must not point at an alias "
                       "(RFC 2181 §10.3), and MTA-STS and DANE then check the wrong name",
                       f"Point the MX record at {alias} directly, or replace the CNAME with A/AAAA records.")
    return passed(TARGET, entry.host, "the MX host is a plain host name (not an alias, not an address)")


def _address(entry: HostAddresses) -> Finding:
    if entry.addresses:
        return passed(ADDRESS, entry.host, f"addresses: {', '.join(entry.addresses)}")
    if entry.failures:
        return lookup_failed(ADDRESS, entry.host, entry.failures[0])
    return Finding(ADDRESS, Status.FAIL, entry.host, "the MX host has no A or AAAA record; senders cannot reach it",
                   f"Publish the address of the mail server: {entry.host}. IN A <public IPv4 address>")
