"""`dkim.key`: the public key of each DKIM selector MailPlus signs with (RFC 6376, RFC 8301, RFC 8463)."""

from typing import List

from mailsec.audit.checks.common import judge_record
from mailsec.audit.concurrency import parallel_map
from mailsec.audit.facts import DomainFacts
from mailsec.audit.maildns import txt_data
from mailsec.findings import Finding, Status
from mailsec.records.dkim import select_dkim_key

ID = "dkim.key"
REVOKED = "dkim.revoked"


def check(facts: DomainFacts) -> List[Finding]:
    selectors = facts.options.dkim_selectors
    if not selectors:
        return [Finding(ID, Status.SKIP, facts.domain,
                        "no DKIM selector was given, and DKIM records cannot be listed from DNS",
                        "Give the selector MailPlus Server shows under Domain > DKIM (mailsec configure "
                        "--dkim-selector or mailsec check --dkim-selector).")]
    return parallel_map(lambda selector: _key(facts, selector), selectors)


def _key(facts: DomainFacts, selector: str) -> Finding:
    name = f"{selector}._domainkey.{facts.domain}"
    lookup = facts.txt(name)
    parsed = select_dkim_key(txt_data(lookup))
    publish = ("In MailPlus Server > Domain > Edit > DKIM, copy the public key and publish it: "
               f'{name}. IN TXT "v=DKIM1; k=rsa; p=<public key>" (split into strings of at most 255 characters)')
    if parsed.has(REVOKED):
        return Finding(ID, Status.FAIL, name, "the key is revoked (empty p=): mail signed with it fails DKIM",
                       publish)
    absent = Finding(ID, Status.FAIL, name, "no DKIM key is published for this selector: signed mail fails DKIM",
                     publish)
    key = parsed.record
    summary = f"{key.key_type.value} key of {key.key_bits} bits" if key else ""
    return judge_record(ID, name, lookup, parsed, "DKIM key", absent, f"a valid {summary}")
