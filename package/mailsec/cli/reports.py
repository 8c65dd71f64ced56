"""`mailsec reports import|summary|mailbox|fetch`: TLS-RPT and DMARC aggregate reports."""

import argparse
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from mailsec.cli.common import Context, add_json_flag, print_json, printable
from mailsec.errors import ExitCode, MailsecError

SOURCES_SHOWN = 10  # sources per domain in the text output; --json lists them all


def register(commands: argparse._SubParsersAction, name: str, summary: str, shared: List) -> None:
    parser = commands.add_parser(name, help=summary, description=summary, parents=shared)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    imports = actions.add_parser(
        "import", parents=shared, help="import report files",
        description="Import TLS-RPT (.json, .json.gz) and DMARC aggregate reports (.xml, .gz, .zip), or saved "
        "report mails (.eml). Exit 0 when every file held a report, 1 when some were rejected, 2 when the "
        "report store cannot be written.")
    imports.add_argument("files", metavar="FILE", nargs="+", help="report files")
    add_json_flag(imports)
    imports.set_defaults(run=run_import)

    summary_parser = actions.add_parser(
        "summary", parents=shared, help="what the reports say, and what to do",
        description="TLS-RPT results per policy and MX with the likely cause of each failure, DMARC sources per "
        "domain with the rollout advice. Exit 0 when nothing needs attention, 1 when something does.")
    summary_parser.add_argument("--days", metavar="N", type=int, default=30, help="look back N days (default 30)")
    summary_parser.add_argument("--nameserver", metavar="IP[:PORT]", action="extend", nargs="+", default=[],
                                help="resolver for reverse names and TLSA records (default: the configured one)")
    summary_parser.add_argument("--no-dns", action="store_true", help="do not consult DNS")
    add_json_flag(summary_parser)
    summary_parser.set_defaults(run=run_summary)

    mailbox = actions.add_parser(
        "mailbox", parents=shared, help="show or set the mailbox reports are fetched from",
        description="Without options, show the settings. The password is read from --password-file (- for "
        "standard input) and kept in the state folder with mode 0600; it is never shown.")
    mailbox.add_argument("--host", help="IMAP server (MailPlus Server's IMAPS)")
    mailbox.add_argument("--port", type=int, help="IMAPS port (default 993)")
    mailbox.add_argument("--user", help="the dedicated report mailbox's user")
    mailbox.add_argument("--password-file", metavar="FILE", help="file whose first line is the password")
    mailbox.add_argument("--folder", help="folder to read (default INBOX)")
    mailbox.add_argument("--tls-name", metavar="NAME", help="name on the server certificate, if not --host")
    mailbox.add_argument("--ca-bundle", metavar="FILE", help="trust these CAs instead of the system's")
    mailbox.add_argument("--delete-imported", choices=["yes", "no"],
                         help="delete messages once their reports are stored (default no: they are only marked)")
    mailbox.set_defaults(run=run_mailbox)

    fetch = actions.add_parser(
        "fetch", parents=shared, help="import the reports waiting in the mailbox",
        description="Read unmarked messages over IMAP with TLS, import their reports and mark them. Exit 0 when "
        "all went well, 1 when some messages held no usable report, 2 when the mailbox could not be read.")
    fetch.add_argument("--limit", metavar="N", type=int, help="messages per run (default 500)")
    add_json_flag(fetch)
    fetch.set_defaults(run=run_fetch)


def run_import(args: argparse.Namespace) -> int:
    from mailsec.reports.ingest import import_file
    from mailsec.reports.store import ReportStore

    context = Context.from_args(args)
    now = _now()
    with ReportStore.open(context.state_dir) as store:
        results = [result for name in args.files for result in import_file(store, Path(name), now)]
    return _report_imports(results, args.json)


def run_summary(args: argparse.Namespace) -> int:
    from mailsec import clock
    from mailsec.reports.store import ReportStore
    from mailsec.reports.summary import load_summary, summary_json
    from mailsec.settings import load_settings

    if args.days < 1:
        raise MailsecError("--days: give a number of days from 1 up.")
    context = Context.from_args(args)
    settings = load_settings(context.state_dir)
    resolver = None if args.no_dns else _resolver(args.nameserver or settings.nameservers)
    with ReportStore.open(context.state_dir) as store:
        summary = load_summary(store, context.layout, settings, resolver, clock.now(), args.days)
    if args.json:
        print_json(summary_json(summary))
    else:
        _print_summary(summary)
    return ExitCode.ACTION_NEEDED if summary.needs_action else ExitCode.OK


def run_mailbox(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from mailsec.reports.mailbox import (
        PASSWORD_FILE,
        MailboxSettings,
        load_mailbox,
        read_password_file,
        save_mailbox,
    )

    context = Context.from_args(args)
    saved = load_mailbox(context.state_dir)
    changes = {name: getattr(args, name) for name in ("host", "port", "user", "folder", "tls_name", "ca_bundle")
               if getattr(args, name) is not None}
    if args.delete_imported is not None:
        changes["delete_imported"] = args.delete_imported == "yes"
    password = read_password_file(args.password_file, sys.stdin.buffer) if args.password_file else None
    if changes or password is not None:
        if saved is None and not ({"host", "user"} <= set(changes) and password is not None):
            raise MailsecError("no mailbox is set yet: give --host, --user and --password-file.")
        saved = replace(saved, **changes) if saved else MailboxSettings(**changes)
        save_mailbox(context.state_dir, saved, password)
    if saved is None:
        print("No report mailbox is set. Set one with: mailsec reports mailbox --host H --user U --password-file F")
        return ExitCode.OK
    has_password = (context.state_dir / PASSWORD_FILE).exists()
    print(f"Report mailbox ({context.state_dir})")
    print(f"  server     {printable(saved.host)}:{saved.port}" +
          (f" (certificate name {printable(saved.tls_name)})" if saved.tls_name else ""))
    print(f"  user       {printable(saved.user)}; password {'saved (mode 0600)' if has_password else 'NOT saved'}")
    print(f"  folder     {printable(saved.folder)}")
    print(f"  trust      {printable(saved.ca_bundle) or 'the system CAs'}")
    print(f"  afterwards {'delete imported messages' if saved.delete_imported else 'mark messages, keep them'}")
    return ExitCode.OK


def run_fetch(args: argparse.Namespace) -> int:
    from mailsec.reports.imap import fetch_reports
    from mailsec.reports.limits import MAX_MESSAGES_PER_FETCH
    from mailsec.reports.mailbox import load_mailbox, load_password
    from mailsec.reports.store import ReportStore

    context = Context.from_args(args)
    settings = load_mailbox(context.state_dir)
    if settings is None:
        raise MailsecError("no report mailbox is set: see 'mailsec reports mailbox --help'.")
    limit = args.limit if args.limit is not None else MAX_MESSAGES_PER_FETCH
    if limit < 1:
        raise MailsecError("--limit: give a number of messages from 1 up.")
    with ReportStore.open(context.state_dir) as store:
        fetched = fetch_reports(settings, load_password(context.state_dir), store, _now(), limit)
    if not args.json:
        print(f"{fetched.messages} messages read, {fetched.remaining} left for the next run, "
              f"{fetched.deleted} deleted")
        for note in fetched.notes:
            print(f"note: {note}")
    return _report_imports(list(fetched.reports), args.json, {
        "messages": fetched.messages, "remaining": fetched.remaining, "deleted": fetched.deleted,
        "notes": list(fetched.notes)})


def _report_imports(results: Sequence, as_json: bool, extra: Optional[dict] = None) -> int:
    from mailsec.reports.ingest import Outcome

    totals = {outcome.value: sum(1 for r in results if r.outcome == outcome) for outcome in Outcome}
    if as_json:
        print_json({**(extra or {}), "results": [r.to_dict() for r in results], **totals})
    else:
        for result in results:
            _print_import(result)
        print(", ".join(f"{count} {name}" for name, count in totals.items()))
    return ExitCode.ACTION_NEEDED if totals[Outcome.REJECTED.value] else ExitCode.OK


def _print_import(result) -> None:
    if result.reason:
        print(f"{result.outcome.value:9}  {printable(result.source)}: {printable(result.reason)}")
        return
    what = "polic" if result.kind == "tlsrpt" else "record"
    entries = f" ({_count(result.entries, what)})" if result.entries else ""
    print(f"{result.outcome.value:9}  {result.kind:6}  {printable(result.organization)} "
          f"{printable(result.report_id)}{entries}  {printable(result.source)}")


def _print_summary(summary) -> None:
    days = (summary.until - summary.since).days
    stored = summary.stored
    print(f"Reports of the {days} days up to {summary.until:%Y-%m-%d} "
          f"({stored.tlsrpt_reports} TLS-RPT and {stored.dmarc_reports} DMARC reports stored in all)")
    if not summary.tlsrpt and not summary.dmarc:
        print("No reports in this period. Import some with 'mailsec reports import' or 'mailsec reports fetch'.")
    for policy in summary.tlsrpt:
        _print_tls_policy(policy)
    for advice in summary.dmarc:
        _print_dmarc(advice)
    if summary.notes:
        print()
    for note in summary.notes:
        print(f"note: {printable(note)}")


def _print_tls_policy(policy) -> None:
    total = policy.successes + policy.failures
    print(f"\nTLS-RPT {policy.policy_type} {printable(policy.policy_domain)} "
          f"(mx {printable(', '.join(policy.mx) or '-')}): {total} sessions, {policy.failures} failed "
          f"({policy.failure_share:.1%}), {_count(policy.reports, 'report')}")
    quiet = [day for day in policy.days if not day.failures]
    for day in policy.days:
        if day.failures:
            print(f"  {day.day}  {day.successes} ok, {day.failures} failed")
    if quiet and policy.failures:
        print(f"  {len(quiet)} days without failures")
    for group in policy.failure_groups:
        print(f"  {group.result_type}: {group.sessions} sessions, {group.first_seen:%Y-%m-%d} to "
              f"{group.last_seen:%Y-%m-%d}, reported by {printable(', '.join(group.reporters))}"
              + (f"; MX {printable(', '.join(group.receiving_mx))}" if group.receiving_mx else ""))
        print(f"    cause: {printable(group.diagnosis.cause)}")
        for line in group.diagnosis.evidence:
            print(f"    now:   {printable(line)}")
        print(f"    fix:   {printable(group.diagnosis.fix)}")


def _print_dmarc(advice) -> None:
    policy = advice.policy
    share = advice.dmarc_pass / advice.messages if advice.messages else 0.0
    print(f"\nDMARC {printable(advice.domain)}: policy p={printable(policy.p or 'none')}"
          + (f" pct={policy.pct}" if policy.pct is not None else "")
          + (f" t={printable(policy.testing)}" if policy.testing else "")
          + f" as receivers last found it; {advice.messages} messages, {share:.0%} pass DMARC, "
          f"reports on {_count(advice.report_days, 'day')}")
    for position, step in enumerate(advice.steps):
        label = "next" if position == 0 else "then"
        print(f"  {label}: {step.change} -> {step.verdict.value}: {'; '.join(step.reasons)}")
    if not advice.steps:
        print("  at p=reject: the rollout is complete")
    for source in advice.sources[:SOURCES_SHOWN]:
        name = f" ({printable(source.ptr)})" if source.ptr else ""
        print(f"  {source.role.value:15} {source.source_ip}{name}: {source.messages} messages, "
              f"{source.failing} failing; aligned DKIM {source.dkim_aligned}, SPF {source.spf_aligned}")
        if source.role.value != "aligned":
            print(f"    {printable(source.fix)}")
    hidden = len(advice.sources) - SOURCES_SHOWN
    if hidden > 0:
        print(f"  ... and {hidden} more sources (--json lists them all)")


def _count(number: int, noun: str) -> str:
    """`1 report`, `2 reports`; `polic` becomes `policy` or `policies`."""
    if noun.endswith("c"):
        return f"{number} {noun}{'y' if number == 1 else 'ies'}"
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _resolver(nameservers: Sequence[str]):
    from mailsec.nameservers import parse_nameservers
    from mailsec.resolver import DnsResolver

    return DnsResolver(parse_nameservers(nameservers))


def _now() -> int:
    from mailsec import clock

    return int(clock.now().timestamp())
