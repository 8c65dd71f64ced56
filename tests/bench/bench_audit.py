"""Benchmark: the audit of a realistic domain through a slow DNS path, against its critical path and
against the same audit done one step at a time.

    python -m tests.bench.bench_audit [--delay-ms 30] [--runs 5]

The domain (`bench.nl`, DNSSEC-signed) has two MX hosts (two Postfix instances with certificates and
`3 1 1` records), PTR records for both, an MTA-STS policy served by nginx, SPF with a two-level include
tree at a provider, DMARC reporting to an authorised outside address, TLS-RPT and a DKIM key. Every DNS
query goes client -> delaying proxy (`--delay-ms`) -> Unbound (validating) -> BIND, so each query costs
the delay however warm Unbound's cache is: the model of a resolver a round trip away.

Rows:
* concurrent: the audit as shipped (median wall time of `--runs` audits, each with a fresh memo and cache);
* serial: the same with `concurrency.MAX_THREADS = 1`, every step after the previous one;
* critical path: a lower bound for any schedule. The serial run is traced: each DNS query and probe
  (SMTP, openssl chain, HTTPS) is timed as it runs alone; each step of the audit carries the time at
  which it could at the earliest have started had every independent lookup run at once (a step starts
  when the facts it consumed are done: a memoised fact finishes at its computer's time, parallel branches
  join at the latest of them). The audit's end time in that model is the longest chain of dependent
  queries and probes. CPU time between them is left out, so it is a lower bound;
* DNS queries: how many the audit makes, and their summed time (what a fully serial DNS walk costs);
* CPU time: what one concurrent audit costs the process. Python runs one thread at a time, so this
  work is spread along the critical path and is why the shipped audit lands above the bound.
Peak memory: the process's peak resident size (ru_maxrss) after all runs, and the peak of Python
allocations during one concurrent audit (tracemalloc).
"""

import argparse
import multiprocessing
import resource
import signal
import statistics
import sys
import time
import tracemalloc
from contextlib import ExitStack, contextmanager
from typing import Any, Callable, Dict, Iterable, Iterator, List, Tuple, TypeVar
from unittest import mock

from mailsec.audit import concurrency, facts
from mailsec.audit.options import AuditOptions
from mailsec.audit.report import AuditReport
from mailsec.audit.runner import run_audit
from mailsec.findings import Status
from mailsec.nameservers import Nameserver
from mailsec.resolver import DEFAULT_LIFETIME, DEFAULT_TIMEOUT, DnsResolver
from tests.bench.timing import print_table
from tests.integration.audit.lab import (
    AuditLab,
    dkim_public_key,
    mail_zone,
    policy_site,
    policy_text,
    spki_sha256,
)
from tests.support.pki import CertificateAuthority
from tests.support.servers import DnsProxy, Endpoint, LoopbackPool, ServerStack, Zone
from tests.support.servers.ready import dns_answers

T = TypeVar("T")
R = TypeVar("R")
DOMAIN = "bench.nl"


def build(servers: ServerStack) -> Tuple[AuditLab, Endpoint]:
    """The benchmark domain's servers; returns the lab and its validating resolver."""
    ca = CertificateAuthority.create()
    lab = AuditLab(servers, ca, ca.write_bundle(servers.workdir / "ca.pem"))
    web = lab.policy_hosts([policy_site(ca, DOMAIN, policy_text("enforce", f"*.{DOMAIN}"))])
    zone = mail_zone(DOMAIN, lab.nameserver, None, policy_address=web,
                     spf="v=spf1 mx include:_spf.provider.nl ~all",
                     dmarc="v=DMARC1; p=reject; rua=mailto:dmarc@{origin},mailto:d@reports.dmarc-vendor.nl")
    for number in (1, 2):
        certificate = ca.server_certificate(f"mx{number}.{DOMAIN}")
        address = lab.smtp_host(f"mx{number}.{DOMAIN}", certificate)
        zone.mx("@", 10 * number, f"mx{number}").a(f"mx{number}", address)
        zone.tlsa(f"_25._tcp.mx{number}", 3, 1, 1, spki_sha256(certificate.leaf))
    zone.txt("mail2024._domainkey", f"v=DKIM1; k=rsa; p={dkim_public_key('rsa2048')}")
    lab.serve(zone, signed=True)
    lab.serve(Zone("provider.nl", lab.nameserver)
              .txt("_spf", "v=spf1 include:_spf1.provider.nl include:_spf2.provider.nl ~all")
              .txt("_spf1", "v=spf1 ip4:192.0.2.0/24 ~all").txt("_spf2", "v=spf1 ip6:2001:db8::/32 ~all"))
    lab.serve(Zone("dmarc-vendor.nl", lab.nameserver).txt(f"{DOMAIN}._report._dmarc.reports", "v=DMARC1"))
    return lab, lab.start()


@contextmanager
def slow_path(servers: ServerStack, resolver: Endpoint, delay_ms: float) -> Iterator[Nameserver]:
    """The delaying proxy in front of `resolver`, in a process of its own: a resolver a round trip away
    does not take CPU time from the audit's threads, and neither should the one here."""
    address = servers.address(DnsProxy.PORTS)
    process = multiprocessing.get_context("fork").Process(
        target=_relay, args=(address, resolver, delay_ms), name="bench-dns-proxy", daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + 10
        while not dns_answers(Endpoint(address, DnsProxy.PORTS[0])):
            if time.monotonic() > deadline or not process.is_alive():
                raise SystemExit(f"the DNS proxy on {address} did not start")
        yield Nameserver(address)
    finally:
        process.terminate()
        process.join()


def _relay(address: str, resolver: Endpoint, delay_ms: float) -> None:
    with DnsProxy(address, resolver, delay_ms):
        signal.sigwait({signal.SIGTERM})


def options(lab: AuditLab, nameserver: Nameserver) -> AuditOptions:
    return lab.options(nameservers=(nameserver,), dkim_selectors=("mail2024",), dns_timeout=DEFAULT_TIMEOUT,
                       dns_lifetime=DEFAULT_LIFETIME, smtp_timeout=15.0, https_timeout=20.0)


Event = Tuple[str, Any]  # ("leaf", seconds) | ("wait", memo key) | ("fork", [events of each branch])


class DependencyTrace:
    """What one serial audit did, as a tree: timed queries and probes, waits for memoised facts (with the
    events of their computation) and parallel branches; and the shortest time that tree allows.

    Recorded with `MAX_THREADS = 1`, so everything runs in one thread, in order, and a stack of open
    event lists is enough.
    """

    def __init__(self) -> None:
        self.root: List[Event] = []
        self.computed: Dict[Any, List[Event]] = {}
        self._open: List[List[Event]] = [self.root]

    @contextmanager
    def _events(self) -> Iterator[List[Event]]:
        events: List[Event] = []
        self._open.append(events)
        try:
            yield events
        finally:
            self._open.pop()

    def _leaf(self, work: Callable[[], R]) -> R:
        began = time.perf_counter()
        try:
            return work()
        finally:
            self._open[-1].append(("leaf", time.perf_counter() - began))

    @property
    def queries(self) -> List[float]:
        return list(self._query_times)

    def patches(self) -> List[Any]:
        """Everything the trace hooks into: the memo, parallel branches, queries and probes."""
        original_get, original_map, original_query = concurrency.Memo.get, concurrency.parallel_map, DnsResolver.query
        trace, self._query_times = self, []

        def get(memo: concurrency.Memo, key: Any, compute: Callable[[], T]) -> T:
            trace._open[-1].append(("wait", key))

            def computed() -> T:
                with trace._events() as events:
                    trace.computed[key] = events
                    return compute()

            return original_get(memo, key, computed)

        def parallel_map(function: Callable[[T], R], items: Iterable[T]) -> List[R]:
            branches, results = [], []
            for item in items:
                with trace._events() as events:
                    results.append(function(item))
                branches.append(events)
            trace._open[-1].append(("fork", branches))
            return results

        def query(resolver: DnsResolver, *args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            answer = trace._leaf(lambda: original_query(resolver, *args, **kwargs))
            trace._query_times.append(time.perf_counter() - began)
            return answer

        targets = [mock.patch.object(concurrency.Memo, "get", get), mock.patch.object(DnsResolver, "query", query)]
        for name, module in list(sys.modules.items()):
            if name.startswith("mailsec.audit") and getattr(module, "parallel_map", None) is original_map:
                targets.append(mock.patch.object(module, "parallel_map", parallel_map))
        for probe in ("probe_smtp", "presented_chain", "fetch"):
            original = getattr(facts, probe)
            targets.append(mock.patch.object(
                facts, probe, lambda *a, _probe=original, **k: trace._leaf(lambda: _probe(*a, **k))))
        return targets

    def critical_path(self) -> float:
        """The end time of the audit had every step started as soon as the facts it waits for were there.

        A memoised fact can start at the earliest moment any step asks for it, which the serial order
        does not show (the first to ask may be logically late), so the earliest requests are found by
        repeating the evaluation until they no longer change.
        """
        requested: Dict[Any, float] = {}
        while True:
            before = dict(requested)
            end = self._finish(self.root, 0.0, requested, {})
            if requested == before:
                return end

    def _finish(self, events: List[Event], moment: float, requested: Dict[Any, float],
                finished: Dict[Any, float]) -> float:
        """When `events`, started at `moment`, are done; notes when each memoised fact is first asked for."""
        for kind, detail in events:
            if kind == "leaf":
                moment += detail
            elif kind == "fork":
                moment = max([moment, *(self._finish(branch, moment, requested, finished) for branch in detail)])
            else:
                requested[detail] = min(requested.get(detail, moment), moment)
                if detail not in finished:
                    finished[detail] = self._finish(self.computed.get(detail, []), requested[detail], requested,
                                                    finished)
                moment = max(moment, finished[detail])
        return moment


def timed_audits(audit_options: AuditOptions, runs: int) -> Tuple[float, AuditReport]:
    walls, report = [], None
    for _ in range(runs):
        began = time.perf_counter()
        report = run_audit(DOMAIN, audit_options)
        walls.append(time.perf_counter() - began)
    assert report is not None
    return statistics.median(walls), report


def check_sound(report: AuditReport) -> None:
    """The benchmark domain must be audited in full: nothing failed or left undecided."""
    bad = [f"{f.status.value} {f.id} {f.subject}: {f.message}" for f in report.findings
           if f.status in (Status.FAIL, Status.ERROR)]
    if bad:
        raise SystemExit("the benchmark domain is not sound:\n" + "\n".join(bad))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=30.0, help="added to every DNS query")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with LoopbackPool() as pool, ServerStack(pool) as servers:
        lab, resolver = build(servers)
        with slow_path(servers, resolver, args.delay_ms) as slow:
            return report_figures(lab, slow, args.delay_ms, args.runs)


def report_figures(lab: AuditLab, slow: Nameserver, delay_ms: float, runs: int) -> int:
    audit_options = options(lab, slow)
    run_audit(DOMAIN, audit_options)  # warm Unbound's cache and the interpreter's imports
    concurrent, report = timed_audits(audit_options, runs)
    check_sound(report)
    cpu_began = time.process_time()
    run_audit(DOMAIN, audit_options)
    cpu = time.process_time() - cpu_began
    tracemalloc.start()
    run_audit(DOMAIN, audit_options)
    allocated = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    with mock.patch.object(concurrency, "MAX_THREADS", 1):
        serial, _ = timed_audits(audit_options, runs)
        trace = DependencyTrace()
        with ExitStack() as patched:
            for patch in trace.patches():
                patched.enter_context(patch)
            run_audit(DOMAIN, audit_options)
    critical, queries = trace.critical_path(), trace.queries
    rows = [
        ("concurrent (as shipped)", f"{concurrent * 1000:.0f} ms", f"{concurrent / critical:.2f} x critical path"),
        ("serial (MAX_THREADS = 1)", f"{serial * 1000:.0f} ms", f"{serial / concurrent:.1f} x concurrent"),
        ("critical-path lower bound", f"{critical * 1000:.0f} ms",
         f"= {critical / (delay_ms / 1000):.1f} query delays"),
        ("DNS queries", str(len(queries)), f"{sum(queries) * 1000:.0f} ms if asked one by one"),
        ("CPU time of one audit", f"{cpu * 1000:.0f} ms", "all threads; Python runs one at a time"),
        ("peak memory", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB RSS",
         f"{allocated / 1024 / 1024:.1f} MiB Python allocations in one audit"),
    ]
    print_table(f"Audit of {DOMAIN} (2 MX, signed, MTA-STS, SPF includes), {delay_ms:g} ms per DNS query, "
                f"median of {runs}", ("", "value", "compared"), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
