"""Publishing settings: validated in one sentence each, saved without secrets, read back."""

import pytest

from mailsec.settings import PublishingSettings, SettingsError, load_settings, update_settings, validate_publishing


def rfc2136(**changes):
    return PublishingSettings(**{"method": "rfc2136", "zone": "Example.NL.", "dns_server": "192.0.2.53", **changes})


def test_names_and_servers_are_normalised():
    assert validate_publishing(rfc2136(dns_server="192.0.2.53:53")) == rfc2136(zone="example.nl")


@pytest.mark.parametrize(("settings", "says"), [
    (PublishingSettings(method="route53"), "unknown publishing method 'route53'; choose one of none, rfc2136, "
                                           "cloudflare."),
    (rfc2136(zone="example"), "the zone to publish in is not a valid name: 'example' is not a fully qualified domain "
                              "name (it has a single label)."),
    (rfc2136(dns_server=""), "RFC 2136 publishing needs the primary server of the zone (--dns-server IP[:PORT])."),
    (rfc2136(dns_server="ns1.example.nl"), "invalid DNS server: 'ns1.example.nl' is not an IP address (a name server "
                                           "is given by its address)."),
    (rfc2136(ttl=30), "the TTL of published records must be 60 to 86400 seconds, not 30."),
    (rfc2136(hold=-1), "the rollover hold must be 0 to 7776000 seconds, not -1."),
    (PublishingSettings(method="cloudflare", zone="example.nl", api_url="http://api.example.nl/client/v4"),
     "the API URL 'http://api.example.nl/client/v4' must start with https:// (plain http only to a loopback "
     "address)."),
])
def test_bad_settings_are_one_sentence(settings, says):
    with pytest.raises(SettingsError) as refused:
        validate_publishing(settings)
    assert str(refused.value) == says


def test_a_stand_in_on_loopback_may_use_plain_http():
    settings = PublishingSettings(method="cloudflare", zone="example.nl", api_url="http://127.0.0.1:8080/client/v4")
    assert validate_publishing(settings).api_url == "http://127.0.0.1:8080/client/v4"


def test_publishing_settings_are_saved_and_read_back(tmp_path):
    update_settings(tmp_path, lambda s: type(s)(publishing=validate_publishing(rfc2136(hold=86400))))
    assert load_settings(tmp_path).publishing == rfc2136(zone="example.nl", hold=86400)
