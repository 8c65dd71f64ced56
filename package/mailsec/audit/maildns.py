"""The record checks' view of DNS (`records.lookup.MailDns`), backed by the audit's memoised lookups."""

from typing import Callable, Tuple, TypeVar

from mailsec.audit.facts import DomainFacts
from mailsec.records.lookup import DnsAnswer, MxRecord
from mailsec.records.txt import TxtData
from mailsec.resolver import Lookup, Outcome

T = TypeVar("T")


def txt_data(lookup: Lookup) -> Tuple[TxtData, ...]:
    """Each TXT record as its strings, the form the record parsers take."""
    return tuple(tuple(record.strings) for record in lookup.records)


def _answer(lookup: Lookup, convert: Callable[[object], T]) -> "DnsAnswer[T]":
    if lookup.failed:
        return DnsAnswer.error(lookup.describe())
    if lookup.outcome == Outcome.NXDOMAIN:
        return DnsAnswer.nxdomain()
    return DnsAnswer.found(tuple(convert(record) for record in lookup.records))


class FactsDns:
    """`MailDns` for SPF, DKIM and DMARC: every query goes through the audit's shared, memoised facts."""

    def __init__(self, facts: DomainFacts) -> None:
        self._facts = facts

    def txt(self, name: str) -> "DnsAnswer[TxtData]":
        return _answer(self._facts.txt(name), lambda record: tuple(record.strings))

    def a(self, name: str) -> "DnsAnswer[str]":
        return _answer(self._facts.query(name, "A"), lambda record: record.address)

    def aaaa(self, name: str) -> "DnsAnswer[str]":
        return _answer(self._facts.query(name, "AAAA"), lambda record: record.address)

    def mx(self, name: str) -> "DnsAnswer[MxRecord]":
        return _answer(self._facts.query(name, "MX"), lambda record: MxRecord(
            record.preference, record.exchange.to_text(omit_final_dot=True)))

    def ptr(self, address: str) -> "DnsAnswer[str]":
        return _answer(self._facts.ptr(address), lambda record: record.target.to_text(omit_final_dot=True))
