"""Reading DMARC aggregate XML: both RFC generations, streaming, and the XML tricks that must be refused."""

import io
import tracemalloc

import pytest

from mailsec.reports.dmarc import read_dmarc
from mailsec.reports.errors import ReportError
from tests.reports.corpus import MAY_1, dmarc_records, dmarc_row, dmarc_xml

RFC9990_NAMESPACE = "urn:ietf:params:xml:ns:dmarc-2.0"


def read(data: bytes):
    report = read_dmarc(io.BytesIO(data), "report.xml")
    return report.header, list(report.records())


def test_an_rfc7489_report_gives_header_and_records():
    header, records = read(dmarc_xml(rows=[dmarc_row("192.0.2.25", 3), dmarc_row("2001:db8::1", 4, dkim="fail")]))
    origin, policy = header.origin, header.policy
    assert (origin.organization, origin.report_id, origin.begin) == ("google.com", "dmarc-1", MAY_1)
    assert (policy.domain, policy.p, policy.adkim) == ("example.nl", "none", "r")
    assert [(r.source_ip, r.count, r.dmarc_pass) for r in records] == [("192.0.2.25", 3, True),
                                                                       ("2001:db8::1", 4, True)]
    assert records[0].auth_results[0].method == "dkim"


def test_an_rfc9990_report_with_namespace_testing_and_np_is_read_alike():
    data = dmarc_xml(namespace=RFC9990_NAMESPACE, p="quarantine", testing="y")
    data = data.replace(b"<p>quarantine</p>", b"<p>quarantine</p><np>reject</np>")
    data = data.replace(b"<report_metadata>", b"<version>1.0</version><report_metadata>")
    header, records = read(data)
    assert (header.policy.p, header.policy.np, header.policy.testing) == ("quarantine", "reject", "y")
    assert len(records) == 1


def test_forwarding_reasons_are_kept():
    _header, records = read(dmarc_xml(rows=[dmarc_row(dkim="fail", spf="fail", reasons=["forwarded"])]))
    assert records[0].reasons == ("forwarded",)
    assert not records[0].dmarc_pass


@pytest.mark.parametrize(("prolog", "body_entity"), [
    ('<!DOCTYPE feedback [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>', "&b;"),
    ('<!DOCTYPE feedback [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
    ('<!DOCTYPE feedback SYSTEM "http://127.0.0.1:1/evil.dtd">', ""),
    ('<!DOCTYPE feedback [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x">%p;]>', ""),
    ("<!DOCTYPE feedback>", ""),
])
def test_a_doctype_is_refused_before_any_entity_is_expanded(prolog, body_entity):
    data = dmarc_xml(prolog=prolog).replace(b"<org_name>google.com", f"<org_name>{body_entity}".encode())
    with pytest.raises(ReportError, match="DOCTYPE"):
        read(data)


def test_a_billion_laughs_is_refused_at_once():
    entities = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    data = f'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY l0 "lol">{entities}]><feedback>&l9;</feedback>'.encode()
    with pytest.raises(ReportError, match="DOCTYPE"):
        read(data)


def test_an_undeclared_entity_is_malformed():
    with pytest.raises(ReportError, match="cannot be parsed: undefined entity"):
        read(dmarc_xml(organization="google.com").replace(b"google.com</org_name>", b"&secret;</org_name>"))


def test_elements_nested_too_deep_are_refused():
    deep = b"<a>" * 50 + b"</a>" * 50
    with pytest.raises(ReportError, match="deeper than"):
        read(dmarc_xml().replace(b"</feedback>", deep + b"</feedback>"))


def test_an_overlong_text_is_refused():
    with pytest.raises(ReportError, match="more than 2048 characters"):
        read(dmarc_xml(organization="x" * 5000))


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty|no element found"),
    (b"<feedback></feedback>", "report_metadata and policy_published"),
    (b"<html><body>not a report</body></html>", "not a DMARC aggregate report"),
    (b"<feedback><report_metadata>", "cannot be parsed"),
])
def test_documents_that_are_not_reports_are_refused(data, message):
    with pytest.raises(ReportError, match=message):
        read(data)


def test_a_bad_record_names_its_number():
    data = dmarc_xml(rows=[dmarc_row(), dmarc_row(source_ip="999.1.1.1")])
    report = read_dmarc(io.BytesIO(data), "report.xml")
    with pytest.raises(ReportError, match="record 2: source_ip is not an IP address"):
        list(report.records())


def test_records_stream_through_bounded_memory():
    """15,000 records (about 6 MB of XML) are read one at a time, not held together."""
    rows = dmarc_records(dmarc_row(f"10.0.0.{n}", n + 1) for n in range(256))
    head, tail = dmarc_xml().split(b"<record>", 1)[0], b"</feedback>"
    stream = _Repeating(head, rows, 60, tail)
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_dmarc(stream, "big.xml").records())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 256 * 60
    assert stream.produced > 6_000_000
    assert peak < 2_000_000, f"peak memory {peak} bytes"


class _Repeating:
    """A stream of head + body * times + tail, produced as it is read."""

    def __init__(self, head: bytes, body: bytes, times: int, tail: bytes) -> None:
        self._parts = iter([head] + [body] * times + [tail])
        self._buffer = b""
        self.produced = 0

    def read(self, size: int = -1) -> bytes:
        while len(self._buffer) < size:
            part = next(self._parts, None)
            if part is None:
                break
            self._buffer += part
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        self.produced += len(data)
        return data
