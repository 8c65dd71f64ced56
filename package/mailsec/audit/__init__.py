"""The mail-domain audit: every check a sending server or a big mailbox provider makes, with fixes.

`runner.run_audit(domain, options)` gathers facts through `DomainFacts` (DNS through the configured resolver,
SMTP and HTTPS probes) and runs the check groups of `checks.ALL` concurrently; the report lists their
findings in a fixed order.
"""
