"""Host name syntax and the comparable form of a name."""

import pytest

from mailsec.names import host_name_problem, is_ip_literal, normalize_host


def test_normal_form_is_lower_case_without_the_root_dot() -> None:
    assert normalize_host(" Mail.Example.NL. ") == "mail.example.nl"


@pytest.mark.parametrize("text", ["192.0.2.1", "[192.0.2.1]", "2001:db8::1", "[IPv6:2001:db8::1]"])
def test_ip_literals_are_recognised(text: str) -> None:
    assert is_ip_literal(text)


@pytest.mark.parametrize("text", ["mail.example.nl", "192.0.2", "1.2.3.4.example.nl"])
def test_names_are_not_ip_literals(text: str) -> None:
    assert not is_ip_literal(text)


@pytest.mark.parametrize("name", ["mail.example.nl", "mail.example.nl.", "1mail.example.nl", "xn--mil-via.nl",
                                  "a" * 63 + ".nl"])
def test_valid_host_names_have_no_problem(name: str) -> None:
    assert host_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "says"),
    [("", "empty"), ("mail", "single label"), ("mail.example.123", "all digits"), ("a" * 64 + ".nl", "63"),
     (("a" * 63 + ".") * 4 + "nl", "253"), ("-mail.example.nl", "hyphen"), ("mail.example.nl..", "empty label")],
)
def test_invalid_host_names_say_why(name: str, says: str) -> None:
    assert says in (host_name_problem(name) or "")


def test_single_label_is_fine_where_no_fqdn_is_required() -> None:
    assert host_name_problem("ds218-bpe", require_fqdn=False) is None
