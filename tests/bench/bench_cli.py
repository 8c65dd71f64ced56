"""CLI start-up: `policy check`/`match` should start within a few times a bare interpreter (DESIGN.md).

Run: python -m tests.bench.bench_cli
"""

import sys
import tempfile
from pathlib import Path

from tests.bench.timing import median_seconds, print_table

RUNS = 15
POLICY = b"version: STSv1\r\nmode: testing\r\nmx: mail.example.nl\r\nmax_age: 86400\r\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        policy = Path(folder) / "mta-sts.txt"
        policy.write_bytes(POLICY)
        python = sys.executable
        bare = median_seconds([python, "-c", "pass"], RUNS)
        commands = {
            "python -c pass": [python, "-c", "pass"],
            "mailsec --help": [python, "-m", "mailsec", "--help"],
            "mailsec policy check": [python, "-m", "mailsec", "policy", "check", str(policy)],
            "mailsec policy match": [python, "-m", "mailsec", "policy", "match", str(policy), "mail.example.nl"],
        }
        rows = []
        for label, command in commands.items():
            seconds = median_seconds(command, RUNS)
            rows.append((label, f"{seconds * 1000:.1f} ms", f"{seconds / bare:.1f}x"))
    print_table(f"CLI start-up, median of {RUNS} runs ({sys.version.split()[0]})",
                ("command", "wall time", "vs bare interpreter"), rows)


if __name__ == "__main__":
    main()
