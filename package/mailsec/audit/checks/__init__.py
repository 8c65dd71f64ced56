"""The audit's checks, one module per area, each a function from `DomainFacts` to findings.

Checks are pure judgements over the facts (lookups and probe results); the facts object does the I/O.
Every module exposes `check(facts) -> List[Finding]`; `ALL` fixes the order findings are reported in,
`START_FIRST` which groups the runner starts before the others.
"""

from mailsec.audit.checks import dane, dkim, dmarc, dnssec, mtasts, mx, names, nas, ptr, smtp, spf, tlsrpt

ALL = (names, mx, ptr, smtp, dane, dnssec, mtasts, tlsrpt, spf, dkim, dmarc, nas)
# The groups at the head of the longest chains of dependent lookups (SPF include levels; MX, addresses, PTR
# and the SMTP probe; the DMARC walks, then report destinations; the policy host, then its fetch). Threads
# start one after the other, so these start first; findings still come in the order of `ALL`.
START_FIRST = (spf, mx, dmarc, mtasts)
