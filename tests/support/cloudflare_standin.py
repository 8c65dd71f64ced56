"""A STAND-IN for Cloudflare's DNS API (v4), on loopback, for the tests. It is not Cloudflare.

It answers the calls mailsec makes, in the shapes developers.cloudflare.com/api documents:

- `GET  /client/v4/user/tokens/verify`: `{"id", "status": "active"}` for the right bearer token;
- `GET  /client/v4/zones?name=<zone>`: the zones of that name (none for another name);
- `GET  /client/v4/zones/<id>/dns_records?type=&name=&page=&per_page=`: records, page by page, with
  `result_info` (`page`, `per_page`, `count`, `total_count`, `total_pages`);
- `POST /client/v4/zones/<id>/dns_records/batch`: `deletes` then `posts`, all or nothing.

Every answer has Cloudflare's envelope (`success`, `errors`, `messages`, `result`); a wrong or missing
token gets HTTP 401 with error 1000 "Invalid API Token". TLSA records are written with a `data` object and
read back with `data` and `content`. With `mirror`, each batch is also sent to a BIND zone as one RFC 2136
update, so the records are served by a real authoritative server, as Cloudflare's name servers serve them.
Plain HTTP on 127.0.0.1: mailsec allows that only for loopback (`--api-url`).
"""

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

import dns.query
import dns.update

from tests.support.servers.loopback import Endpoint
from tests.support.servers.tsig import TsigKey

API_PREFIX = "/client/v4"
QUERY_TIMEOUT = 5.0


@dataclass(frozen=True)
class Mirror:
    """Where the stand-in copies its records: a BIND server, the dynamic zone and its update key."""

    server: Endpoint
    zone: str
    key: TsigKey


@dataclass
class CloudflareStandIn:
    zone: str
    token: str
    mirror: Optional[Mirror] = None
    zone_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    records: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # by record id
    requests: List[Tuple[str, str, str]] = field(default_factory=list)  # (method, path, authorization)
    _server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{API_PREFIX}"

    def __enter__(self) -> "CloudflareStandIn":
        standin = self

        class Handler(_Handler):
            api = standin

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def add(self, rtype: str, name: str, content: str = "", ttl: int = 300, data: Optional[dict] = None) -> str:
        """Put a record in the zone directly (as the owner would in the dashboard); its id."""
        return self._create({"type": rtype, "name": name, "content": content, "ttl": ttl, "data": data})["id"]

    def values(self, rtype: str, name: str) -> List[str]:
        return sorted(record["content"] for record in self.matching(rtype, name))

    def matching(self, rtype: str, name: str) -> List[Dict[str, Any]]:
        return [record for record in self.records.values()
                if record["type"] == rtype and record["name"] == name.lower().rstrip(".")]

    def _create(self, body: Dict[str, Any]) -> Dict[str, Any]:
        record = {"id": uuid.uuid4().hex, "zone_id": self.zone_id, "zone_name": self.zone, "type": body["type"],
                  "name": str(body["name"]).lower().rstrip("."), "ttl": int(body.get("ttl", 1)), "proxied": False}
        if body["type"] == "TLSA":
            data = body["data"]
            record["data"] = {key: data[key] for key in ("usage", "selector", "matching_type", "certificate")}
            record["content"] = f"{data['usage']} {data['selector']} {data['matching_type']} {data['certificate']}"
        else:
            record["content"] = str(body["content"])
        self.records[record["id"]] = record
        return record

    def batch(self, body: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        deletes = [item["id"] for item in body.get("deletes", [])]
        missing = [record_id for record_id in deletes if record_id not in self.records]
        if missing:
            return 404, _envelope(None, [{"code": 81044, "message": f"Record {missing[0]} does not exist."}])
        removed = [self.records.pop(record_id) for record_id in deletes]
        added = [self._create(post) for post in body.get("posts", [])]
        if self.mirror:
            self._copy_to_bind(removed, added)
        return 200, _envelope({"deletes": removed, "posts": added, "patches": [], "puts": []})

    def _copy_to_bind(self, removed: List[Dict[str, Any]], added: List[Dict[str, Any]]) -> None:
        assert self.mirror is not None
        update = dns.update.UpdateMessage(self.mirror.zone, keyring=self.mirror.key.dnspython_key)
        for record in removed:
            update.delete(record["name"] + ".", record["type"], _zone_data(record))
        for record in added:
            update.add(record["name"] + ".", record["ttl"], record["type"], _zone_data(record))
        dns.query.tcp(update, self.mirror.server.host, QUERY_TIMEOUT, self.mirror.server.port)


def _zone_data(record: Dict[str, Any]) -> str:
    if record["type"] == "TXT":
        return json.dumps(record["content"])  # a quoted character-string; the test values are short ASCII
    return record["content"]


def _envelope(result: Any, errors: Optional[List[dict]] = None, info: Optional[dict] = None) -> Dict[str, Any]:
    document = {"success": not errors, "errors": errors or [], "messages": [], "result": result}
    if info is not None:
        document["result_info"] = info
    return document


class _Handler(BaseHTTPRequestHandler):
    api: CloudflareStandIn

    def log_message(self, *args: object) -> None:  # quiet: the tests read `requests` instead
        pass

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        parts = urlsplit(self.path)
        authorization = self.headers.get("Authorization", "")
        self.api.requests.append((method, parts.path, authorization))
        if authorization != f"Bearer {self.api.token}":
            self._send(401, _envelope(None, [{"code": 1000, "message": "Invalid API Token"}]))
            return
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        self._send(*self._route(method, parts.path[len(API_PREFIX):], query))

    def _route(self, method: str, path: str, query: Dict[str, str]) -> Tuple[int, Dict[str, Any]]:
        records = f"/zones/{self.api.zone_id}/dns_records"
        if method == "GET" and path == "/user/tokens/verify":
            return 200, _envelope({"id": "standin", "status": "active"})
        if method == "GET" and path == "/zones":
            zone = {"id": self.api.zone_id, "name": self.api.zone, "status": "active"}
            return 200, _envelope([zone] if query.get("name", "").lower() == self.api.zone else [])
        if method == "GET" and path == records:
            return 200, self._list(query)
        if method == "POST" and path == records + "/batch":
            length = int(self.headers.get("Content-Length", "0"))
            return self.api.batch(json.loads(self.rfile.read(length) or b"{}"))
        return 404, _envelope(None, [{"code": 7003, "message": "Could not route to " + path}])

    def _list(self, query: Dict[str, str]) -> Dict[str, Any]:
        found = sorted(self.api.matching(query.get("type", ""), query.get("name", "")), key=lambda r: r["id"])
        per_page = int(query.get("per_page", "100"))
        page = int(query.get("page", "1"))
        pages = max(1, -(-len(found) // per_page))
        shown = found[(page - 1) * per_page: page * per_page]
        info = {"page": page, "per_page": per_page, "count": len(shown), "total_count": len(found),
                "total_pages": pages}
        return _envelope(shown, info=info)

    def _send(self, status: int, document: Dict[str, Any]) -> None:
        body = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
