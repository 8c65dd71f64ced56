"""nginx serving HTTPS sites on port 443 of a loopback address, chosen by SNI, each with its own faults.

A site is the host of an MTA-STS policy (`mta-sts.<domain>`) as a sender fetches it. The ways a policy
host goes wrong are properties of the site, so one nginx can serve a domain per case:

    HttpsSite(["mta-sts.example.nl"], certificate, files={POLICY_PATH: policy_text.encode()})
    HttpsSite(["mta-sts.moved.nl"], certificate, redirect_to="https://elsewhere.example/")
    HttpsSite(["mta-sts.html.nl"], certificate, files=..., content_type="text/html")
    HttpsSite(["mta-sts.slow.nl"], certificate, files=..., bytes_per_second=100)
    HttpsSite(["mta-sts.stuck.nl"], certificate, stalled=True)

A path not in `files` answers 404; a body larger than 64 KiB is just a large file; a certificate for
the wrong name is a `ServerCertificate` whose names do not include the site's. The first site also
answers requests whose SNI matches no site, as nginx's default server.
"""

import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence

from tests.support.pki import ServerCertificate
from tests.support.servers.loopback import Endpoint
from tests.support.servers.process import Daemon, DaemonServer, find_program
from tests.support.servers.ready import tcp_accepts
from tests.support.servers.silent import BACKLOG

HTTPS_PORT = 443
POLICY_PATH = "/.well-known/mta-sts.txt"


@dataclass(frozen=True)
class HttpsSite:
    names: Sequence[str]  # server names, matched against SNI and the Host header
    certificate: ServerCertificate
    files: Mapping[str, bytes] = field(default_factory=dict)  # URL path -> body
    content_type: str = "text/plain"  # the Content-Type of every file
    redirect_to: Optional[str] = None  # answer every request with a 301 to this URL
    bytes_per_second: Optional[int] = None  # send every body at this rate
    stalled: bool = False  # take every request and never answer it


class NginxServer(DaemonServer):
    PORTS = (HTTPS_PORT,)

    def __init__(self, address: str, workdir: Path, sites: Sequence[HttpsSite]) -> None:
        if not sites:
            raise ValueError("nginx needs at least one site")
        self.address = Endpoint(address, HTTPS_PORT)
        self.sites = tuple(sites)
        self._workdir = workdir
        self._config = workdir / "nginx.conf"
        self._stall_socket = workdir / "stall.sock"
        self._stall_listener: Optional[socket.socket] = None
        super().__init__(Daemon(
            "nginx",
            [find_program("nginx", "nginx"), "-p", str(workdir), "-c", str(self._config), "-e", "stderr"],
            workdir / "nginx.log",
            [workdir / "access.log"],
        ))

    def __enter__(self) -> "NginxServer":
        for number, site in enumerate(self.sites):
            self._write_site(number, site)
        if any(site.stalled for site in self.sites):
            self._stall_listener = _listen_without_answering(self._stall_socket)
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self._workdir / "temp" / temp).mkdir(parents=True, exist_ok=True)
        self._config.write_text(self._config_text())
        try:
            self.daemon.start(lambda: tcp_accepts(self.address))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        super().__exit__(*exc_info)
        if self._stall_listener is not None:
            self._stall_listener.close()

    def _write_site(self, number: int, site: HttpsSite) -> None:
        root = self._site_root(number)
        root.mkdir(parents=True)
        site.certificate.write(self._workdir, f"site{number}")
        for path, body in site.files.items():
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)

    def _site_root(self, number: int) -> Path:
        return self._workdir / "sites" / str(number)

    def _server_block(self, number: int, site: HttpsSite) -> str:
        default = " default_server" if number == 0 else ""
        behaviour = [f'default_type "{site.content_type}";']
        if site.redirect_to:
            behaviour.append(f"return 301 {site.redirect_to};")
        if site.bytes_per_second:
            behaviour.append(f"limit_rate {site.bytes_per_second};")
        if site.stalled:
            behaviour.append(f"proxy_pass http://unix:{self._stall_socket}:; proxy_read_timeout 1h;")
        return f"""
    server {{
        listen {self.address.host}:{self.address.port} ssl{default};
        server_name {" ".join(site.names)};
        ssl_certificate {self._workdir / f"site{number}.crt"};
        ssl_certificate_key {self._workdir / f"site{number}.key"};
        root {self._site_root(number)};
        location / {{
            types {{ }}
            {" ".join(behaviour)}
        }}
    }}"""

    def _config_text(self) -> str:
        temp = self._workdir / "temp"
        servers = "".join(self._server_block(number, site) for number, site in enumerate(self.sites))
        return f"""\
user root root;
daemon off;
worker_processes 1;
pid {self._workdir / "nginx.pid"};
error_log stderr info;
events {{
    worker_connections 64;
}}
http {{
    access_log {self._workdir / "access.log"};
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    ssl_protocols TLSv1.2 TLSv1.3;
    server_tokens off;{servers}
}}
"""


def _listen_without_answering(path: Path) -> socket.socket:
    """A unix socket that queues connections and never reads them: a backend that never answers."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(BACKLOG)
    return listener
