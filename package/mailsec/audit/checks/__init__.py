"""The audit's checks, one module per area, each a function from `DomainFacts` to findings.

Checks are pure judgements over the facts (lookups and probe results); the facts object does the I/O.
Every module exposes `check(facts) -> List[Finding]`; `ALL` fixes the order findings are reported in.
"""

from mailsec.audit.checks import dane, dkim, dmarc, dnssec, mtasts, mx, names, nas, ptr, smtp, spf, tlsrpt

ALL = (names, mx, ptr, smtp, dane, dnssec, mtasts, tlsrpt, spf, dkim, dmarc, nas)
