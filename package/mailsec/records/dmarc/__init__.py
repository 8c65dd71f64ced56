"""DMARC (RFC 7489, RFC 9989, RFC 9990).

* `record`: `parse_dmarc`, `select_dmarc` and the `DmarcRecord` model;
* `rollout`: `policy_advice`, the policy's strength and the next step of the staged rollout;
* `treewalk`: `discover_policy` and `organizational_domain`, the RFC 9989 DNS tree walk;
* `reports`: `check_report_destinations`, external report destination authorisation.
"""

from mailsec.records.dmarc.record import Disposition, DmarcRecord, is_dmarc_record, parse_dmarc, select_dmarc
from mailsec.records.dmarc.reports import Authorization, DestinationCheck, check_report_destinations
from mailsec.records.dmarc.rollout import PolicyAdvice, RolloutStage, policy_advice
from mailsec.records.dmarc.treewalk import (
    OrganizationalDomain,
    PolicyDiscovery,
    TreeWalk,
    discover_policy,
    organizational_domain,
    tree_walk,
)

__all__ = [
    "Authorization", "DestinationCheck", "Disposition", "DmarcRecord", "OrganizationalDomain", "PolicyAdvice",
    "PolicyDiscovery", "RolloutStage", "TreeWalk", "check_report_destinations", "discover_policy",
    "is_dmarc_record", "organizational_domain", "parse_dmarc", "policy_advice", "select_dmarc", "tree_walk",
]
