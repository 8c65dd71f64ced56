"""Importing the test corpus: every kind of file, good and bad, with one verdict per report."""

from pathlib import Path

import pytest

from mailsec.reports.ingest import Outcome, import_file, import_message
from mailsec.reports.limits import MIB
from tests.reports.corpus import (
    dmarc_row,
    dmarc_xml,
    gzipped,
    report_mail,
    tls_failure,
    tls_json,
    tls_policy,
    tls_report,
    zipped,
)

HOSTILE_JSON = "Evil\x1b[2J\x07 Corp\u202e <script>"  # terminal escapes, bell, right-to-left override, markup
HOSTILE_XML = "Evil Corp\u202e <script>&"  # escaped in the file; XML 1.0 forbids C0 control characters


def outcomes(results):
    return [(result.outcome, result.kind, result.entries) for result in results]


CORPUS = {
    "google.json": (tls_json(tls_report("t1")), [(Outcome.IMPORTED, "tlsrpt", 1)]),
    "google.json.gz": (gzipped(tls_json(tls_report("t2"))), [(Outcome.IMPORTED, "tlsrpt", 1)]),
    "partial.json": (tls_json({**tls_report("t3", policies=[{"policy": {"policy-type": "sts",
                                                                          "policy-domain": "example.nl"},
                                                               "summary": {}}])}),
                     [(Outcome.IMPORTED, "tlsrpt", 1)]),
    "yahoo.xml": (dmarc_xml("d1", rows=[dmarc_row(), dmarc_row("198.51.100.7")]), [(Outcome.IMPORTED, "dmarc", 2)]),
    "twice.xml.gz.gz": (gzipped(dmarc_xml("d2"), 2), [(Outcome.IMPORTED, "dmarc", 1)]),
    "several.zip": (zipped({"a.xml": dmarc_xml("d3"), "b.xml": dmarc_xml("d4"), "c.xml": b"<broken"}),
                    [(Outcome.IMPORTED, "dmarc", 1), (Outcome.IMPORTED, "dmarc", 1), (Outcome.REJECTED, "", 0)]),
    "entities.xml": (dmarc_xml("d5", prolog='<!DOCTYPE f [<!ENTITY x "y">]>'), [(Outcome.REJECTED, "", 0)]),
    "malformed.json": (b'{"organization-name": "x",', [(Outcome.REJECTED, "", 0)]),
    "empty.xml": (b"", [(Outcome.REJECTED, "", 0)]),
    "picture.png": (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, [(Outcome.REJECTED, "", 0)]),
    "bomb.xml.gz": (gzipped(b"<feedback>" + b" " * (33 * MIB)), [(Outcome.REJECTED, "", 0)]),
    "hostile.xml": (dmarc_xml("d6", organization=HOSTILE_XML), [(Outcome.IMPORTED, "dmarc", 1)]),
    "hostile.json": (tls_json(tls_report("t4", organization=HOSTILE_JSON)), [(Outcome.IMPORTED, "tlsrpt", 1)]),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_corpus_file_gets_the_right_verdicts(name, store, write):
    data, expected = CORPUS[name]
    assert outcomes(import_file(store, write(name, data), 0)) == expected


def test_the_whole_corpus_imports_with_the_right_counts_and_again_as_duplicates(store, write):
    paths = [write(name, data) for name, (data, _expected) in sorted(CORPUS.items())]
    first = [result for path in paths for result in import_file(store, path, 0)]
    again = [result for path in paths for result in import_file(store, path, 0)]
    assert [r.outcome for r in first].count(Outcome.IMPORTED) == 9
    assert [r.outcome for r in again].count(Outcome.DUPLICATE) == 9
    assert [r.outcome for r in again].count(Outcome.IMPORTED) == 0
    counts = store.counts()
    assert (counts.tlsrpt_reports, counts.dmarc_reports) == (4, 5)
    assert len(list(store.dmarc_records(0))) == 6


def test_rejections_say_why(store, write):
    results = import_file(store, write("several.zip", CORPUS["several.zip"][0]), 0)
    assert results[2].source.endswith("several.zip:c.xml")
    assert results[2].reason.startswith("the XML cannot be parsed")
    bomb = import_file(store, write("bomb.xml.gz", CORPUS["bomb.xml.gz"][0]), 0)[0]
    assert bomb.reason == "refused, it expands to more than 32 MiB"


def test_hostile_text_is_stored_as_received(store, write):
    import_file(store, write("hostile.xml", CORPUS["hostile.xml"][0]), 0)
    import_file(store, write("hostile.json", CORPUS["hostile.json"][0]), 0)
    assert [record.origin.organization for record in store.dmarc_records(0)] == [HOSTILE_XML]
    assert store.tls_policies(0)[0].origin.organization == HOSTILE_JSON


def test_a_missing_file_is_a_rejection_not_a_crash(store, tmp_path: Path):
    result = import_file(store, tmp_path / "nowhere.xml", 0)[0]
    assert (result.outcome, result.reason) == (Outcome.REJECTED, "cannot read the file: No such file or directory")


def test_an_oversized_file_is_not_read_beyond_the_limit(store, write):
    path = write("huge.xml", b"<feedback>" + b" " * (26 * MIB) + b"</feedback>")
    assert import_file(store, path, 0)[0].reason == "refused, it is more than 25 MiB"


def test_a_tlsrpt_mail_is_read_through_its_report_part(store):
    report = tls_report("mailed", policies=[tls_policy(failures=[tls_failure()])])
    mail = report_mail([("application/tlsrpt+gzip", "google!example.nl.json.gz", gzipped(tls_json(report)))])
    results = import_message(store, mail, "imap:INBOX/1", 0)
    assert outcomes(results) == [(Outcome.IMPORTED, "tlsrpt", 1)]
    assert results[0].source == "imap:INBOX/1:google!example.nl.json.gz"


def test_a_dmarc_mail_with_a_zip_and_an_uncompressed_json_part_gives_both(store):
    mail = report_mail([("application/zip", "google.com!example.nl!1!2.zip", zipped({"r.xml": dmarc_xml()})),
                        ("application/tlsrpt+json", "r.json", tls_json(tls_report()))])
    assert outcomes(import_message(store, mail, "imap:INBOX/2", 0)) == [(Outcome.IMPORTED, "dmarc", 1),
                                                                        (Outcome.IMPORTED, "tlsrpt", 1)]


def test_a_saved_report_mail_can_be_imported_as_a_file(store, write):
    mail = report_mail([("application/gzip", "r.xml.gz", gzipped(dmarc_xml()))])
    assert outcomes(import_file(store, write("report.eml", mail), 0)) == [(Outcome.IMPORTED, "dmarc", 1)]


def test_a_mail_without_a_report_is_rejected_with_that_reason(store):
    result = import_message(store, report_mail([]), "imap:INBOX/3", 0)[0]
    assert (result.outcome, result.reason) == (Outcome.REJECTED, "the message has no report attached")


def test_a_mail_inside_a_report_attachment_is_not_followed(store):
    inner = report_mail([("application/gzip", "r.xml.gz", gzipped(dmarc_xml()))])
    outer = report_mail([("application/octet-stream", "inner.eml", inner)])
    result = import_message(store, outer, "imap:INBOX/4", 0)[0]
    assert result.outcome == Outcome.REJECTED
