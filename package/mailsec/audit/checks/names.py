"""`fqdn.syntax`: the domain and its MX host names must be valid host names (RFC 1035, 1123, 5321)."""

from typing import List

from mailsec.audit.facts import DomainFacts
from mailsec.findings import Finding, Status
from mailsec.names import host_name_problem

ID = "fqdn.syntax"


def judge_name(name: str, role: str) -> Finding:
    problem = host_name_problem(name)
    if problem:
        return Finding(ID, Status.FAIL, name, f"the {role} is not a valid host name: {problem}",
                       f"Use a fully qualified name of letters, digits and hyphens for the {role}.")
    return Finding(ID, Status.PASS, name, f"the {role} is a valid fully qualified host name")


def check(facts: DomainFacts) -> List[Finding]:
    return [judge_name(facts.domain, "mail domain"),
            *(judge_name(host.name, "MX host") for host in facts.mx_hosts())]
