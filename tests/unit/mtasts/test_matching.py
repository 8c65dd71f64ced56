"""MTA-STS mx patterns: their syntax (RFC 8461 §3.2) and how they match MX hosts (§4.1)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailsec.mtasts.matching import mx_matches, mx_pattern_problem
from tests.support.samples import MALFORMED_MX_PATTERNS, VALID_MX_PATTERNS

labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
domains = st.builds(lambda names, tld: ".".join([*names, tld]), st.lists(labels, min_size=1, max_size=3),
                    st.from_regex(r"[a-z]{2,6}", fullmatch=True))


@pytest.mark.parametrize(("pattern", "says"), MALFORMED_MX_PATTERNS.items())
def test_malformed_pattern_is_rejected_with_reason(pattern: str, says: str) -> None:
    problem = mx_pattern_problem(pattern)

    assert problem is not None
    assert says in problem


@pytest.mark.parametrize("pattern", VALID_MX_PATTERNS)
def test_valid_pattern_has_no_problem(pattern: str) -> None:
    assert mx_pattern_problem(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        ("mail.example.com", "mail.example.com", True),
        ("mail.example.com", "MAIL.Example.COM", True),
        ("MAIL.example.com", "mail.example.com.", True),
        ("mail.example.com", "example.com", False),
        ("example.com", "badexample.com", False),
        ("example.com", "mail.example.com", False),
        ("mail.example.com", "mail.example.com.evil.org", False),
        ("*.example.com", "mail.example.com", True),
        ("*.example.com", "MX1.EXAMPLE.COM.", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "a.b.example.com", False),
        ("*.example.com", "mail.badexample.com", False),
        ("*.example.com", "mail.example.com.evil.org", False),
        ("*.example.com", ".example.com", False),
        ("mail.example.com", "", False),
    ],
)
def test_pattern_matches_host_per_section_4_1(pattern: str, host: str, matches: bool) -> None:
    assert mx_matches(pattern, host) is matches


@given(label=labels, domain=domains)
def test_wildcard_matches_exactly_one_label(label: str, domain: str) -> None:
    pattern = f"*.{domain}"

    assert mx_matches(pattern, f"{label}.{domain}")
    assert mx_matches(pattern, f"{label}.{domain}.".upper())
    assert not mx_matches(pattern, domain)
    assert not mx_matches(pattern, f"{label}.{label}.{domain}")


@given(domain=domains, other=domains)
def test_plain_pattern_matches_only_the_same_name(domain: str, other: str) -> None:
    assert mx_matches(domain, domain.upper() + ".")
    assert mx_matches(domain, other) is (domain == other)
    assert not mx_matches(domain, f"x{domain}")
    assert not mx_matches(domain, f"{domain}.evil.org")
