"""The Spam explainer page: pasted headers explained, the seed's own header as the case to get right, and
what it refuses (too much text, nothing to explain, forms without their token, markup in the paste)."""

import re

import pytest

from mailsec.web.protocol import MAX_BODY_BYTES
from mailsec.web.views.spam import MAX_PASTE_CHARS
from tests.reports.test_explain import GMAIL_RESULTS, SEED_HEADER, SPAMASSASSIN_YES
from tests.web.conftest import csrf_token, page_text

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def explain(client, pasted: str, **kwargs):
    """Paste text into the page's form and press Explain."""
    return client.post("/spam/explain", data={"csrf_token": csrf_token(client, "/spam"), "headers": pasted},
                       content_type="multipart/form-data", **kwargs)


def rule_rows(body: str) -> list:
    """(rule, weight) of each row of the rules table, top down."""
    return re.findall(r'<td class="wrap"><code>([^<]+)</code></td>\s*<td class="num">([^<]+)</td>', body)


def test_the_page_offers_a_form_to_paste_headers(client):
    body = page_text(client.get("/spam"))
    assert '<a href="/spam" aria-current="page">Spam explainer</a>' in body
    assert 'action="/spam/explain" enctype="multipart/form-data"' in body
    assert '<textarea id="headers" name="headers"' in body


def test_the_seed_header_scores_minus_8_7_against_2(client):
    body = page_text(explain(client, SEED_HEADER))
    assert "Not spam</span> The score -8.71 is 10.71 below the threshold 2." in body
    assert "Learned as: ham." in body
    bar = body[body.index('<svg class="chart score-bar"'):]
    bar = bar[:bar.index("</svg>")]
    assert '<title id="score-1-title">Score -8.71 against the threshold 2</title>' in bar
    assert ">threshold 2</text>" in bar and ">-8.71</text>" in bar


def test_the_rules_are_sorted_by_contribution_with_their_meaning(client):
    body = page_text(explain(client, SEED_HEADER))
    rows = rule_rows(body)
    assert rows[:3] == [("WHITELIST_DMARC", "-7.000"), ("DSR_LINKEDIN_PFROM5xx", "+5.000"),
                        ("WHITELIST_SPF_DKIM", "-3.000")]
    assert len(rows) == 17
    assert "the From: domain is on the list of domains trusted when DMARC passes" in body
    assert "a rule from the Dutch SpamAssassin Rules (DSR) set" in body
    assert "17 rules matched without weight: ASN, DKIM_TRACE," in body
    bars = re.findall(r'<rect class="(bar-ok|bar-failed)" x="[\d.]+" y="2" width="([\d.]+)"', body)
    assert bars[0] == ("bar-ok", "60.0") and bars[1][0] == "bar-failed"  # -7 fills its half; +5 raises


def test_a_spamassassin_verdict_above_the_threshold_is_spam(client):
    body = page_text(explain(client, SPAMASSASSIN_YES))
    assert "Spam</span> The score 14.20 is 9.20 above the threshold 5." in body
    assert ("URIBL_BLACK", "?") in rule_rows(body)
    assert "a link points at a domain on the URIBL black list" in body


def test_authentication_results_say_what_spf_dkim_and_dmarc_concluded(client):
    body = page_text(explain(client, SEED_HEADER + "\r\n" + GMAIL_RESULTS))
    section = body[body.index("Authentication results by mx.google.com"):]
    assert re.search(r"<strong>DMARC</strong> <span class=\"badge badge-pass\">.*pass</span>", section)
    assert "the From: domain linkedin.com passes DMARC" in section
    assert "bounce.linkedin.com&#39;s SPF record allows the sending server" in section


def test_a_whole_message_is_read_up_to_its_headers_only(client):
    message = (SEED_HEADER + "\r\nSubject: hello\r\n\r\nX-Spam-Status: Yes, score=99 required=5 tests=BODY_TRICK\r\n")
    body = page_text(explain(client, message))
    explained = body[body.index("</textarea>"):]  # the form shows the paste again, as typed
    assert "WHITELIST_DMARC" in explained and "BODY_TRICK" not in explained
    assert "X-Spam-Status</code></h2>" not in body


def test_text_without_spam_or_authentication_headers_is_explained_as_such(client):
    response = explain(client, "Subject: hello\r\nFrom: someone@example.nl\r\n")
    assert response.status_code == 400
    assert "The pasted text has no X-Synology-Spam-Status, X-Spam-Status or Authentication-Results header" in (
        page_text(response))


def test_an_unreadable_spam_header_is_reported_not_guessed(client):
    body = page_text(explain(client, "X-Synology-Spam-Status: required 2, RULE 1\r\n"))
    assert "Could not be read:" in body and "no score in the header" in body


def test_a_paste_over_the_field_limit_is_refused_with_the_limit(client):
    response = explain(client, SEED_HEADER + "\r\nX-Filler: " + "x" * MAX_PASTE_CHARS)
    assert response.status_code == 400
    assert f"The field headers is longer than {MAX_PASTE_CHARS} characters." in page_text(response)


def test_a_paste_over_the_request_limit_is_refused_before_it_is_read(client):
    assert explain(client, "x" * MAX_BODY_BYTES).status_code == 413


def test_the_paste_without_the_token_is_refused(client):
    response = client.post("/spam/explain", data={"headers": SEED_HEADER}, content_type="multipart/form-data")
    assert response.status_code == 400 and "security token" in page_text(response)
    assert "WHITELIST_DMARC" not in page_text(response)


@pytest.mark.parametrize("hostile_header", [
    f"Subject: {HOSTILE}\r\nFrom: {HOSTILE}\r\n" + SEED_HEADER,
    f"X-Synology-Spam-Status: score=3, required 2, {HOSTILE} 3\r\n",
    f"Authentication-Results: {HOSTILE}; spf={HOSTILE} smtp.mailfrom={HOSTILE}\r\n",
    f"X-Spam-Status: {HOSTILE}\r\n",
])
def test_pasted_text_is_shown_as_text_never_as_markup(client, hostile_header):
    body = page_text(explain(client, hostile_header))
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(" in body or "&lt;img src=x" in body


def test_the_page_speaks_dutch(client):
    body = page_text(explain(client, SEED_HEADER, headers={"Accept-Language": "nl"}))
    assert "<h1>Spamscore uitgelegd</h1>" in body
    assert "Geen spam</span> De score -8.71 ligt 10.71 onder de drempel 2." in body
    assert ">drempel 2</text>" in body and "Regels, grootste bijdrage eerst" in body
