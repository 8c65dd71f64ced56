"""RFC 2136 dynamic updates signed with TSIG (RFC 8945): BIND, Knot, PowerDNS and most primaries.

- `check` sends a TSIG-signed SOA query for the zone. It proves that the server answers, serves the zone
  and knows the key and its secret (a wrong one comes back as a TSIG error), and changes nothing.
- `read` asks the same server, over TCP and signed, so changes are planned against the primary's own
  copy rather than a secondary that may lag.
- `apply` sends one update for all changes, which the server applies all or nothing (RFC 2136 §3.4). Each
  record set carries the prerequisite that it still holds exactly what it held when planned (§2.4.2), so
  a record set someone changed in the meantime is left alone and the next run plans again.

Each way this can fail becomes one sentence that names the server and what to check.
"""

from typing import Dict, Sequence

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.tsig
import dns.update

from mailsec.nameservers import Nameserver
from mailsec.publish.publisher import PublishError
from mailsec.publish.records import RecordChange, RecordKey, RecordSet, rdata_of, value_of
from mailsec.publish.tsigkey import TsigKey

DEFAULT_TIMEOUT = 10.0  # per query or update
_CHANGED_MEANWHILE = (dns.rcode.NXRRSET, dns.rcode.YXRRSET, dns.rcode.NXDOMAIN, dns.rcode.YXDOMAIN)


class Rfc2136Publisher:
    method = "rfc2136"

    def __init__(self, server: Nameserver, zone: str, key: TsigKey, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.server = server
        self.zone = dns.name.from_text(zone).to_text().lower()
        self._shown = self.zone.rstrip(".")  # the zone in messages
        self._key = key
        self._timeout = timeout

    def describe(self) -> str:
        return f"RFC 2136 updates to {self.server} for the zone {self._shown} (TSIG key {self._key.name})"

    def check(self) -> str:
        response = self._exchange(self._query(self.zone, "SOA"), "a signed SOA query")
        apex = dns.name.from_text(self.zone)
        soa = response.get_rrset(response.answer, apex, dns.rdataclass.IN, dns.rdatatype.SOA)
        if soa is None or not response.flags & dns.flags.AA:
            raise PublishError(f"{self.server} does not serve the zone {self._shown} (it answered "
                               f"{dns.rcode.to_text(response.rcode())} without the zone's SOA record); check the "
                               "zone name and the server.")
        return f"{self.server} serves {self._shown} and accepts the TSIG key {self._key.name}; nothing was changed"

    def read(self, keys: Sequence[RecordKey]) -> Dict[RecordKey, RecordSet]:
        return {key: self._read(key) for key in keys}

    def apply(self, changes: Sequence[RecordChange]) -> None:
        if not changes:
            return
        update = dns.update.UpdateMessage(self.zone, keyring=self._key.for_dnspython())
        for change in changes:
            _add_change(update, change)
        rcode = self._exchange(update, "the update").rcode()
        if rcode != dns.rcode.NOERROR:
            raise PublishError(self._refusal(rcode))

    def _read(self, key: RecordKey) -> RecordSet:
        response = self._exchange(self._query(key.name, key.rtype), f"the query for {key.rtype} {key.name}")
        if response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise PublishError(f"{self.server} answered {dns.rcode.to_text(response.rcode())} when asked for "
                               f"{key.rtype} {key.name}; mailsec changes nothing it cannot read.")
        rrset = response.get_rrset(response.answer, dns.name.from_text(key.name), dns.rdataclass.IN,
                                   dns.rdatatype.from_text(key.rtype))
        if rrset is None:
            return RecordSet(key)
        return RecordSet(key, tuple(value_of(rdata) for rdata in rrset), rrset.ttl)

    def _query(self, name: str, rtype: str) -> dns.message.Message:
        query = dns.message.make_query(name, rtype)
        query.use_tsig(self._key.for_dnspython())
        return query

    def _exchange(self, message: dns.message.Message, what: str) -> dns.message.Message:
        """Send `message` over TCP and return the verified answer, or raise `PublishError` saying why not."""
        server, key = self.server, self._key.name
        try:
            return dns.query.tcp(message, server.address, timeout=self._timeout, port=server.port)
        except dns.exception.Timeout:
            raise PublishError(f"no answer from {server} to {what} within {self._timeout:g} s; check that the "
                               "server runs and that a firewall lets TCP port "
                               f"{server.port} through.") from None
        except dns.tsig.PeerBadKey:
            raise PublishError(f"{server} does not know the TSIG key {key}; give the key file of a key that its "
                               f"configuration allows to update {self._shown}.") from None
        except dns.tsig.PeerBadSignature:
            raise PublishError(f"{server} rejected the TSIG signature: the secret in the key file is not the one "
                               f"{server} has for {key}.") from None
        except dns.tsig.PeerBadTime:
            raise PublishError(f"{server} rejected the TSIG signature's time: the clocks of the NAS and the "
                               "server differ by more than five minutes.") from None
        except OSError as exc:
            raise PublishError(f"cannot reach {server}: {exc.strerror or exc}.") from None
        except dns.exception.DNSException as exc:
            raise PublishError(f"{server} gave an unusable answer to {what} ({type(exc).__name__}).") from None

    def _refusal(self, rcode: int) -> str:
        server, zone = self.server, self._shown
        if rcode == dns.rcode.REFUSED:
            return (f"{server} refused the update: the key {self._key.name} may not change {zone} (see "
                    "allow-update or update-policy in its configuration).")
        if rcode == dns.rcode.NOTAUTH:
            return f"{server} is not the primary server of {zone}, or does not accept this key for it."
        if rcode == dns.rcode.NOTZONE:
            return f"a record mailsec publishes lies outside the zone {zone}."
        if rcode in _CHANGED_MEANWHILE:
            return (f"the records in {zone} changed since mailsec read them, so nothing was changed; the next run "
                    "plans again from what is there.")
        return f"{server} did not apply the update (it answered {dns.rcode.to_text(rcode)}); see its log."


def _add_change(update: dns.update.UpdateMessage, change: RecordChange) -> None:
    name = dns.name.from_text(change.key.name)
    rtype = change.key.rtype
    if change.before:
        held = dns.rdataset.from_rdata_list(0, [rdata_of(rtype, value) for value in change.before])
        update.present(name, held)
    else:
        update.absent(name, rtype)
    for value in change.remove:
        update.delete(name, rdata_of(rtype, value))
    for value in change.add:
        update.add(name, change.ttl, rdata_of(rtype, value))
