"""Small helpers the benchmarks share: repeated wall-clock timing of commands and a plain table."""

import statistics
import subprocess
import time
from typing import List, Sequence, Tuple


def median_seconds(command: Sequence[str], runs: int, **kwargs) -> float:
    """The median wall time of `runs` runs of `command` (after one warm-up run)."""
    subprocess.run(command, check=True, capture_output=True, **kwargs)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, **kwargs)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def print_table(title: str, header: Tuple[str, ...], rows: List[Tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for row in [header, tuple("-" * width for width in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))
