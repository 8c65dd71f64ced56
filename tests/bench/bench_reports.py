"""Benchmark: import 10,000 generated reports, then summarize them; time and peak memory.

    python -m tests.bench.bench_reports [--reports N] [--records N]

Half the reports are DMARC (zipped or gzipped XML, several records each), half TLS-RPT (gzipped JSON,
a tenth of them with failures). Times are wall-clock; memory is the process's peak resident size
(ru_maxrss) and, on a second pass, the peak of Python allocations (tracemalloc), which shows that a
report's cost does not grow with the number imported.
"""

import argparse
import resource
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, List, Tuple

from mailsec.nas import NasLayout
from mailsec.reports.ingest import Outcome, import_file
from mailsec.reports.store import ReportStore
from mailsec.reports.summary import load_summary
from mailsec.settings import Settings
from tests.reports.corpus import (
    DAY,
    MAY_1,
    dmarc_row,
    dmarc_xml,
    gzipped,
    tls_failure,
    tls_json,
    tls_policy,
    tls_report,
    zipped,
)

DAYS = 30


def generate(folder: Path, reports: int, records: int) -> List[Path]:
    paths = []
    for number in range(reports):
        begin = MAY_1 + (number % DAYS) * DAY
        if number % 2:
            rows = [dmarc_row(f"198.18.{number % 200}.{row}", 1 + row, dkim="pass" if row % 5 else "fail")
                    for row in range(records)]
            xml = dmarc_xml(f"d{number}", begin, rows, organization=f"reporter{number % 7}.example")
            path = folder / f"{number}.zip" if number % 4 == 1 else folder / f"{number}.xml.gz"
            path.write_bytes(zipped({"report.xml": xml}) if path.suffix == ".zip" else gzipped(xml))
        else:
            failures = [tls_failure("tlsa-invalid", 3)] if number % 10 == 0 else []
            report = tls_report(f"t{number}", begin, policies=[tls_policy("sts", 50), tls_policy("tlsa", 40, failures)])
            path = folder / f"{number}.json.gz"
            path.write_bytes(gzipped(tls_json(report)))
        paths.append(path)
    return paths


def timed(step: Callable[[], object]) -> Tuple[object, float]:
    started = time.perf_counter()
    result = step()
    return result, time.perf_counter() - started


def import_all(store: ReportStore, paths: List[Path]) -> List[Outcome]:
    return [result.outcome for path in paths for result in import_file(store, path, 0)]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10000)
    parser.add_argument("--records", type=int, default=5, help="records per DMARC report")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="mailsec-bench-") as work:
        folder, state = Path(work) / "in", Path(work) / "state"
        folder.mkdir()
        paths, seconds = timed(lambda: generate(folder, args.reports, args.records))
        rows.append(("generate files", len(paths), seconds, peak_rss_mib(), None))
        with ReportStore.open(state) as store:
            outcomes, seconds = timed(lambda: import_all(store, paths))
            assert outcomes.count(Outcome.IMPORTED) == args.reports, "every generated report should import"
            rows.append(("import", len(paths), seconds, peak_rss_mib(), None))
            tracemalloc.start()
            outcomes, seconds = timed(lambda: import_all(store, paths))
            python_peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            assert outcomes.count(Outcome.DUPLICATE) == args.reports, "a second import should find duplicates"
            rows.append(("import again (duplicates, traced)", len(paths), seconds, peak_rss_mib(), python_peak))
            now = datetime.fromtimestamp(MAY_1 + (DAYS + 1) * DAY, timezone.utc)
            summary, seconds = timed(lambda: load_summary(store, NasLayout(Path(work) / "nas"), Settings(), None,
                                                          now, DAYS + 1))
            rows.append(("summary (no DNS)", summary.stored.tlsrpt_reports + summary.stored.dmarc_reports, seconds,
                         peak_rss_mib(), None))
        size = sum(path.stat().st_size for path in state.iterdir()) / 2**20
    print(f"{'step':36} {'reports':>8} {'seconds':>8} {'per report':>11} {'peak RSS':>9} {'py peak':>8}")
    for name, count, seconds, rss, traced in rows:
        per = f"{seconds / count * 1000:.2f} ms" if count else "-"
        traced_text = f"{traced:.1f} MiB" if traced is not None else "-"
        print(f"{name:36} {count:8d} {seconds:8.2f} {per:>11} {rss:6.0f} MiB {traced_text:>8}")
    print(f"store size: {size:.1f} MiB for {args.reports} reports ({args.records} records per DMARC report)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
