"""The spam-score explainer: the seed's MailPlus header, SpamAssassin's header and Authentication-Results."""

import io

import pytest

from mailsec.reports.authresults import parse_authentication_results
from mailsec.reports.explain import HeadersError, explain_headers, read_header_block
from mailsec.reports.spamstatus import SpamStatusError, parse_spamassassin, parse_synology

# Quoted verbatim from the seed (a LinkedIn mail as MailPlus Server scored it).
SEED_HEADER = (
    "X-Synology-Spam-Status: score=-8.7093994001033, required 2, autolearn=ham, DSR_LINKEDIN_PFROM5xx 5, "
    "MX_INVALID 0.5, WL_MAILSPIKE_H2 0, ZERO_FONT 0.3, R_SPF_ALLOW -0.2, TO_DN_ALL 0, DKIM_TRACE 0, "
    "RCVD_IN_DNSWL_MED -2.3, HTML_MESSAGE 0.001, RCVD_IN_BONDEDSENDER 0, DMARC_POLICY_ALLOW -0.5, FORGED_SENDER 0.3, "
    "RCVD_COUNT_ZERO 0, MIME_TRACE 0, IP_SCORE -1.8003994001033, __NOT_SPOOFED 0, ASN 0, FROM_NEQ_ENVFROM 0, "
    "NO_RECEIVED -0.001, __LIST_PARTIAL 0, R_DKIM_ALLOW -0.2, FROM_HAS_DN 0, TO_MATCH_ENVRCPT_ALL 0, "
    "HTML_SHORT_LINK_IMG_1 0.001, MIME_GOOD -0.1, RCVD_IN_HABEAS 0, HAS_LIST_UNSUB -0.01, RCPT_COUNT_ONE 0, "
    "MANY_INVISIBLE_PARTS 0.3, HTML_MISSING_CTYPE 0, WHITELIST_DMARC -7, RWL_MAILSPIKE_POSSIBLE 0, "
    "WHITELIST_SPF_DKIM -3, __NOT_A_PERSON 0"
)
SEED_VALUE = SEED_HEADER.split(": ", 1)[1]

SPAMASSASSIN_YES = ("X-Spam-Status: Yes, score=14.2 required=5.0 tests=BAYES_99,BAYES_999,\r\n"
                    "\tFREEMAIL_FROM,HTML_MESSAGE,RDNS_NONE,URIBL_BLACK autolearn=no\r\n"
                    "\tautolearn_force=no version=3.4.6")
GMAIL_RESULTS = (
    "Authentication-Results: mx.google.com;\r\n"
    "       dkim=pass header.i=@linkedin.com header.s=d2048-202308-01 header.b=Vsr8rOuq;\r\n"
    "       spf=pass (google.com: domain of s-abc@bounce.linkedin.com designates 108.174.3.1 as permitted sender)"
    " smtp.mailfrom=\"s-abc@bounce.linkedin.com\";\r\n"
    "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=linkedin.com"
)


def test_the_seed_header_scores_minus_8_7_against_2():
    verdict = parse_synology(SEED_VALUE)
    assert (round(verdict.score, 1), verdict.required, verdict.is_spam, verdict.autolearn) == (-8.7, 2, False, "ham")
    assert round(verdict.margin, 1) == 10.7
    assert len(verdict.rules) == 34


def test_whitelist_dmarc_is_the_seeds_biggest_contribution():
    rules = parse_synology(SEED_VALUE).rules
    assert (rules[0].name, rules[0].weight) == ("WHITELIST_DMARC", -7)
    assert [rule.name for rule in rules[1:4]] == ["DSR_LINKEDIN_PFROM5xx", "WHITELIST_SPF_DKIM", "RCVD_IN_DNSWL_MED"]
    assert rules[0].meaning == "the From: domain is on the list of domains trusted when DMARC passes"
    assert all(rule.weight == 0 for rule in rules[-17:]) and rules[-18].weight != 0


def test_the_seed_rules_account_for_the_whole_score():
    assert parse_synology(SEED_VALUE).unexplained == 0


def test_rule_families_are_recognised_by_prefix():
    rules = {rule.name: rule.meaning for rule in parse_synology(SEED_VALUE).rules}
    assert rules["DSR_LINKEDIN_PFROM5xx"] == "a rule from the Dutch SpamAssassin Rules (DSR) set"
    assert rules["__NOT_SPOOFED"].startswith("a helper test")
    assert rules["HTML_MISSING_CTYPE"] == ""  # unknown rules are shown without a guess


def test_spamassassin_names_its_rules_without_weights():
    verdict = parse_spamassassin(SPAMASSASSIN_YES.split(": ", 1)[1])
    assert (verdict.score, verdict.required, verdict.is_spam, verdict.autolearn) == (14.2, 5.0, True, "no")
    assert [rule.name for rule in verdict.rules] == ["BAYES_99", "BAYES_999", "FREEMAIL_FROM", "HTML_MESSAGE",
                                                      "RDNS_NONE", "URIBL_BLACK"]
    assert all(rule.weight is None for rule in verdict.rules)
    assert verdict.unexplained is None


def test_spamassassin_weights_from_a_custom_template_are_used():
    verdict = parse_spamassassin("No, score=-0.1 required=5.0 tests=DKIM_SIGNED=0.1,DKIM_VALID=-0.1,\n\t"
                                 "SPF_PASS=-0.001,T_SCC_BODY=-0.099 autolearn=ham version=3.4.6")
    assert [(rule.name, rule.weight) for rule in verdict.rules] == [
        ("DKIM_SIGNED", 0.1), ("DKIM_VALID", -0.1), ("T_SCC_BODY", -0.099), ("SPF_PASS", -0.001)]
    assert verdict.unexplained == 0
    assert not verdict.is_spam


def test_spamassassin_without_tests():
    verdict = parse_spamassassin("No, score=0.0 required=5.0 tests=none autolearn=unavailable version=4.0.0")
    assert verdict.rules == ()


@pytest.mark.parametrize("value", ["required 2, RULE 1", "score=high, required 2", "score=1"])
def test_a_status_without_readable_numbers_is_an_error(value):
    with pytest.raises(SpamStatusError):
        parse_synology(value)


def test_authentication_results_explain_spf_dkim_and_dmarc():
    results = parse_authentication_results(GMAIL_RESULTS.split(": ", 1)[1])
    assert results.authserv_id == "mx.google.com"
    dkim, spf, dmarc = results.results
    assert (dkim.method, dkim.result, dkim.domain, dkim.value("header.s")) == ("dkim", "pass", "linkedin.com",
                                                                               "d2048-202308-01")
    assert spf.domain == "bounce.linkedin.com"
    assert spf.meaning == "bounce.linkedin.com's SPF record allows the sending server"
    assert dmarc.meaning == "the From: domain linkedin.com passes DMARC: SPF or DKIM passed aligned with it"


@pytest.mark.parametrize(("value", "expected"), [
    ("mail.example.nl; none", ()),
    ("mail.example.nl 1; spf=softfail smtp.mailfrom=example.com", (("spf", "softfail", "example.com"),)),
    ("mail.example.nl; dkim=fail reason=\"signature verification failed\" header.d=example.com;"
     " dmarc=fail header.from=example.com", (("dkim", "fail", "example.com"), ("dmarc", "fail", "example.com"))),
    ("mail.example.nl; spf/1=pass (comment; with (nested) semicolon) smtp.helo=mx.example.com",
     (("spf", "pass", "mx.example.com"),)),
    ("mail.example.nl; garbage; dkim=none", (("dkim", "none", ""),)),
    ("", ()),
])
def test_authentication_results_syntax(value, expected):
    results = parse_authentication_results(value).results
    assert tuple((r.method, r.result, r.domain) for r in results) == expected


def test_a_quoted_reason_keeps_its_semicolons_and_parentheses():
    (result,) = parse_authentication_results('x; dkim=fail reason="bad (really; bad)" header.d=a.nl').results
    assert result.reason == "bad (really; bad)"
    assert result.meaning.startswith("the DKIM signature by a.nl does not verify")


def test_a_whole_message_is_read_up_to_its_headers_only():
    message = (f"{SEED_HEADER}\r\nSubject: Je netwerk\r\nFrom: LinkedIn <x@linkedin.com>\r\n{GMAIL_RESULTS}\r\n"
               "\r\nX-Spam-Status: Yes, score=99 required=1 tests=NOT_A_HEADER\r\n").encode()
    block = read_header_block(io.BytesIO(message), "mail.eml")
    explanation = explain_headers(block, "mail.eml")
    assert [verdict.header for verdict in explanation.spam] == ["X-Synology-Spam-Status"]
    assert (explanation.subject, explanation.sender) == ("Je netwerk", "LinkedIn <x@linkedin.com>")
    assert [header.authserv_id for header in explanation.authentication] == ["mx.google.com"]


def test_pasted_headers_without_a_body_are_enough():
    explanation = explain_headers(f"\n  \n{SPAMASSASSIN_YES}\n{SEED_HEADER}\n".encode(), "pasted")
    assert [verdict.header for verdict in explanation.spam] == ["X-Synology-Spam-Status", "X-Spam-Status"]


def test_only_the_topmost_status_header_counts():
    later, earlier = SEED_HEADER, SEED_HEADER.replace("score=-8.7093994001033", "score=30")
    explanation = explain_headers(f"{later}\n{earlier}\n".encode(), "m")
    assert round(explanation.spam[0].score, 1) == -8.7


def test_an_unreadable_status_header_is_reported_not_fatal():
    explanation = explain_headers(f"X-Synology-Spam-Status: garbage\n{GMAIL_RESULTS}\n".encode(), "m")
    assert explanation.spam == ()
    assert explanation.problems == ("X-Synology-Spam-Status: no score in the header",)


def test_headers_with_nothing_to_explain_are_an_error():
    with pytest.raises(HeadersError, match="has no X-Synology-Spam-Status, X-Spam-Status or Authentication-Results"):
        explain_headers(b"Subject: hello\nFrom: a@b.nl\n", "plain.eml")


def test_a_header_block_without_end_is_refused_after_a_mebibyte():
    endless = io.BytesIO(b"X-Filler: " + b"x" * (2 * 1024 * 1024))
    with pytest.raises(HeadersError, match="no end of the headers within the first 1 MiB"):
        read_header_block(endless, "endless")


def test_non_utf8_header_bytes_do_not_break_the_explainer():
    block = SEED_HEADER.encode() + b"\nSubject: caf\xe9 \xff\n"
    assert explain_headers(block, "latin1.eml").subject.startswith("caf")
