"""Resolver addresses as an owner writes them."""

import pytest

from mailsec.nameservers import Nameserver, parse_nameserver, parse_nameservers
from mailsec.settings import SettingsError


@pytest.mark.parametrize(
    ("text", "parsed", "shown"),
    [
        ("192.0.2.53", Nameserver("192.0.2.53", 53), "192.0.2.53"),
        (" 192.0.2.53:5353 ", Nameserver("192.0.2.53", 5353), "192.0.2.53:5353"),
        ("2001:db8::53", Nameserver("2001:db8::53", 53), "2001:db8::53"),
        ("[2001:DB8::53]:5353", Nameserver("2001:db8::53", 5353), "[2001:db8::53]:5353"),
        ("[2001:db8::53]", Nameserver("2001:db8::53", 53), "2001:db8::53"),
    ],
)
def test_address_with_optional_port_is_parsed_and_shown_back(text: str, parsed: Nameserver, shown: str) -> None:
    assert parse_nameserver(text) == parsed
    assert str(parse_nameserver(text)) == shown


@pytest.mark.parametrize(
    ("text", "says"),
    [("ns1.example.nl", "not an IP address"), ("192.0.2.53:0", "port"), ("192.0.2.53:65536", "port"),
     ("192.0.2.53:dns", "port"), ("[2001:db8::53]5353", "[address]:port"), ("", "not an IP address")],
)
def test_invalid_nameserver_says_why(text: str, says: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_nameserver(text)

    assert says in str(caught.value)


def test_parse_nameservers_names_the_bad_address_in_the_error_asked_for() -> None:
    assert parse_nameservers(["192.0.2.53", "[2001:db8::53]:5353"]) == (
        Nameserver("192.0.2.53"), Nameserver("2001:db8::53", 5353))
    with pytest.raises(SettingsError, match=r"invalid name server: 'ns\.example\.nl'"):
        parse_nameservers(["192.0.2.53", "ns.example.nl"], SettingsError)
