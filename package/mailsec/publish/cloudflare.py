"""Cloudflare's DNS API (v4) through requests: the hosted provider mailsec publishes to.

Why Cloudflare first: it hosts more self-hosted mail domains than any other DNS provider. Its free plan
signs zones with DNSSEC in one click and serves TLSA records, which DANE needs and many registrars' DNS
lacks, and the tools self-hosters already run for certificates (acme.sh, certbot, lego, Caddy, Traefik)
all ship a Cloudflare DNS plugin, so the owner usually has an account and knows how to make a token.

The calls, as developers.cloudflare.com/api documents them:

- `GET /user/tokens/verify`: the token is valid and active ("test connection" changes nothing);
- `GET /zones?name=<zone>`: the zone's id, which also proves the token may see the zone;
- `GET /zones/<id>/dns_records?type=<T>&name=<N>&page=<P>`: a record set, page by page;
- `POST /zones/<id>/dns_records/batch`: deletes, then posts, in one database transaction.

Just before a batch the record sets are read again and compared with what they held when the change was
planned, so a zone someone edited in the meantime is left alone. The token (Zone > DNS > Edit on the zone)
goes only in the Authorization header, only over HTTPS (plain HTTP only to a stand-in on loopback, see
`mailsec.settings`), redirects are never followed, and no message repeats it.
"""

from typing import Any, Dict, List, Optional, Sequence, Tuple

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import requests

from mailsec import __version__
from mailsec.publish.publisher import PublishError
from mailsec.publish.records import RecordChange, RecordKey, RecordSet, rdata_of, value_of

API_URL = "https://api.cloudflare.com/client/v4"
TIMEOUT = 20.0
PAGE_SIZE = 100
PERMISSION_HINT = "create an API token with the permission Zone > DNS > Edit for the zone"
_Held = Tuple[str, str, int]  # record id, compared value, ttl


class CloudflarePublisher:
    method = "cloudflare"

    def __init__(self, zone: str, token: str, api_url: str = "", timeout: float = TIMEOUT) -> None:
        self.zone = dns.name.from_text(zone).to_text().lower()
        self._shown = self.zone.rstrip(".")  # the zone in messages
        self._api = (api_url or API_URL).rstrip("/")
        self._timeout = timeout
        self._session = requests.Session()
        self._session.headers.update({"Authorization": f"Bearer {token}", "User-Agent": f"mailsec/{__version__}"})
        self._zone_id: Optional[str] = None

    def describe(self) -> str:
        return f"the Cloudflare API ({self._api}) for the zone {self._shown}"

    def check(self) -> str:
        status = self._call("GET", "/user/tokens/verify").get("status")
        if status != "active":
            raise PublishError(f"Cloudflare says the API token is {status or 'not usable'}; {PERMISSION_HINT}.")
        self._zone()
        return f"the Cloudflare API token is active and may see the zone {self._shown}; nothing was changed"

    def read(self, keys: Sequence[RecordKey]) -> Dict[RecordKey, RecordSet]:
        result = {}
        for key in keys:
            held = self._held(key)
            result[key] = RecordSet(key, tuple(value for _, value, _ in held), max((t for _, _, t in held), default=0))
        return result

    def apply(self, changes: Sequence[RecordChange]) -> None:
        if not changes:
            return
        deletes: List[Dict[str, str]] = []
        posts: List[Dict[str, Any]] = []
        for change in changes:
            held = self._held(change.key)
            if sorted(value for _, value, _ in held) != sorted(change.before):
                raise PublishError(f"the records of {change.key.name} in {self._shown} changed since mailsec read "
                                   "them, so nothing was changed; the next run plans again from what is there.")
            deletes += [{"id": record_id} for record_id, value, _ in held if value in change.remove]
            posts += [_record_body(change.key, value, change.ttl) for value in change.add]
        self._call("POST", f"/zones/{self._zone()}/dns_records/batch", {"deletes": deletes, "posts": posts})

    def _zone(self) -> str:
        if self._zone_id is None:
            zones = self._call("GET", "/zones", params={"name": self._shown})
            if not zones:
                raise PublishError(f"Cloudflare has no zone {self._shown} that this API token may see; check the zone "
                                   f"name, or {PERMISSION_HINT}.")
            self._zone_id = str(zones[0]["id"])
        return self._zone_id

    def _held(self, key: RecordKey) -> List[_Held]:
        """(id, value, ttl) of every record in the record set `key`."""
        path = f"/zones/{self._zone()}/dns_records"
        held: List[_Held] = []
        page, pages = 1, 1
        while page <= pages:
            params = {"type": key.rtype, "name": key.name.rstrip("."), "per_page": PAGE_SIZE, "page": page}
            records, info = self._page("GET", path, params=params)
            held += [(str(record["id"]), _value(key, record), int(record.get("ttl", 0))) for record in records]
            pages = int(info.get("total_pages") or 1)
            page += 1
        return held

    def _call(self, method: str, path: str, body: Optional[dict] = None, params: Optional[dict] = None) -> Any:
        return self._page(method, path, params=params, body=body)[0]

    def _page(self, method: str, path: str, params: Optional[dict] = None, body: Optional[dict] = None
              ) -> Tuple[Any, Dict[str, Any]]:
        """The `result` and `result_info` of one API call, or a `PublishError` saying why there are none."""
        try:
            response = self._session.request(method, self._api + path, params=params, json=body,
                                             timeout=self._timeout, allow_redirects=False)
        except requests.Timeout:
            raise PublishError(f"no answer from the Cloudflare API within {self._timeout:g} s.") from None
        except requests.RequestException as exc:
            raise PublishError(f"cannot reach the Cloudflare API at {self._api}: {type(exc).__name__}.") from None
        try:
            document = response.json()
        except ValueError:
            raise PublishError(f"the Cloudflare API answered HTTP {response.status_code} without JSON.") from None
        if not isinstance(document, dict) or not document.get("success"):
            raise PublishError(_failure(response.status_code, document))
        return document.get("result"), document.get("result_info") or {}


def _failure(status: int, document: Any) -> str:
    errors = document.get("errors") if isinstance(document, dict) else None
    detail = "; ".join(str(error.get("message", "")) for error in errors or [] if isinstance(error, dict))
    detail = detail or "no reason given"
    if status in (401, 403):
        return f"Cloudflare refused the API token ({detail}); {PERMISSION_HINT}."
    return f"the Cloudflare API answered HTTP {status}: {detail}."


def _value(key: RecordKey, record: Dict[str, Any]) -> str:
    """A record from the API in the compared form (TXT content may come quoted, TLSA as fields)."""
    data = record.get("data") or {}
    if key.rtype == "TLSA" and data:
        fields = (int(data["usage"]), int(data["selector"]), int(data["matching_type"]))
        return "{} {} {} ".format(*fields) + str(data["certificate"]).lower()
    content = str(record.get("content", ""))
    if key.rtype == "TXT" and not content.startswith('"'):
        return content
    try:
        return value_of(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(key.rtype), content))
    except dns.exception.DNSException:
        return content


def _record_body(key: RecordKey, value: str, ttl: int) -> Dict[str, Any]:
    body: Dict[str, Any] = {"type": key.rtype, "name": key.name.rstrip("."), "ttl": ttl}
    if key.rtype == "TLSA":
        rdata = rdata_of(key.rtype, value)
        body["data"] = {"usage": rdata.usage, "selector": rdata.selector, "matching_type": rdata.mtype,
                        "certificate": rdata.cert.hex()}
    else:
        body["content"] = value
    return body
