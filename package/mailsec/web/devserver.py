"""`python -m mailsec.web.devserver --root DIR --port N`: the app for development (`make run`).

It binds 127.0.0.1 only and runs in development mode: no DSM login (nobody else can reach it), a banner
on every page says so, and it works on the NAS tree under `--root` (the demo NAS). `--port 0` picks a
free port. The URL is printed once the server listens.
"""

import argparse
import contextlib
import os
import sys
from typing import List, Optional

from werkzeug.serving import make_server

from mailsec.cli.main import global_options
from mailsec.nas import ROOT_ENV
from mailsec.web.app import create_app
from mailsec.web.config import WebConfig

LOOPBACK = "127.0.0.1"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mailsec.web.devserver", parents=[global_options(False)],
        description="Serve the desktop app on 127.0.0.1 in development mode (no DSM login).",
    )
    parser.add_argument("--port", type=int, default=8460, help="TCP port (0: any free one; default 8460)")
    args = parser.parse_args(argv)
    root = args.root or os.environ.get(ROOT_ENV)
    if not root:
        parser.error("give --root DIR: the development server works on a demo NAS tree, never on /")
    server = make_server(LOOPBACK, args.port, create_app(WebConfig.development_mode(root, args.state_dir)),
                         threaded=True)
    print(f"mailsec development mode (no DSM login) for the NAS at {root}: "
          f"http://{LOOPBACK}:{server.server_port}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
