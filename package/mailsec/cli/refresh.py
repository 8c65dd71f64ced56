"""`mailsec refresh`: the scheduled job (see mailsec.refresh.job), and the Task Scheduler task that runs it."""

import argparse
from dataclasses import asdict
from typing import List

from mailsec.cli.common import Context, add_ca_bundle_option, add_json_flag, print_json, printable
from mailsec.errors import ExitCode

DESCRIPTION = """\
Find the MailPlus certificate, compute the TLSA records of every MX host, publish the MTA-STS policy when
the settings changed, compare with the last run and with DNS, record the result and tell the owner what
to do. Run it as root from Task Scheduler, daily and at boot (--show-task prints the task to create).

With publishing configured ('mailsec configure --publish ...') it also publishes the records in the zone
and rolls TLSA records over when the key changes: the new record next to the old one, the old one removed
once the new one has been on every authoritative server for two TTLs (or the configured hold). Without,
it prints the same plan as steps for the owner, each with the earliest time it is safe.
$MAILSEC_NOW (seconds since the epoch) replaces the current time in every time-based decision.

Exit codes: 0 in sync, 1 the owner must act (including DNS that could not be reached to confirm),
2 mailsec could not do its part (certificate store unreadable or corrupt, policy not writable)."""


def register(commands: argparse._SubParsersAction, name: str, summary: str, shared: List) -> None:
    parser = commands.add_parser(name, help=summary, description=DESCRIPTION, parents=shared,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show-task", action="store_true",
                        help="print the Task Scheduler task that runs this job, and do nothing else")
    parser.add_argument("--dry-run", action="store_true",
                        help="ask DNS and plan, print the planned DNS changes as zone lines, change nothing")
    add_ca_bundle_option(parser, "when fetching the policy as senders do")
    add_json_flag(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from mailsec.refresh.schedule import refresh_task

    context = Context.from_args(args)
    if args.show_task:
        task = refresh_task(context.layout)
        if args.json:
            print_json(task.to_dict())
        else:
            print(task.describe())
        return ExitCode.OK
    outcome = _run_job(context, args)
    if args.json:
        print_json(_document(outcome))
    else:
        _print_human(outcome)
    return outcome.exit_code


def _run_job(context: Context, args: argparse.Namespace):
    from mailsec import clock
    from mailsec.nameservers import parse_nameservers
    from mailsec.notify import DsmNotifier
    from mailsec.refresh.job import RefreshInputs, run_refresh
    from mailsec.resolver import DnsResolver
    from mailsec.settings import load_settings

    settings = load_settings(context.state_dir)
    inputs = RefreshInputs(context.layout, context.state_dir, settings, context.web_root(None, settings.web_root),
                           clock.now(), args.dry_run, args.ca_bundle)
    resolver = DnsResolver(parse_nameservers(settings.nameservers))
    return run_refresh(inputs, resolver, DsmNotifier(context.layout))


def _document(outcome) -> dict:
    from mailsec.refresh.alert import VERDICTS

    state, policy, publishing = outcome.state, outcome.policy, outcome.publishing
    return {
        "exit_code": outcome.exit_code,
        "verdict": VERDICTS[outcome.exit_code],
        "state_changed": outcome.state_changed,
        "dry_run": outcome.dry_run,
        "certificate": asdict(state.certificate) if state.certificate else None,
        "records": [{**asdict(record), "zone_line": record.zone_line()} for record in state.records],
        "rollover": {"automatic": publishing.rollover.automatic,
                     "hosts": [_host_document(host) for host in publishing.rollover.hosts],
                     "steps": _steps(outcome)},
        "changes": {"add": _lines(publishing.changes, "added_lines"),
                    "remove": _lines(publishing.changes, "removed_lines")},
        "policy": {"path": str(policy.path), "id": policy.policy.policy_id, "changed": policy.changed,
                   "txt": policy.txt_value} if policy else None,
        "findings": [finding.to_dict() for finding in state.findings],
    }


def _host_document(host) -> dict:
    return {"host": host.host, "phase": host.phase.value, "servers": host.servers, "unconfirmed": host.unconfirmed,
            "records": [{"zone_line": entry.record.zone_line(), "role": entry.role.value, "seen_on": entry.seen_on,
                         "visible_since": entry.visible_since.isoformat() if entry.visible_since else None}
                        for entry in host.records]}


def _steps(outcome) -> List[str]:
    from mailsec.refresh.rollover_report import describe_steps, owner_steps

    publishing = outcome.publishing
    steps = owner_steps(publishing.rollover.hosts, publishing.rules, outcome.inputs.now)
    return describe_steps(steps, publishing.rollover.automatic, publishing.rules)


def _lines(changes, kind: str) -> List[str]:
    return [line for change in changes for line in getattr(change, kind)()]


def _print_human(outcome) -> None:
    from mailsec.refresh.alert import VERDICTS

    if outcome.dry_run:
        _print_planned(outcome.publishing.changes)
    print(f"mailsec refresh: {VERDICTS[outcome.exit_code]} (exit {outcome.exit_code})")
    if outcome.policy and outcome.policy.changed and not outcome.dry_run:
        print(f"This run published a changed policy: the _mta-sts TXT records must now say {outcome.policy.txt_value}")
    for finding in outcome.state.findings:
        print(f"[{finding.status.value.upper()}] {printable(finding.subject)}: {_indented(finding.message)}")
        if finding.fix:
            print(f"    fix: {_indented(finding.fix)}")


def _indented(text: str) -> str:
    """`text` made safe for a terminal, its later lines indented under the first."""
    return "\n         ".join(printable(line) for line in text.splitlines())


def _print_planned(changes) -> None:
    """The DNS changes a dry run planned, as zone-file lines."""
    print("; mailsec refresh --dry-run: nothing was changed, in DNS or on the NAS")
    removed, added = _lines(changes, "removed_lines"), _lines(changes, "added_lines")
    if not removed and not added:
        print("; no DNS changes planned")
    for title, lines in (("remove", removed), ("add", added)):
        if lines:
            print(f"; {title}")
            print("\n".join(printable(line) for line in lines))
