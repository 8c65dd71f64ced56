"""`mailsec reports ...` and `mailsec explain-headers` as the owner runs them: output, JSON and exit codes."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mailsec.cli.main import main
from tests.reports.corpus import (
    MAY_1,
    dmarc_row,
    dmarc_xml,
    gzipped,
    tls_failure,
    tls_json,
    tls_policy,
    tls_report,
    zipped,
)
from tests.reports.test_explain import GMAIL_RESULTS, SEED_HEADER


@pytest.fixture
def mailsec(tmp_path: Path, capsys, monkeypatch):
    """Run the CLI in this process against tmp_path's state folder; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("MAILSEC_NOW", str(MAY_1 + 2 * 86400))
    monkeypatch.delenv("SYNOPKG_PKGVAR", raising=False)

    def run(*args: str, stdin: bytes = b""):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = main(["--root", str(tmp_path / "nas"), "--state-dir", str(tmp_path / "state"), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_import_prints_one_line_per_report_and_exits_0(mailsec, write):
    code, out, _err = mailsec("reports", "import", str(write("r.zip", zipped({"a.xml": dmarc_xml("1"),
                                                                              "b.xml": dmarc_xml("2")}))))
    assert code == 0
    assert out.splitlines()[-1] == "2 imported, 0 duplicate, 0 rejected"


def test_import_with_a_rejected_file_exits_1_and_says_why(mailsec, write):
    code, out, _err = mailsec("reports", "import", str(write("good.json.gz", gzipped(tls_json(tls_report())))),
                              str(write("evil.xml", dmarc_xml(prolog="<!DOCTYPE feedback>"))))
    assert code == 1
    assert "evil.xml: refused, the XML has a DOCTYPE" in out


def test_import_json_counts_and_dedupes(mailsec, write):
    path = str(write("r.json", tls_json(tls_report())))
    mailsec("reports", "import", path)
    code, out, _err = mailsec("reports", "import", path, "--json")
    document = json.loads(out)
    assert (code, document["imported"], document["duplicate"], document["rejected"]) == (0, 0, 1, 0)
    assert document["results"][0]["organization"] == "Google Inc."


def test_hostile_report_text_is_escaped_on_the_terminal(mailsec, write):
    path = write("evil.json", tls_json(tls_report(organization="Evil\x1b[2J\x07Corp")))
    _code, out, _err = mailsec("reports", "import", str(path))
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil\\x1b[2J\\x07Corp" in out


def test_a_hostile_file_name_is_escaped_when_the_file_is_rejected(mailsec, write):
    path = write("evil\x1b[2J.xml", b"<not a report")
    code, out, _err = mailsec("reports", "import", str(path))
    assert code == 1 and "\x1b" not in out
    assert "evil\\x1b[2J.xml: the XML cannot be parsed" in out


def test_an_unwritable_store_is_exit_2_with_one_error_line(mailsec, tmp_path: Path, write):
    path = str(write("r.json", tls_json(tls_report())))
    (tmp_path / "state").write_text("a file where the folder should be")
    code, out, err = mailsec("reports", "import", path)
    assert code == 2 and out == ""
    assert err.startswith("mailsec: error: cannot create") and len(err.splitlines()) == 1


def test_summary_text_and_exit_code(mailsec, write):
    report = tls_report(policies=[tls_policy(failures=[tls_failure(**{"receiving-mx-hostname": "example.nl"})])])
    mailsec("reports", "import", str(write("t.json", tls_json(report))),
            str(write("d.xml", dmarc_xml(rows=[dmarc_row()]))))
    code, out, _err = mailsec("reports", "summary", "--no-dns")
    assert code == 1
    assert "TLS-RPT sts example.nl (mx mail.example.nl): 102 sessions, 2 failed (2.0%), 1 report" in out
    assert "now:   The MX host example.nl matches no mx line of the policy" in out
    assert "DMARC example.nl: policy p=none as receivers last found it" in out
    assert "next: p=quarantine; t=y; pct=0 -> more-data" in out


def test_summary_json_of_an_empty_store(mailsec):
    code, out, _err = mailsec("reports", "summary", "--no-dns", "--json")
    document = json.loads(out)
    assert (code, document["tlsrpt"], document["dmarc"], document["needs_action"]) == (0, [], [], False)


def test_summary_rejects_a_bad_period(mailsec):
    code, _out, err = mailsec("reports", "summary", "--days", "0")
    assert code == 2 and "--days" in err


def test_explain_headers_on_the_seed_header(mailsec, write):
    code, out, _err = mailsec("explain-headers", str(write("seed.txt", SEED_HEADER.encode())))
    assert code == 0
    lines = out.splitlines()
    assert "X-Synology-Spam-Status: score -8.71, threshold 2: not spam, 10.71 below the threshold; autolearn=ham" \
        in lines
    assert lines.index(next(line for line in lines if "WHITELIST_DMARC" in line)) == \
        lines.index("  Lower is more trustworthy. Rules, largest contribution first:") + 1
    assert "  -7.000  WHITELIST_DMARC" in out
    assert "17 rules matched without weight" in out


def test_explain_headers_json_from_standard_input(mailsec):
    code, out, _err = mailsec("explain-headers", "-", "--json", stdin=f"{SEED_HEADER}\n{GMAIL_RESULTS}\n".encode())
    document = json.loads(out)
    (verdict,) = document["spam"]
    assert (code, round(verdict["score"], 1), verdict["required"], verdict["rules"][0]["name"]) == (
        0, -8.7, 2, "WHITELIST_DMARC")
    assert [r["method"] for r in document["authentication"][0]["results"]] == ["dkim", "spf", "dmarc"]
    assert document["authentication"][0]["results"][1]["properties"] == {
        "smtp.mailfrom": "s-abc@bounce.linkedin.com"}


@pytest.mark.parametrize(("content", "message"), [
    (b"Subject: nothing to see\n\nbody", "has no X-Synology-Spam-Status"),
    (None, "cannot read"),
])
def test_explain_headers_bad_input_is_exit_2(mailsec, write, tmp_path: Path, content, message):
    path = write("m.eml", content) if content is not None else tmp_path / "missing.eml"
    code, _out, err = mailsec("explain-headers", str(path))
    assert code == 2 and message in err and len(err.splitlines()) == 1


def test_the_commands_start_from_a_fresh_process_without_traceback(tmp_path: Path):
    """The installed entry point, reading standard input, as a pasted header would arrive."""
    completed = subprocess.run([sys.executable, "-m", "mailsec", "explain-headers", "-"], input=SEED_HEADER.encode(),
                               capture_output=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert b"WHITELIST_DMARC" in completed.stdout and b"Traceback" not in completed.stderr
