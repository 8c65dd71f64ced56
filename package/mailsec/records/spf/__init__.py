"""SPF (RFC 7208): record syntax, the static DNS-lookup count of a record tree, and check_host().

* `record`: `parse_spf`, `select_spf` and the `SpfRecord` model;
* `macro`: macro-strings (§7);
* `fetch`: a domain's record as check_host() finds it, and the `SpfVerdict` names;
* `lookups`: `count_lookups`, the whole include/redirect tree with the cost of every term;
* `evaluate`: `check_host`, the verdict for one client address.
"""

from mailsec.records.spf.evaluate import SpfResult, check_host
from mailsec.records.spf.fetch import SpfVerdict
from mailsec.records.spf.lookups import LookupCount, SpfTree, TermCost, count_lookups
from mailsec.records.spf.record import Kind, Mechanism, Modifier, Qualifier, SpfRecord, parse_spf, select_spf

__all__ = [
    "Kind", "LookupCount", "Mechanism", "Modifier", "Qualifier", "SpfRecord", "SpfResult", "SpfTree",
    "SpfVerdict", "TermCost", "check_host", "count_lookups", "parse_spf", "select_spf",
]
