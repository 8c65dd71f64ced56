"""How strong a DMARC policy is, and the next step of the staged rollout.

The safe path from monitoring to enforcement (RFC 7489 §6.6.4, RFC 9989 §5.1 and App. A.6) is:

    p=none (with rua: read the reports, fix every legitimate sender)
    -> p=quarantine; t=y; pct=0   (RFC 9989 receivers apply one level less for t=y; older ones for pct=0)
    -> p=quarantine
    -> p=reject

`pct` values between 1 and 99 were rarely applied accurately and are gone in RFC 9989, so the ladder
uses only `t=y` plus `pct=0`. The advice carries the complete next record, other tags kept as they are.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Dict, Optional, Tuple

from mailsec.records.dmarc.record import DMARC_VERSION, Disposition, DmarcRecord
from mailsec.records.issues import IssueLog, RecordIssue


class RolloutStage(str, Enum):
    MONITORING = "monitoring"  # p=none
    TESTING = "testing"  # quarantine or reject, but t=y or pct below 100: one level less is applied
    QUARANTINE = "quarantine"
    REJECT = "reject"


@dataclass(frozen=True)
class PolicyAdvice:
    stage: RolloutStage
    applied: Disposition  # what an RFC 9989 receiver does with failing mail from the domain itself
    issues: Tuple[RecordIssue, ...]
    next_record: Optional[str]  # the record to publish next; None at the last step


def policy_advice(record: DmarcRecord) -> PolicyAdvice:
    """Where `record` stands on the rollout ladder, what is risky about it, and the next record."""
    problems = IssueLog()
    stage = _stage(record)
    if stage is RolloutStage.MONITORING:
        problems.warning(
            "`p=none` only monitors: mail that fails DMARC is delivered as usual. Once the aggregate reports "
            "show all your own mail passing, move to the testing step"
        )
        if not record.rua:
            problems.warning("`p=none` without `rua=` neither protects nor reports; add `rua=mailto:...`")
        next_record = _render(record, {"p": "quarantine", "t": "y", "pct": "0"})
    elif stage is RolloutStage.TESTING:
        _testing_issues(record, problems)
        next_record = _render(record, {"t": None, "pct": None})
    elif stage is RolloutStage.QUARANTINE:
        problems.info("`p=quarantine` sends failing mail to spam; `p=reject` is the last step")
        next_record = _render(record, {"p": "reject", "t": None, "pct": None})
    else:
        next_record = None
    _weaker_subdomains(record, problems)
    applied = _applied(record)
    return PolicyAdvice(stage, applied, problems.freeze(), next_record)


def _stage(record: DmarcRecord) -> RolloutStage:
    if record.policy is Disposition.NONE:
        return RolloutStage.MONITORING
    if record.testing or (record.percent is not None and record.percent < 100):
        return RolloutStage.TESTING
    return RolloutStage.QUARANTINE if record.policy is Disposition.QUARANTINE else RolloutStage.REJECT


def _applied(record: DmarcRecord) -> Disposition:
    if record.testing:
        return Disposition(("none", "none", "quarantine")[record.policy.strength])
    return record.policy


def _testing_issues(record: DmarcRecord, problems: IssueLog) -> None:
    if record.percent is not None and 0 < record.percent < 100:
        problems.warning(
            f"`pct={record.percent}` was rarely applied as written and RFC 9989 removed it; use `t=y` with `pct=0` "
            "for the testing step, then remove both"
        )
    if not record.testing:
        problems.warning("RFC 9989 receivers ignore `pct`; add `t=y` so they also apply one level less")
    elif record.percent is None:
        problems.info("older (RFC 7489) receivers do not know `t=y`; add `pct=0` so they test too")
    problems.info(
        f"testing step: receivers apply one level less than `p={record.policy.value}`. When the reports stay "
        "clean, remove `t` and `pct`"
    )


def _weaker_subdomains(record: DmarcRecord, problems: IssueLog) -> None:
    for tag, policy in (("sp", record.subdomain_policy), ("np", record.nonexistent_policy)):
        if policy is not None and policy.strength < record.policy.strength:
            problems.warning(
                f"`{tag}={policy.value}` is weaker than `p={record.policy.value}`, so forged mail from "
                f"{'subdomains' if tag == 'sp' else 'made-up subdomains'} gets through; raise it or remove `{tag}`"
            )


def _render(record: DmarcRecord, changes: Dict[str, Optional[str]]) -> str:
    """`record` with `changes` applied (None removes a tag), `v` and `p` first, the rest in their order."""
    values = {tag.name.lower(): tag.value for tag in record.tags.tags}
    values.update(changes)
    order = ["v", "p"] + [name for name in values if name not in ("v", "p")]
    values["v"] = DMARC_VERSION
    values.setdefault("p", record.policy.value)
    return "; ".join(f"{name}={values[name]}" for name in order if values.get(name) is not None)
