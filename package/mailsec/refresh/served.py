"""Is the new MTA-STS policy being served? Asked before the `_mta-sts` id changes (RFC 8461 §8.1).

Senders fetch the policy when they see a new id, and cache what they get for `max_age`. Announcing the
id of a policy Web Station does not serve yet would have them cache the old one under the new id. So the
policy is fetched as a sender fetches it: `https://mta-sts.<domain>/.well-known/mta-sts.txt` at each
address mailsec's resolver gives, certificate checked, redirects not followed (`mailsec.probe.https`).

Which rule applies: the id changes when every address that answered serves exactly the new policy, or
when none answered at all and the file on disk is the new one (`mtasts.publish` wrote and compared it).
The second case is common: a NAS behind a home router often cannot reach its own public address. Any
HTTP answer with another body or status holds the id back.
"""

from dataclasses import dataclass
from enum import Enum
from typing import List, Optional

from mailsec.limits import STS_POLICY_MAX_BYTES
from mailsec.mtasts.publish import POLICY_PATH_IN_FOLDER
from mailsec.probe.https import fetch

POLICY_URL_PATH = "/" + POLICY_PATH_IN_FOLDER.as_posix()
FETCH_TIMEOUT = 10.0  # seconds; the NAS asks itself, a slow answer is as good as none


class Serving(str, Enum):
    NEW_POLICY = "new-policy"  # every address that answered serves the policy on disk
    OTHER = "other"  # some address serves something else: hold the id back
    UNREACHABLE = "unreachable"  # no address answered: rely on the file on disk


@dataclass(frozen=True)
class ServedPolicy:
    verdict: Serving
    detail: str  # what was seen, for the owner

    @property
    def may_announce(self) -> bool:
        return self.verdict != Serving.OTHER


def served_policy(resolver, domain: str, expected: bytes, ca_bundle: Optional[str] = None,
                  timeout: float = FETCH_TIMEOUT) -> ServedPolicy:
    """What `https://mta-sts.<domain>` serves, compared with `expected` (the policy file's bytes)."""
    host = f"mta-sts.{domain}"
    addresses = [record.address for rtype in ("A", "AAAA") for record in resolver.query(host, rtype).records]
    if not addresses:
        return ServedPolicy(Serving.UNREACHABLE, f"{host} has no address mailsec could find")
    answers: List[str] = []
    failures: List[str] = []
    for address in addresses:
        got = fetch(host, POLICY_URL_PATH, address, ca_bundle, STS_POLICY_MAX_BYTES, timeout)
        if got.status is None:
            failures.append(f"{address}: {got.error}")
        elif got.status != 200 or got.body != expected:
            other = " with another policy" if got.status == 200 else ""
            answers.append(f"{address} answered HTTP {got.status}{other}")
    if answers:
        return ServedPolicy(Serving.OTHER, f"https://{host}{POLICY_URL_PATH}: " + "; ".join(answers))
    if len(failures) == len(addresses):
        return ServedPolicy(Serving.UNREACHABLE, f"https://{host}{POLICY_URL_PATH} could not be fetched from the "
                            "NAS (" + "; ".join(failures) + ")")
    return ServedPolicy(Serving.NEW_POLICY, f"https://{host}{POLICY_URL_PATH} serves the new policy")
