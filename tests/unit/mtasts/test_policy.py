"""The MTA-STS policy file (RFC 8461 §3.2): strict parser, renderer and content-derived id."""

import re
from typing import List, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailsec.limits import STS_MAX_AGE_MAX, STS_POLICY_MAX_BYTES
from mailsec.mtasts.policy import InvalidPolicyError, Mode, PolicyParse, StsPolicy, build_policy, parse_policy
from tests.support.samples import MALFORMED_MX_PATTERNS

VERSION, TESTING, MX, MAX_AGE = "version: STSv1", "mode: testing", "mx: mail.example.nl", "max_age: 86400"
SEED = (VERSION, TESTING, MX, MAX_AGE)


def text(lines: Sequence[str], end: str = "\r\n") -> str:
    """The policy file made of `lines`, each ended by `end`."""
    return "".join(line + end for line in lines)


def replaced(old: str, new: str) -> List[str]:
    """The seed policy's lines with line `old` replaced by `new` (or removed when `new` is empty)."""
    return [new if line == old else line for line in SEED if line != old or new]


def parsed(lines: Sequence[str], end: str = "\r\n") -> PolicyParse:
    return parse_policy(text(lines, end))


def messages(issues) -> str:
    return " | ".join(map(str, issues))


def assert_invalid(result: PolicyParse, *says: str) -> None:
    assert not result.valid
    assert result.policy is None
    for phrase in says:
        assert phrase in messages(result.errors), messages(result.errors)


# --- line ends and layout ---------------------------------------------------------------------------

@pytest.mark.parametrize("end", ["\r\n", "\n"], ids=["CRLF", "LF"])
def test_seed_policy_is_valid_with_crlf_or_lf(end: str) -> None:
    result = parsed(SEED, end)

    assert result.valid, messages(result.errors)
    assert result.policy == StsPolicy(Mode.TESTING, ("mail.example.nl",), 86400)
    assert result.warnings == ()


def test_final_line_end_is_optional() -> None:
    assert parse_policy(text(SEED).rstrip("\r\n")).valid


def test_lf_and_crlf_may_be_mixed() -> None:
    assert parse_policy("version: STSv1\nmode: testing\r\nmx: mail.example.nl\nmax_age: 86400\r\n").valid


def test_trailing_whitespace_and_no_space_after_colon_are_allowed() -> None:
    result = parsed(["version:STSv1 \t", "mode:\ttesting", "mx: mail.example.nl  ", MAX_AGE])

    assert result.valid, messages(result.errors)


def test_field_order_is_free() -> None:
    assert parsed(list(reversed(SEED))).policy == parsed(SEED).policy


@pytest.mark.parametrize(
    "content",
    ["version: STSv1\rmode: testing\r\nmx: mail.example.nl\r\nmax_age: 86400\r\n", text(SEED)[:-2] + "\r",
     text(SEED).replace("mode: testing", "mode: test\ring")],
    ids=["between-fields", "at-end-of-file", "inside-value"],
)
def test_bare_carriage_return_is_an_error(content: str) -> None:
    assert_invalid(parse_policy(content), "carriage return")


def test_leading_whitespace_is_an_error() -> None:
    assert_invalid(parsed(replaced(TESTING, " mode: testing")), "line 2", "starts with whitespace")


def test_space_before_colon_is_an_error() -> None:
    assert_invalid(parsed(replaced(TESTING, "mode : testing")), "remove the space before ':'")


def test_line_without_colon_is_an_error() -> None:
    assert_invalid(parsed([*SEED, "mode testing"]), "line 5", "no ':'")


@pytest.mark.parametrize("blank", ["", " \t"], ids=["empty", "whitespace"])
def test_blank_line_is_an_error(blank: str) -> None:
    assert_invalid(parsed([VERSION, blank, TESTING, MX, MAX_AGE]), "line 2: blank line")


def test_blank_line_at_the_end_is_an_error() -> None:
    assert_invalid(parse_policy(text(SEED) + "\r\n"), "line 5: blank line")


def test_byte_order_mark_is_an_error() -> None:
    assert_invalid(parse_policy(b"\xef\xbb\xbf" + text(SEED).encode()), "byte order mark")


def test_non_utf8_is_an_error() -> None:
    assert_invalid(parse_policy(text([*SEED, "note: caf\xe9"]).encode("latin-1")), "not UTF-8")


def test_policy_of_exactly_64_kib_is_accepted_and_one_byte_more_is_not() -> None:
    head = text(SEED)
    filler = "x-pad: " + "a" * (STS_POLICY_MAX_BYTES - len(head) - len("x-pad: ") - 2) + "\r\n"
    at_limit = head + filler

    assert len(at_limit.encode()) == STS_POLICY_MAX_BYTES
    assert parse_policy(at_limit).valid
    assert_invalid(parse_policy(at_limit + "\n"), "bytes", str(STS_POLICY_MAX_BYTES))


def test_empty_file_lacks_every_required_field() -> None:
    assert_invalid(parse_policy(b""), "'version' is missing", "'mode' is missing", "'max_age' is missing")


# --- field names and values -------------------------------------------------------------------------

@pytest.mark.parametrize(("wrong", "name"), [("Version: STSv1", "version"), ("MODE: testing", "mode"),
                                             ("Max_Age: 86400", "max_age")])
def test_field_names_are_case_sensitive(wrong: str, name: str) -> None:
    original = next(line for line in SEED if line.startswith(name))

    result = parsed(replaced(original, wrong))

    assert "case-sensitive" in messages(result.warnings)
    assert_invalid(result, f"'{name}' is missing")


@pytest.mark.parametrize("value", ["STSv2", "stsv1", "STSV1", "STSv1.0", ""])
def test_version_must_be_stsv1(value: str) -> None:
    assert_invalid(parsed(replaced(VERSION, f"version: {value}")), "version must be 'STSv1'")


@pytest.mark.parametrize("mode", list(Mode))
def test_each_mode_is_accepted(mode: Mode) -> None:
    assert parsed(replaced(TESTING, f"mode: {mode.value}")).policy.mode is mode


@pytest.mark.parametrize("value", ["Enforce", "TESTING", "report", "", "enforce;"])
def test_other_modes_are_errors(value: str) -> None:
    assert_invalid(parsed(replaced(TESTING, f"mode: {value}")), "mode must be enforce, testing or none")


@pytest.mark.parametrize("mode", ["enforce", "testing"])
def test_mx_is_required_unless_mode_none(mode: str) -> None:
    assert_invalid(parsed([VERSION, f"mode: {mode}", MAX_AGE]), "needs at least one 'mx'")


def test_mode_none_needs_no_mx() -> None:
    result = parsed([VERSION, "mode: none", MAX_AGE])

    assert result.valid
    assert result.policy == StsPolicy(Mode.NONE, (), 86400)


@pytest.mark.parametrize("value", ["0", "86400", "0086400", str(STS_MAX_AGE_MAX)])
def test_max_age_within_0_to_31557600_is_accepted(value: str) -> None:
    assert parsed(replaced(MAX_AGE, f"max_age: {value}")).policy.max_age == int(value)


@pytest.mark.parametrize(
    ("value", "says"),
    [(str(STS_MAX_AGE_MAX + 1), "above the maximum"), ("9999999999", "above the maximum"),
     ("00000000001", "whole number"), ("-1", "whole number"), ("+86400", "whole number"), ("1e5", "whole number"),
     ("86400s", "whole number"), ("", "whole number"), ("\uff18\uff16\uff14\uff10\uff10", "whole number")],
)
def test_max_age_outside_the_range_or_not_digits_is_an_error(value: str, says: str) -> None:
    assert_invalid(parsed(replaced(MAX_AGE, f"max_age: {value}")), says)


def test_short_max_age_in_enforce_mode_is_warned() -> None:
    result = parsed([VERSION, "mode: enforce", MX, MAX_AGE])

    assert result.valid
    assert "short for enforce mode" in messages(result.warnings)


@pytest.mark.parametrize("extension", ["note: published by mailsec", "x.y-z_1: a=b; c", "note: caf\u00e9 \u2615"])
def test_unknown_fields_are_warned_and_ignored(extension: str) -> None:
    result = parsed([VERSION, extension, TESTING, MX, MAX_AGE])

    assert result.valid, messages(result.errors)
    assert result.policy == parsed(SEED).policy
    assert "line 2: unknown field" in messages(result.warnings)


@pytest.mark.parametrize("extension", ["_note: x", "no-te!: x", "note:", "n" * 33 + ": x"])
def test_malformed_extension_fields_are_errors(extension: str) -> None:
    assert_invalid(parsed([*SEED, extension]), "line 5")


@pytest.mark.parametrize(
    ("duplicate", "field", "first"),
    [("mode: enforce", "mode", "testing"), ("max_age: 604800", "max_age", 86400),
     ("version: STSv2", "version", "STSv1")],
)
def test_repeated_field_keeps_the_first_value_and_warns(duplicate: str, field: str, first) -> None:
    result = parsed([*SEED, duplicate])

    assert result.valid
    assert getattr(result.fields, field) == first
    assert f"line 5: '{field}' appears again (first on line" in messages(result.warnings)


def test_invalid_first_value_is_not_rescued_by_a_later_valid_one() -> None:
    assert_invalid(parsed(["mode: Testing", VERSION, TESTING, MX, MAX_AGE]), "line 1")


def test_several_mx_lines_are_all_kept_and_duplicates_warned() -> None:
    result = parsed([VERSION, TESTING, MX, "mx: *.example.nl", "mx: MAIL.example.nl", MAX_AGE])

    assert result.policy.mx == ("mail.example.nl", "*.example.nl")
    assert "line 5: mx 'MAIL.example.nl' is listed twice" in messages(result.warnings)


@pytest.mark.parametrize(("pattern", "says"), MALFORMED_MX_PATTERNS.items())
def test_ip_literal_or_malformed_mx_is_an_error(pattern: str, says: str) -> None:
    assert_invalid(parsed(replaced(MX, f"mx: {pattern}")), "line 3", says)


def test_policy_property_is_none_for_an_invalid_file() -> None:
    assert parsed(replaced(VERSION, "")).policy is None


# --- rendering, building and the id -----------------------------------------------------------------

def test_render_uses_crlf_and_the_conventional_order() -> None:
    policy = StsPolicy(Mode.ENFORCE, ("mail.example.nl", "*.example.nl"), 604800)

    assert policy.render() == (
        "version: STSv1\r\nmode: enforce\r\nmx: mail.example.nl\r\nmx: *.example.nl\r\nmax_age: 604800\r\n"
    )


def test_build_policy_normalises_and_deduplicates_mx() -> None:
    policy = build_policy("testing", ["MAIL.example.nl", "mail.example.nl", "*.Example.nl"], 86400)

    assert policy.mx == ("mail.example.nl", "*.example.nl")


@pytest.mark.parametrize(
    ("mode", "mx", "max_age", "says"),
    [("Enforce", ["mail.example.nl"], 86400, "mode"), ("testing", ["mail.example.nl"], -1, "max_age"),
     ("testing", ["mail.example.nl"], STS_MAX_AGE_MAX + 1, "max_age"),
     ("testing", ["mail.example.nl"], True, "max_age"),
     ("testing", ["mail.example.nl"], "86400", "max_age"), ("testing", ["192.0.2.25"], 86400, "IP address"),
     ("enforce", [], 86400, "needs at least one 'mx'")],
)
def test_build_policy_refuses_what_senders_would_reject(mode, mx, max_age, says: str) -> None:
    with pytest.raises(InvalidPolicyError, match=re.escape(says)):
        build_policy(mode, mx, max_age)


SEED_POLICY = StsPolicy(Mode.TESTING, ("mail.example.nl",), 86400)


@pytest.mark.parametrize(
    "changed",
    [StsPolicy(Mode.ENFORCE, ("mail.example.nl",), 86400), StsPolicy(Mode.TESTING, ("mx.example.nl",), 86400),
     StsPolicy(Mode.TESTING, ("mail.example.nl",), 86401),
     StsPolicy(Mode.TESTING, ("mail.example.nl", "*.example.nl"), 86400)],
    ids=["mode", "mx", "max_age", "extra-mx"],
)
def test_id_changes_when_anything_in_the_policy_changes(changed: StsPolicy) -> None:
    assert changed.policy_id != SEED_POLICY.policy_id


def test_equal_policies_have_equal_ids() -> None:
    rebuilt = build_policy("testing", ["Mail.Example.NL"], 86400)

    assert rebuilt.policy_id == SEED_POLICY.policy_id
    assert re.fullmatch(r"[A-Za-z0-9]{1,32}", SEED_POLICY.policy_id)


# --- properties -------------------------------------------------------------------------------------

_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_host = st.builds(lambda names, tld: ".".join([*names, tld]), st.lists(_label, min_size=1, max_size=3),
                  st.from_regex(r"[a-z]{2,6}", fullmatch=True))
_pattern = st.builds(lambda wildcard, host: ("*." if wildcard else "") + host, st.booleans(), _host)
_mode = st.sampled_from([mode.value for mode in Mode])
_max_age = st.integers(min_value=0, max_value=STS_MAX_AGE_MAX)
_mx = st.lists(_pattern, min_size=1, max_size=4, unique=True)


@given(mode=_mode, mx=_mx, max_age=_max_age)
def test_render_then_parse_gives_back_the_policy(mode: str, mx: List[str], max_age: int) -> None:
    policy = build_policy(mode, mx, max_age)

    result = parse_policy(policy.render())

    assert result.valid, messages(result.errors)
    assert result.policy == policy


@given(
    mode=_mode, mx=_mx, max_age=_max_age, data=st.data(),
    end=st.sampled_from(["\n", "\r\n"]), final_end=st.booleans(), padding=st.sampled_from(["", " ", "\t", " \t "]),
)
def test_any_valid_layout_parses_to_the_same_policy(mode, mx, max_age, data, end, final_end, padding) -> None:
    lines = [f"version: STSv1{padding}", f"mode:{padding}{mode}", *(f"mx: {p}{padding}" for p in mx),
             f"max_age: {max_age}", "x-comment: made by hand"]
    lines = data.draw(st.permutations(lines))
    content = end.join(lines) + (end if final_end else "")
    mx_in_file_order = [line[4:].rstrip(" \t") for line in lines if line.startswith("mx: ")]

    result = parse_policy(content)

    assert result.valid, messages(result.errors)
    assert result.policy == build_policy(mode, mx_in_file_order, max_age)
    assert parse_policy(result.policy.render()).policy == result.policy


@given(content=st.binary(max_size=300))
def test_parser_never_raises_and_invalid_means_no_policy(content: bytes) -> None:
    result = parse_policy(content)

    assert result.valid is (result.policy is not None)


@given(first=st.tuples(_mode, _mx, _max_age), second=st.tuples(_mode, _mx, _max_age))
def test_id_is_alphanumeric_and_differs_between_different_policies(first, second) -> None:
    one, other = build_policy(*first), build_policy(*second)

    assert re.fullmatch(r"[A-Za-z0-9]{1,32}", one.policy_id)
    assert (one.policy_id == other.policy_id) is (one == other)
