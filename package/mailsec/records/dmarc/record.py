"""The DMARC record at `_dmarc.<domain>` (RFC 7489 §6.3-§6.4, RFC 9989 §4.7-§4.8): model and parser.

The record is a tag list (`taglist`: spaces and tabs only, tag names case-insensitive) whose first tag
must be `v=DMARC1`, exactly, or receivers ignore it. Two generations of receivers read it:

* RFC 7489 receivers expect `p` right after `v`, understand `pct`, `rf`, `ri` and `!size` suffixes;
* RFC 9989 receivers removed `pct`, `rf`, `ri` (use `t=y` instead of `pct`), added `np`, `t` and
  `psd`, ignore size suffixes, and read a missing `p` as `p=none`.

Unknown tags are ignored. An invalid value of most tags only brings back that tag's default (RFC 9989
§4.8), so it is a warning here; an invalid `p` (or `sp`/`np`) leaves the record working as `p=none` only
when it has a valid `rua`, and otherwise receivers skip DMARC altogether, which is an error.
"""

import re
from dataclasses import dataclass
from enum import Enum
from typing import Optional, Sequence, Tuple

from mailsec.records.issues import IssueLog, Parsed
from mailsec.records.reporturi import ReportUri, parse_uri_list
from mailsec.records.taglist import Tag, TagList, parse_tag_list
from mailsec.records.txt import TxtData, read_txt, select_one

DMARC_VERSION = "DMARC1"
_CANDIDATE = re.compile(r"[vV][ \t]*=[ \t]*DMARC1[ \t]*(?:;|\Z)")
_PERCENT = re.compile(r"[0-9]{1,3}\Z")
_INTERVAL = re.compile(r"[0-9]{1,10}\Z")
_KNOWN = ("v", "p", "sp", "np", "pct", "t", "psd", "rua", "ruf", "adkim", "aspf", "fo", "rf", "ri")
_FAILURE_OPTIONS = ("0", "1", "d", "s")


class Disposition(str, Enum):
    """What the domain owner asks receivers to do with mail that fails DMARC."""

    NONE = "none"
    QUARANTINE = "quarantine"
    REJECT = "reject"

    @property
    def strength(self) -> int:
        return ("none", "quarantine", "reject").index(self.value)


@dataclass(frozen=True)
class DmarcRecord:
    """A DMARC record as receivers apply it (invalid optional tags already replaced by their defaults)."""

    text: str
    tags: TagList
    policy: Disposition
    subdomain_policy: Optional[Disposition] = None  # `sp` as published
    nonexistent_policy: Optional[Disposition] = None  # `np` as published (RFC 9989)
    percent: Optional[int] = None  # `pct` as published (RFC 7489 only)
    testing: bool = False  # `t=y` (RFC 9989)
    psd: str = "u"
    rua: Tuple[ReportUri, ...] = ()
    ruf: Tuple[ReportUri, ...] = ()
    adkim: str = "r"
    aspf: str = "r"
    failure_options: Tuple[str, ...] = ("0",)

    @property
    def effective_subdomain_policy(self) -> Disposition:
        return self.subdomain_policy or self.policy

    @property
    def effective_nonexistent_policy(self) -> Disposition:
        return self.nonexistent_policy or self.subdomain_policy or self.policy


def is_dmarc_record(text: str) -> bool:
    """The discard rule: a record counts only if its first tag is `v=DMARC1` (value case-sensitive)."""
    return bool(_CANDIDATE.match(text))


def parse_dmarc(data: TxtData) -> Parsed[DmarcRecord]:
    """Parse one TXT record's value as a DMARC record."""
    text, problems = read_txt(data)
    tags = parse_tag_list(
        text, problems, folding=False, case_sensitive=False,
        repeated="receivers disagree about which copy counts",
    )
    if not tags.tags or tags.names()[0] != "v" or tags.tags[0].value != DMARC_VERSION:
        problems.error(f"a DMARC record must begin with `v={DMARC_VERSION}` (exactly); receivers ignore this one")
        return problems.result(None)
    _note_tag_names(tags, problems)
    rua = _uris(tags.get("rua"), problems)
    ruf = _uris(tags.get("ruf"), problems)
    policy = _policy(tags, bool(rua), problems)
    if policy is None or problems.has_errors:
        return problems.result(None)
    record = DmarcRecord(
        text=text,
        tags=tags,
        policy=policy,
        subdomain_policy=_disposition(tags.get("sp")),
        nonexistent_policy=_disposition(tags.get("np")),
        percent=_percent(tags.get("pct"), problems),
        testing=_choice(tags.get("t"), ("y", "n"), "n", problems) == "y",
        psd=_choice(tags.get("psd"), ("y", "n", "u"), "u", problems),
        rua=rua,
        ruf=ruf,
        adkim=_choice(tags.get("adkim"), ("r", "s"), "r", problems),
        aspf=_choice(tags.get("aspf"), ("r", "s"), "r", problems),
        failure_options=_failure_options(tags.get("fo"), bool(ruf), problems),
    )
    _check_removed_tags(tags, problems)
    _check_psd(record, problems)
    return problems.result(record)


def select_dmarc(records: Sequence[TxtData]) -> Parsed[DmarcRecord]:
    """The record receivers use of all TXT records at `_dmarc.<domain>`."""
    return select_one(
        records,
        is_dmarc_record,
        lambda text: DMARC_VERSION.lower() in text[:20].lower(),
        parse_dmarc,
        rule=f"begin with `v={DMARC_VERSION}` (exactly this case)",
        absent=f"there is no DMARC record (no TXT record begins with `v={DMARC_VERSION}`)",
        several="receivers discard them all and apply no DMARC. Keep one record and delete the others",
    )


def _note_tag_names(tags: TagList, problems: IssueLog) -> None:
    names = tags.names()
    if len(names) > 1 and names[1] != "p" and "p" in names:
        problems.warning("put `p=` right after `v=DMARC1`; RFC 7489's grammar expects it there", str(tags.get("p")))
    for tag in tags.tags:
        if tag.name.lower() not in _KNOWN:
            problems.info("is not a DMARC tag; receivers ignore it", str(tag))
        elif tag.name != tag.name.lower():
            problems.warning(f"write the tag name in lower case, `{tag.name.lower()}=`; some receivers only match that",
                             str(tag))


def _disposition(tag: Optional[Tag]) -> Optional[Disposition]:
    if tag is None:
        return None
    try:
        return Disposition(tag.value.lower())
    except ValueError:
        return None


def _policy(tags: TagList, has_rua: bool, problems: IssueLog) -> Optional[Disposition]:
    """`p`, or `none` where the RFCs fall back to it; None when receivers skip DMARC."""
    broken = [tag for tag in (tags.get("p"), tags.get("sp"), tags.get("np")) if tag and _disposition(tag) is None]
    for tag in broken:
        effect = "receivers act as if `p=none`" if has_rua else "with no valid `rua`, receivers apply no DMARC at all"
        message = f"the value must be none, quarantine or reject; {effect}"
        (problems.warning if has_rua else problems.error)(message, str(tag))
    p = tags.get("p")
    if p is None:
        if not has_rua:
            problems.error(
                "the record has no `p=` and no `rua=`: RFC 7489 receivers ignore it and RFC 9989 receivers apply "
                "`p=none` without reports, so it does nothing. Add `p=none; rua=mailto:dmarc@<your domain>`"
            )
            return None
        problems.warning("there is no `p=`; receivers read `p=none`. Write the policy explicitly")
        return Disposition.NONE
    if broken:
        return Disposition.NONE if has_rua else None
    return _disposition(p)


def _uris(tag: Optional[Tag], problems: IssueLog) -> Tuple[ReportUri, ...]:
    if tag is None:
        return ()
    scratch = IssueLog()
    uris = parse_uri_list(tag.value, scratch, size_suffix=True)
    problems.extend(issue.as_warning() for issue in scratch.freeze())  # receivers skip a bad URI, not the record
    for uri in uris:
        if uri.scheme != "mailto":
            problems.warning("receivers only have to support `mailto:`; most ignore other URIs", uri.uri)
        if uri.size_limit is not None:
            problems.warning(f"the size limit `!{uri.size_limit}` is obsolete (RFC 9989); reporters ignore it", uri.uri)
    if not uris:
        problems.warning(f"`{tag.name}=` holds no usable address, so no reports of this kind arrive", str(tag))
    return uris


def _percent(tag: Optional[Tag], problems: IssueLog) -> Optional[int]:
    if tag is None:
        return None
    if not _PERCENT.match(tag.value) or int(tag.value) > 100:
        problems.warning("`pct` must be a whole number from 0 to 100; receivers use 100", str(tag))
        return None
    return int(tag.value)


def _choice(tag: Optional[Tag], allowed: Tuple[str, ...], default: str, problems: IssueLog) -> str:
    if tag is None:
        return default
    if tag.value.lower() not in allowed:
        problems.warning(f"the value must be one of {', '.join(allowed)}; receivers use `{default}`", str(tag))
        return default
    return tag.value.lower()


def _failure_options(tag: Optional[Tag], has_ruf: bool, problems: IssueLog) -> Tuple[str, ...]:
    if tag is None:
        return ("0",)
    options = tuple(option.strip(" \t").lower() for option in tag.value.split(":"))
    if not all(option in _FAILURE_OPTIONS for option in options):
        problems.warning("`fo` takes 0, 1, d or s, separated by `:`; receivers use `0`", str(tag))
        return ("0",)
    if "0" in options and "1" in options:
        problems.warning("`fo=0` and `fo=1` contradict each other (RFC 9989); keep one", str(tag))
    if not has_ruf:
        problems.info("`fo` only matters with `ruf=`; receivers ignore it here", str(tag))
    return options


def _check_removed_tags(tags: TagList, problems: IssueLog) -> None:
    for name, advice in (("pct", "use `t=y` for a testing step instead"), ("rf", "delete it"), ("ri", "delete it")):
        tag = tags.get(name)
        if tag is not None:
            problems.warning(f"`{name}` was removed by RFC 9989 and newer receivers ignore it; {advice}", str(tag))


def _check_psd(record: DmarcRecord, problems: IssueLog) -> None:
    if record.psd == "y":
        problems.warning(
            "`psd=y` declares this domain a public suffix (like a top-level domain): receivers then treat each "
            "name below it as a separate organisation. Remove it unless you run a public suffix"
        )
