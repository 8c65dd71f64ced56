"""Unwrapping gzip and zip within the byte budget: the ordinary cases, the nested ones and the bombs."""

import gzip
import io
import struct
import zlib

import pytest

from mailsec.reports.containers import Budget, Content, sniff, unpack
from mailsec.reports.errors import ReportError
from mailsec.reports.limits import MAX_DECOMPRESSED_BYTES, MAX_ZIP_MEMBERS
from tests.reports.corpus import dmarc_xml, gzipped, tls_json, tls_report, zipped


def payloads(data: bytes, limit: int = MAX_DECOMPRESSED_BYTES):
    """(source, content, bytes) of every payload, read in order as an importer would."""
    budget = Budget(limit, "expands to")
    return [(p.source, p.content, p.read_all()) for p in unpack(io.BytesIO(data), "input", budget)]


@pytest.mark.parametrize(("head", "content"), [
    (b'{"organization-name": 1}', Content.JSON),
    (b'\xef\xbb\xbf  {"a": 1}', Content.JSON),
    (b'<?xml version="1.0"?><feedback>', Content.XML),
    (b"Return-Path: <x@example.nl>\r\nSubject: hi", Content.MESSAGE),
    (b"From MAILER-DAEMON Thu May  2 00:00:00 2024\nFrom: x@example.nl", Content.MESSAGE),
    (b"\x00\x01binary", Content.UNKNOWN),
    (b"", Content.UNKNOWN),
])
def test_content_is_judged_by_its_first_bytes(head, content):
    assert sniff(head) == content


def test_plain_reports_pass_through_unchanged():
    data = tls_json(tls_report())
    assert payloads(data) == [("input", Content.JSON, data)]


@pytest.mark.parametrize("times", [1, 2, 3])
def test_gzip_is_unwrapped_up_to_three_times(times):
    data = dmarc_xml()
    assert payloads(gzipped(data, times)) == [("input", Content.XML, data)]


def test_wrapping_four_times_is_refused():
    with pytest.raises(ReportError, match="compressed more than 3 times"):
        payloads(gzipped(dmarc_xml(), 4))


def test_a_gzip_file_of_several_members_is_read_whole():
    data = dmarc_xml()
    half = len(data) // 2
    assert payloads(gzip.compress(data[:half]) + gzip.compress(data[half:]))[0][2] == data


def test_each_zip_member_is_a_payload():
    one, two = dmarc_xml(report_id="1"), tls_json(tls_report())
    found = payloads(zipped({"one.xml": one, "folder/two.json.gz": gzipped(two)}))
    assert found == [("input:one.xml", Content.XML, one), ("input:folder/two.json.gz", Content.JSON, two)]


def test_a_zip_inside_gzip_is_unwrapped():
    data = dmarc_xml()
    assert payloads(gzipped(zipped({"r.xml": data}))) == [("input:r.xml", Content.XML, data)]


def test_too_many_zip_members_are_refused():
    members = {f"{n}.xml": b"<x/>" for n in range(MAX_ZIP_MEMBERS + 1)}
    with pytest.raises(ReportError, match="holds 33 files"):
        payloads(zipped(members))


def test_a_gzip_bomb_stops_at_the_budget():
    """40 MiB of XML white space gzips to 40 KiB; reading stops once 32 MiB came out."""
    bomb = gzipped(b"<feedback>" + b" " * (40 * 1024 * 1024) + b"</feedback>")
    assert len(bomb) < 100_000
    with pytest.raises(ReportError, match="expands to more than 32 MiB"):
        payloads(bomb)


def test_a_nested_bomb_is_charged_at_every_layer():
    bomb = gzipped(b"{" + b" " * (20 * 1024 * 1024), times=2)
    with pytest.raises(ReportError, match="expands to more than 16 MiB"):
        payloads(bomb, limit=16 * 1024 * 1024)


def _claiming_size(archive: bytes, size: int) -> bytes:
    """`archive` with the uncompressed size in its local and central headers replaced by `size`."""
    changed = bytearray(archive)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        position = changed.find(signature) + offset
        changed[position:position + 4] = struct.pack("<I", size)
    return bytes(changed)


def test_a_zip_member_larger_than_its_header_says_is_refused():
    archive = _claiming_size(zipped({"r.xml": b"<feedback>" + b" " * (4 * 1024 * 1024)}), 10)
    with pytest.raises(ReportError, match=r"input:r\.xml: corrupt or unsupported compressed data \(Bad CRC-32"):
        payloads(archive, limit=1024 * 1024)


def test_a_zip_member_is_charged_for_what_it_produces_not_what_it_claims():
    archive = _claiming_size(zipped({"r.xml": b"<feedback>" + b" " * (4 * 1024 * 1024)}), 0xFFFFFFF0)
    with pytest.raises(ReportError, match=r"input:r\.xml: refused, it expands to more than 1 MiB"):
        payloads(archive, limit=1024 * 1024)


@pytest.mark.parametrize(("data", "message"), [
    (gzipped(dmarc_xml())[:-20], "corrupt or unsupported compressed data"),
    (b"\x1f\x8b" + b"\x00" * 30, "corrupt or unsupported compressed data"),
    (b"PK\x03\x04" + b"\x00" * 30, "not a readable zip archive"),
])
def test_corrupt_containers_are_refused(data, message):
    with pytest.raises(ReportError, match=message):
        payloads(data)


def test_an_encrypted_zip_member_is_refused():
    archive = bytearray(zipped({"r.xml": dmarc_xml()}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = archive.find(signature) + offset
        flags = struct.unpack("<H", archive[position:position + 2])[0] | 0x1
        archive[position:position + 2] = struct.pack("<H", flags)
    with pytest.raises(ReportError, match="corrupt or unsupported"):
        payloads(bytes(archive))


def test_raw_deflate_is_not_mistaken_for_a_report():
    assert payloads(zlib.compress(b"<feedback/>"))[0][1] == Content.UNKNOWN
