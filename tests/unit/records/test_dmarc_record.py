"""DMARC records: RFC 7489 §6.3-§6.4 and RFC 9989 §4.7-§4.8 parsing, and the rollout advice."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailsec.records.dmarc import Disposition, RolloutStage, parse_dmarc, policy_advice, select_dmarc
from mailsec.records.issues import Severity

RUA = "rua=mailto:dmarc@example.com"


def messages(result):
    return " | ".join(str(issue) for issue in result.issues)


def test_full_record_parses_into_typed_fields():
    parsed = parse_dmarc(f"v=DMARC1; p=reject; sp=quarantine; np=reject; t=n; psd=n; {RUA}, mailto:x@example.com; "
                         "ruf=mailto:f@example.com; adkim=s; aspf=r; fo=d:s")
    assert parsed.issues == ()
    record = parsed.record
    assert (record.policy, record.subdomain_policy, record.nonexistent_policy) == (
        Disposition.REJECT, Disposition.QUARANTINE, Disposition.REJECT)
    assert [uri.host for uri in record.rua] == ["example.com", "example.com"]
    assert (record.adkim, record.aspf, record.failure_options, record.psd) == ("s", "r", ("d", "s"), "n")


def test_version_must_be_first():
    parsed = parse_dmarc(f"p=reject; v=DMARC1; {RUA}")
    assert not parsed.valid and "must begin with `v=DMARC1`" in messages(parsed)


def test_version_value_is_case_sensitive():
    assert not parse_dmarc(f"v=dmarc1; p=reject; {RUA}").valid


def test_whitespace_around_equals_is_allowed():
    assert parse_dmarc(f"v = DMARC1 ;\tp = reject ; {RUA}").issues == ()


def test_folding_line_breaks_are_not_allowed_unlike_dkim():
    assert not parse_dmarc(f"v=DMARC1; p=reject;\r\n {RUA}").valid


def test_missing_p_with_rua_means_none_with_a_warning():
    parsed = parse_dmarc(f"v=DMARC1; {RUA}")
    assert parsed.record.policy is Disposition.NONE
    assert [issue.severity for issue in parsed.issues] == [Severity.WARNING]


def test_missing_p_without_rua_is_an_error():
    assert not parse_dmarc("v=DMARC1").valid


def test_invalid_p_with_valid_rua_falls_back_to_none():
    parsed = parse_dmarc(f"v=DMARC1; p=block; {RUA}")
    assert parsed.record.policy is Disposition.NONE and "p=none" in messages(parsed)


def test_invalid_p_or_sp_without_rua_means_no_dmarc():
    assert not parse_dmarc("v=DMARC1; p=block").valid
    assert not parse_dmarc("v=DMARC1; p=reject; sp=maybe").valid


def test_p_not_right_after_v_is_a_warning_for_old_receivers():
    parsed = parse_dmarc(f"v=DMARC1; {RUA}; p=reject")
    assert parsed.valid and "right after" in messages(parsed)


def test_unknown_tags_are_ignored():
    parsed = parse_dmarc(f"v=DMARC1; p=reject; {RUA}; future=1")
    assert parsed.valid and [issue.severity for issue in parsed.issues] == [Severity.INFO]


@pytest.mark.parametrize("tag", ["pct=50", "rf=afrf", "ri=3600"])
def test_removed_tags_are_warned(tag):
    parsed = parse_dmarc(f"v=DMARC1; p=reject; {RUA}; {tag}")
    assert parsed.valid and "removed by RFC 9989" in messages(parsed)


def test_size_suffix_is_parsed_and_warned():
    parsed = parse_dmarc("v=DMARC1; p=none; rua=mailto:d@example.com!10m")
    assert parsed.record.rua[0].size_limit == "10m"
    assert "obsolete" in messages(parsed)


def test_invalid_uri_is_dropped_with_a_warning_and_the_rest_kept():
    parsed = parse_dmarc("v=DMARC1; p=reject; rua=mailto:d@example.com, mailto:a b@example.com")
    assert parsed.valid and len(parsed.record.rua) == 1
    assert parsed.warnings


def test_non_mailto_destination_is_warned():
    assert "mailto" in messages(parse_dmarc("v=DMARC1; p=reject; rua=https://r.example.net/"))


@pytest.mark.parametrize(("tag", "default"), [("pct=101", None), ("t=maybe", False), ("adkim=x", "r"),
                                              ("fo=2", ("0",)), ("psd=q", "u")])
def test_invalid_optional_values_fall_back_to_defaults_with_a_warning(tag, default):
    parsed = parse_dmarc(f"v=DMARC1; p=reject; {RUA}; {tag}")
    assert parsed.valid and parsed.warnings
    fields = {"pct": "percent", "t": "testing", "adkim": "adkim", "fo": "failure_options", "psd": "psd"}
    field = fields[tag.split("=")[0]]
    assert getattr(parsed.record, field) == default


def test_fo_0_and_1_together_are_warned():
    assert "contradict" in messages(parse_dmarc(f"v=DMARC1; p=reject; {RUA}; ruf=mailto:f@example.com; fo=0:1"))


def test_duplicate_tag_is_an_error():
    assert not parse_dmarc(f"v=DMARC1; p=none; p=reject; {RUA}").valid


def test_psd_y_is_warned():
    assert "public suffix" in messages(parse_dmarc(f"v=DMARC1; p=reject; {RUA}; psd=y"))


def test_np_defaults_to_sp_then_p():
    record = parse_dmarc(f"v=DMARC1; p=reject; sp=quarantine; {RUA}").record
    assert record.effective_nonexistent_policy is Disposition.QUARANTINE
    assert parse_dmarc(f"v=DMARC1; p=reject; {RUA}").record.effective_subdomain_policy is Disposition.REJECT


def test_several_records_mean_no_dmarc():
    parsed = select_dmarc([f"v=DMARC1; p=reject; {RUA}", f"v=DMARC1; p=none; {RUA}"])
    assert not parsed.valid and parsed.published == 2


def test_selection_discards_records_not_starting_with_the_version():
    parsed = select_dmarc(["p=reject; v=DMARC1", f"v=DMARC1; p=reject; {RUA}"])
    assert parsed.valid and parsed.published == 1
    assert "discard" in messages(parsed)


def test_rollout_from_none_suggests_quarantine_with_t_and_pct_zero():
    advice = policy_advice(parse_dmarc(f"v=DMARC1; p=none; {RUA}").record)
    assert advice.stage is RolloutStage.MONITORING
    assert advice.next_record == f"v=DMARC1; p=quarantine; {RUA}; t=y; pct=0"


def test_rollout_none_without_rua_is_warned():
    advice = policy_advice(parse_dmarc("v=DMARC1; p=none; rua=mailto:x@example.com").record)
    assert len(advice.issues) == 1
    advice = policy_advice(parse_dmarc("v=DMARC1; p=none; ruf=mailto:x@example.com; rua=mailto:a b").record)
    assert "without `rua=`" in messages(advice)


def test_rollout_testing_step_then_full_quarantine():
    advice = policy_advice(parse_dmarc(f"v=DMARC1; p=quarantine; t=y; pct=0; {RUA}").record)
    assert (advice.stage, advice.applied) == (RolloutStage.TESTING, Disposition.NONE)
    assert advice.next_record == f"v=DMARC1; p=quarantine; {RUA}"


def test_rollout_partial_pct_is_warned_and_t_suggested():
    advice = policy_advice(parse_dmarc(f"v=DMARC1; p=quarantine; pct=25; {RUA}").record)
    assert advice.stage is RolloutStage.TESTING
    assert "rarely applied" in messages(advice) and "add `t=y`" in messages(advice)


def test_rollout_quarantine_then_reject_then_done():
    advice = policy_advice(parse_dmarc(f"v=DMARC1; p=quarantine; {RUA}").record)
    assert advice.next_record == f"v=DMARC1; p=reject; {RUA}"
    done = policy_advice(parse_dmarc(f"v=DMARC1; p=reject; {RUA}").record)
    assert (done.stage, done.next_record, done.issues) == (RolloutStage.REJECT, None, ())


def test_reject_with_t_y_applies_quarantine():
    assert policy_advice(parse_dmarc(f"v=DMARC1; p=reject; t=y; {RUA}").record).applied is Disposition.QUARANTINE


def test_weaker_subdomain_policy_is_warned():
    advice = policy_advice(parse_dmarc(f"v=DMARC1; p=reject; sp=none; np=quarantine; {RUA}").record)
    assert "`sp=none` is weaker" in messages(advice) and "`np=quarantine` is weaker" in messages(advice)


@given(st.text(max_size=300))
def test_parser_never_raises_on_arbitrary_text(text):
    parse_dmarc(text)
    parsed = parse_dmarc("v=DMARC1; " + text)
    if parsed.valid:
        policy_advice(parsed.record)
