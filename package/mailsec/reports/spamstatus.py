"""The spam score headers: `X-Synology-Spam-Status` (MailPlus Server) and `X-Spam-Status` (SpamAssassin).

MailPlus writes `score=<f>, required <n>, [autolearn=<v>,] RULE weight, RULE weight, ...`: every rule
with its weight. SpamAssassin writes `Yes|No, score=<f> required=<n> tests=A,B,C autolearn=<v> ...`,
usually with the rule names only (weights appear as `A=1.2` when the server's template asks for
them). Both become a `SpamVerdict`: the score, the threshold, and the rules sorted by how much they
moved the score, largest first in either direction.
"""

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from mailsec.reports.spam_rules import rule_meaning

SYNOLOGY_HEADER = "X-Synology-Spam-Status"
SPAMASSASSIN_HEADER = "X-Spam-Status"

_ITEM = re.compile(r"([^\s=]+)\s*(?:=|\s)\s*(.*)\Z")  # "score=-8.7", "required 2", "RULE 0.5", "RULE=0.5"
_SA_FIELD_START = re.compile(r"\s+(?=[a-z_]+=)")  # SpamAssassin's fields are lower case, rule names upper case
_ROUNDING = 6  # digits kept of computed sums; weights carry float noise


class SpamStatusError(ValueError):
    """A spam status header without a readable score or threshold."""


@dataclass(frozen=True)
class RuleHit:
    name: str
    weight: Optional[float]  # None when the header lists the rule without its weight
    meaning: str  # "" when mailsec does not know the rule


@dataclass(frozen=True)
class SpamVerdict:
    header: str
    score: float
    required: float
    is_spam: bool
    autolearn: str
    rules: Tuple[RuleHit, ...]  # weighted rules by size of contribution, then unweighted ones by name

    @property
    def margin(self) -> float:
        """How far below (positive) or above (negative) the threshold the score is."""
        return self.required - self.score

    @property
    def unexplained(self) -> Optional[float]:
        """The part of the score the listed weights do not account for (None when weights are missing)."""
        if not self.rules or any(rule.weight is None for rule in self.rules):
            return None
        return round(self.score - sum(rule.weight or 0.0 for rule in self.rules), _ROUNDING)


def parse_synology(value: str) -> SpamVerdict:
    """Parse an `X-Synology-Spam-Status` value."""
    attributes: Dict[str, str] = {}
    rules: List[RuleHit] = []
    for item in filter(None, (part.strip() for part in _unfold(value).split(","))):
        name, weight = _item(item)
        if "=" in item or name.lower() == "required":
            attributes[name.lower()] = weight
        else:
            rules.append(_hit(name, weight))
    score, required = _number(attributes, "score"), _number(attributes, "required")
    return SpamVerdict(SYNOLOGY_HEADER, score, required, score >= required, attributes.get("autolearn", ""),
                       _ordered(rules))


def parse_spamassassin(value: str) -> SpamVerdict:
    """Parse an `X-Spam-Status` value as SpamAssassin writes it."""
    answer, _, rest = _unfold(value).partition(",")
    fields = dict(field.partition("=")[::2] for field in _SA_FIELD_START.split(rest.strip()) if "=" in field)
    score, required = _number(fields, "score"), _number(fields, "required")
    tests = filter(None, (part.strip() for part in fields.get("tests", "").split(",")))
    rules = [_hit(*_item(test)) for test in tests if test.lower() != "none"]
    verdict = answer.strip().lower()
    is_spam = verdict == "yes" if verdict in ("yes", "no") else score >= required
    return SpamVerdict(SPAMASSASSIN_HEADER, score, required, is_spam, fields.get("autolearn", ""), _ordered(rules))


def _item(text: str) -> Tuple[str, str]:
    """`RULE 0.5`, `RULE=0.5` or `RULE` as (name, weight text)."""
    match = _ITEM.match(text)
    return (match.group(1), match.group(2).strip()) if match else (text, "")


def _hit(name: str, weight: str) -> RuleHit:
    try:
        value: Optional[float] = float(weight)
    except ValueError:
        value = None
    return RuleHit(name, value, rule_meaning(name) or "")


def _ordered(rules: List[RuleHit]) -> Tuple[RuleHit, ...]:
    return tuple(sorted(rules, key=lambda rule: (rule.weight is None, -abs(rule.weight or 0.0), rule.name)))


def _number(fields: Dict[str, str], name: str) -> float:
    try:
        return float(fields[name])
    except KeyError:
        raise SpamStatusError(f"no {name} in the header") from None
    except ValueError:
        raise SpamStatusError(f"the {name} {fields[name]!r} is not a number") from None


def _unfold(value: str) -> str:
    return " ".join(value.split())
