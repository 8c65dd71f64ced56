"""`mailsec check DOMAIN`: audit a mail domain the way sending servers see it."""

import argparse
from typing import List

from mailsec.cli.common import Context, add_ca_bundle_option, add_json_flag, print_json, printable, warn
from mailsec.errors import ExitCode
from mailsec.findings import Status

_ORDER = (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS, Status.SKIP)
_LABELS = {Status.FAIL: "FAIL", Status.ERROR: "ERROR", Status.WARN: "WARN", Status.PASS: "pass", Status.SKIP: "skip"}


def register(commands: argparse._SubParsersAction, name: str, summary: str, shared: List) -> None:
    parser = commands.add_parser(
        name, help=summary, parents=shared,
        description="Audit DOMAIN: MX, PTR, SMTP STARTTLS, DANE, DNSSEC, MTA-STS, TLS-RPT, SPF, DKIM, DMARC. "
        "Exit 0 when nothing failed, 1 when something failed, 2 when the audit could not complete.",
    )
    parser.add_argument("domain", metavar="DOMAIN", help="the mail domain (the part after @)")
    parser.add_argument("--nameserver", metavar="IP[:PORT]", action="extend", nargs="+", default=[],
                        help="resolve every name through these servers (default: the configured ones, else the "
                        "system's); use a DNSSEC-validating resolver")
    parser.add_argument("--dkim-selector", metavar="S", action="extend", nargs="+", default=[],
                        help="DKIM selectors to check (default: the configured ones)")
    add_ca_bundle_option(parser, "for every WebPKI check")
    add_json_flag(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from mailsec.audit.owner import audit_for_owner

    context = Context.from_args(args)
    report = audit_for_owner(context.layout, context.state_dir, args.domain, args.nameserver, args.dkim_selector,
                             args.ca_bundle, on_save_error=warn)
    if args.json:
        print_json(report.to_dict())
    else:
        _print_report(report)
    if report.failed:
        return ExitCode.ACTION_NEEDED
    return ExitCode.CANNOT_RUN if report.incomplete else ExitCode.OK


def _print_report(report) -> None:
    print(f"Audit of {report.domain} ({report.seconds:.1f} s)")
    for status in _ORDER:
        for finding in (f for f in report.findings if f.status == status):
            print(f"{_LABELS[status]:5}  {finding.id:24} {printable(finding.subject)}")
            print(f"       {printable(finding.message)}")
            if finding.fix and status != Status.PASS:
                print(f"       fix: {printable(finding.fix)}")
    counts = ", ".join(f"{report.count(status)} {status.value}" for status in _ORDER if report.count(status))
    print(counts)
