"""Publishing mailsec's records in the owner's DNS zone, and reading them back.

Three steps, each with one home:

- plan (`records.plan_changes`, pure): what each record set must hold, against what the provider holds
  now, gives the changes; nothing is planned twice, so running again changes nothing (idempotent);
- apply (`Publisher.apply`): one provider's way of making those changes, all at once where it can;
- read back (`Publisher.read` for the provider's own copy, `authoritative` for what every name server of
  the zone answers, which is what resolvers see and what the rollover waits for).

A provider is a module with a class that has the `Publisher` methods (see `publisher.py`): `rfc2136`
(dynamic updates signed with TSIG, for BIND, Knot, PowerDNS and every primary that speaks the RFC) and
`cloudflare` (its HTTP API). To add one, write its module, register its builder in `providers.py` and
its options in `mailsec.cli.configure`; planning, verifying and the rollover need no change.

Secrets (TSIG keys, API tokens) live in their own file in the state folder (`secretstore`), mode 0600,
and only the publisher that needs one ever reads it.
"""
