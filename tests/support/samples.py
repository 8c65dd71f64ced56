"""Example values shared by the tests of more than one module."""

# mx patterns RFC 8461 §3.2 rejects (`["*."] Domain`, A-labels only), with a word the error must contain.
MALFORMED_MX_PATTERNS = {
    "192.0.2.25": "IP address",
    "[192.0.2.25]": "IP address",
    "2001:db8::25": "IP address",
    "*.": "dot",
    "mail.*.example.nl": "wildcard",
    "*example.nl": "wildcard",
    "*.*.example.nl": "wildcard",
    "-bad-.nl": "hyphen",
    "mail_1.example.nl": "underscore",
    "mail.example.nl.": "dot",
    "m\u00e4il.example.nl": "A-label",
    "mail..example.nl": "empty label",
    "": "empty",
}

VALID_MX_PATTERNS = ["mail.example.nl", "*.example.nl", "MAIL.Example.NL", "xn--mil-via.example.nl", "mx-1.example.nl"]
