"""The `_mta-sts.<domain>` TXT record (RFC 8461 §3.1): strict parser, selection and renderer.

The record tells senders that a policy exists and which instance it is: `v=STSv1; id=<id>`, where the
id is 1-32 letters and digits (no `-`, `.`, `:`), and senders refetch the policy only when the id
changes. Of the TXT records at the name, senders keep those beginning with `v=STSv1;`; unless exactly
one is left and it is valid, they assume the domain has no MTA-STS policy. An invalid record does not
by itself remove a policy a sender has cached (§3.1, §5.1), which is why a broken id is so easy to miss.
"""

import re
from dataclasses import dataclass
from typing import Sequence, Tuple

from mailsec.limits import STS_ID_MAX_LEN
from mailsec.records.fields import Field, parse_required_field, select_versioned
from mailsec.records.issues import Parsed
from mailsec.records.txt import TxtData, read_txt

STS_VERSION = "v=STSv1"
_ID = re.compile(rf"[A-Za-z0-9]{{1,{STS_ID_MAX_LEN}}}\Z")


@dataclass(frozen=True)
class StsTxtRecord:
    """A valid `_mta-sts` record: the policy id and any extension fields (which senders ignore)."""

    id: str
    extensions: Tuple[Field, ...] = ()

    def render(self) -> str:
        return render_sts_txt(self.id)


def render_sts_txt(policy_id: str) -> str:
    """The record text `v=STSv1; id=<policy_id>`; raises ValueError for an id senders would reject."""
    if not _ID.match(policy_id):
        raise ValueError(f"an MTA-STS id is 1-{STS_ID_MAX_LEN} letters and digits, not {policy_id!r}")
    return f"{STS_VERSION}; id={policy_id}"


def parse_sts_txt(data: TxtData) -> Parsed[StsTxtRecord]:
    """Parse one TXT record's value as an `_mta-sts` record."""
    text, problems = read_txt(data)
    found = parse_required_field(
        text, STS_VERSION, "id", problems, missing="add `id=` and 1-32 letters and digits"
    )
    record = None
    if found is not None:
        id_field, extensions = found
        if not _ID.match(id_field.value):
            problems.error(
                f"the id must be 1-{STS_ID_MAX_LEN} letters and digits only (no `-`, `.`, `:` or `_`); "
                "senders treat the record as invalid and the domain as having no policy. Use for example "
                "the date and time as digits: `id=20240501120000`",
                str(id_field),
            )
        else:
            record = StsTxtRecord(id_field.value, extensions)
    return problems.result(record)


def select_sts_txt(records: Sequence[TxtData]) -> Parsed[StsTxtRecord]:
    """The record senders use of all TXT records at `_mta-sts.<domain>` (§3.1 selection rule)."""
    return select_versioned(
        records,
        STS_VERSION,
        parse_sts_txt,
        absent=f"no TXT record here begins with `{STS_VERSION};`, so senders see no MTA-STS policy",
        several="senders then assume there is no MTA-STS policy. Keep one record and delete the others",
    )
