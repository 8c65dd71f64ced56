"""Strict parsers and evaluators for the TXT records a mail domain publishes.

One module per record type, each taking values (the TXT strings as DNS delivers them) and returning a
typed model plus the problems found (`issues.Parsed`), so the audit can explain every verdict:

* `ststxt`: the `_mta-sts` record (RFC 8461 §3.1);
* `tlsrpt`: the `_smtp._tls` record (RFC 8460 §3);
* `spf`: SPF syntax, the static DNS-lookup count over the include/redirect tree, and `check_host`
  (RFC 7208);
* `dkim`: DKIM key records (RFC 6376 §3.6.1, RFC 8301, RFC 8463);
* `dmarc`: DMARC records, rollout advice, the DNS tree walk and external report authorisation
  (RFC 7489, RFC 9989, RFC 9990).

Shared pieces: `issues` (problem and result types), `txt` (joining strings, the "exactly one record"
selection), `fields` (the MTA-STS/TLS-RPT field grammar), `taglist` (the DKIM/DMARC tag=value grammar),
`reporturi` (report destination URIs) and `lookup` (the DNS interface, `MailDns`).

Nothing here opens a socket. Rules that need DNS take a `lookup.MailDns` (or `TxtLookup`) object whose
answers distinguish "found", "NXDOMAIN", "no data" and "error with a reason"; a DNS failure always
surfaces as an error or temperror, never as "none" or "pass".
"""
