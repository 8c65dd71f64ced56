"""`mailsec refresh`: the scheduled job (see mailsec.refresh.job), and the Task Scheduler task that runs it."""

import argparse
from dataclasses import asdict
from typing import List

from mailsec.cli.common import Context, add_json_flag, print_json, printable
from mailsec.errors import ExitCode

DESCRIPTION = """\
Find the MailPlus certificate, compute the TLSA records of every MX host, publish the MTA-STS policy when
the settings changed, compare with the last run and with DNS, record the result and tell the owner what
to do. Run it as root from Task Scheduler, daily and at boot (--show-task prints the task to create).

Exit codes: 0 in sync, 1 the owner must act (including DNS that could not be reached to confirm),
2 mailsec could not do its part (certificate store unreadable or corrupt, policy not writable)."""


def register(commands: argparse._SubParsersAction, name: str, summary: str, shared: List) -> None:
    parser = commands.add_parser(name, help=summary, description=DESCRIPTION, parents=shared,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show-task", action="store_true",
                        help="print the Task Scheduler task that runs this job, and do nothing else")
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
    outcome = _run_job(context)
    if args.json:
        print_json(_document(outcome))
    else:
        _print_human(outcome)
    return outcome.exit_code


def _run_job(context: Context):
    from mailsec import clock
    from mailsec.nameservers import parse_nameserver
    from mailsec.notify import DsmNotifier
    from mailsec.refresh.job import RefreshInputs, run_refresh
    from mailsec.resolver import DnsResolver
    from mailsec.settings import load_settings

    settings = load_settings(context.state_dir)
    inputs = RefreshInputs(context.layout, context.state_dir, settings,
                           context.web_root(None, settings.web_root), clock.now())
    resolver = DnsResolver([parse_nameserver(server) for server in settings.nameservers])
    return run_refresh(inputs, resolver, DsmNotifier(context.layout))


def _document(outcome) -> dict:
    from mailsec.refresh.alert import VERDICTS

    state, policy = outcome.state, outcome.policy
    return {
        "exit_code": outcome.exit_code,
        "verdict": VERDICTS[outcome.exit_code],
        "state_changed": outcome.state_changed,
        "certificate": asdict(state.certificate) if state.certificate else None,
        "records": [{**asdict(record), "zone_line": record.zone_line()} for record in state.records],
        "superseded": [{**asdict(record), "zone_line": record.zone_line()} for record in state.superseded],
        "policy": {"path": str(policy.path), "id": policy.policy.policy_id, "changed": policy.changed,
                   "txt": policy.txt_value} if policy else None,
        "findings": [finding.to_dict() for finding in state.findings],
    }


def _print_human(outcome) -> None:
    from mailsec.refresh.alert import VERDICTS

    print(f"mailsec refresh: {VERDICTS[outcome.exit_code]} (exit {outcome.exit_code})")
    if outcome.policy and outcome.policy.changed:
        print(f"This run published a changed policy: the _mta-sts TXT records must now say {outcome.policy.txt_value}")
    for finding in outcome.state.findings:
        print(f"[{finding.status.value.upper()}] {printable(finding.subject)}: {_indented(finding.message)}")
        if finding.fix:
            print(f"    fix: {_indented(finding.fix)}")


def _indented(text: str) -> str:
    """`text` made safe for a terminal, its later lines indented under the first."""
    return "\n         ".join(printable(line) for line in text.splitlines())
