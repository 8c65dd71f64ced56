"""Stand-in for `python -m mailsec.web.backend` while the web app's backend is not in the package.

It keeps the contract start-stop-status relies on, and nothing more: listen on the unix socket given by
`--socket`, write the process id to `--pid-file` once listening, and on SIGTERM remove both and exit 0.
The lifecycle harness copies it to `target/mailsec/web/backend.py` only when the package lacks one.
"""

import argparse
import os
import signal
import socket
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--pid-file", required=True)
    args = parser.parse_args()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(args.socket)
    listener.listen()
    with open(args.pid_file, "w", encoding="ascii") as pid_file:
        pid_file.write(f"{os.getpid()}\n")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            signal.pause()
    finally:
        for path in (args.socket, args.pid_file):
            os.unlink(path)


if __name__ == "__main__":
    raise SystemExit(main())
