"""`mailsec policy render|check|match|write`: the MTA-STS policy file."""

import argparse
import sys
from pathlib import Path
from typing import List

from mailsec.cli.common import Context, add_json_flag, print_json, printable, warn
from mailsec.errors import ExitCode, MailsecError
from mailsec.mtasts.matching import mx_matches
from mailsec.mtasts.policy import DEFAULT_MAX_AGE, InvalidPolicyError, Mode, PolicyParse, build_policy, parse_policy


def register(commands: argparse._SubParsersAction, name: str, summary: str, shared: List) -> None:
    parser = commands.add_parser(name, help=summary, description=summary, parents=shared)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    render = actions.add_parser("render", parents=shared, help="print a policy (CRLF line ends)",
                                description="Print the policy for the given MX hosts, mode and max_age.")
    render.add_argument("--mx", metavar="HOST", action="extend", nargs="+", default=[], help="MX host or *.pattern")
    render.add_argument("--mode", choices=[mode.value for mode in Mode], default=Mode.TESTING.value)
    render.add_argument("--max-age", metavar="N", type=int, default=DEFAULT_MAX_AGE, help="seconds senders cache it")
    render.set_defaults(run=run_render)

    check = actions.add_parser("check", parents=shared, help="validate a policy file strictly (RFC 8461)",
                               description="Validate a policy file. Exit 0 valid, 1 invalid, 2 unreadable.")
    check.add_argument("file", metavar="FILE", help="the policy file, or - for standard input")
    add_json_flag(check)
    check.set_defaults(run=run_check)

    match = actions.add_parser("match", parents=shared, help="does an MX host match the policy's mx patterns?",
                               description="Exit 0 when HOST matches an mx pattern of FILE (RFC 8461 §4.1), else 1.")
    match.add_argument("file", metavar="FILE", help="the policy file, or - for standard input")
    match.add_argument("host", metavar="HOST", help="the MX host name exactly as the MX record gives it")
    match.set_defaults(run=run_match)

    write = actions.add_parser("write", parents=shared, help="publish the configured policy into Web Station",
                               description="Write <web root>/mta-sts/.well-known/mta-sts.txt atomically from the "
                               "settings and print the _mta-sts TXT record to publish.")
    write.add_argument("--web-root", metavar="DIR", help="Web Station's shared folder (default: the saved one)")
    add_json_flag(write)
    write.set_defaults(run=run_write)


def run_render(args: argparse.Namespace) -> int:
    try:
        policy = build_policy(args.mode, args.mx, args.max_age)
    except InvalidPolicyError as exc:
        raise MailsecError(f"cannot render this policy: {exc}") from None
    sys.stdout.write(policy.render())
    return ExitCode.OK


def run_check(args: argparse.Namespace) -> int:
    parsed = parse_policy(_read(args.file))
    if args.json:
        print_json(_parse_document(parsed))
    else:
        _print_parse(parsed)
    return ExitCode.OK if parsed.valid else ExitCode.ACTION_NEEDED


def run_match(args: argparse.Namespace) -> int:
    parsed = parse_policy(_read(args.file))
    if not parsed.valid:
        warn("the policy is invalid, so senders ignore it: " + "; ".join(map(str, parsed.errors)))
    matched = [pattern for pattern in parsed.fields.mx if mx_matches(pattern, args.host)]
    if matched:
        print(f"{printable(args.host)} matches mx: {printable(matched[0])}")
        return ExitCode.OK
    patterns = ", ".join(parsed.fields.mx) or "none"
    print(f"{printable(args.host)} matches no mx pattern (patterns: {printable(patterns)})")
    return ExitCode.ACTION_NEEDED


def run_write(args: argparse.Namespace) -> int:
    from mailsec.mtasts.publish import publish_policy, shared_policy
    from mailsec.settings import load_settings

    context = Context.from_args(args)
    settings = load_settings(context.state_dir)
    policy = shared_policy(settings)
    published = publish_policy(context.web_root(args.web_root, settings.web_root), policy)
    records = [{"name": f"_mta-sts.{entry.domain}.", "type": "TXT", "value": published.txt_value}
               for entry in settings.domains]
    if args.json:
        print_json({
            "path": str(published.path),
            "changed": published.changed,
            "id": published.policy.policy_id,
            "policy": published.policy.render(),
            "records": records,
        })
        return ExitCode.OK
    state = "written to" if published.changed else "unchanged at"
    print(f"Policy {state} {published.path}")
    print("Publish this TXT record once https://mta-sts.<domain>/.well-known/mta-sts.txt serves the new file:")
    for record in records:
        print(f'{record["name"]} IN TXT "{record["value"]}"')
    return ExitCode.OK


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise MailsecError(f"cannot read {name}: {exc.strerror}.") from None


def _parse_document(parsed: PolicyParse) -> dict:
    fields = parsed.fields
    return {
        "valid": parsed.valid,
        "errors": [str(issue) for issue in parsed.errors],
        "warnings": [str(issue) for issue in parsed.warnings],
        "policy": {"version": fields.version, "mode": fields.mode, "mx": list(fields.mx), "max_age": fields.max_age},
    }


def _print_parse(parsed: PolicyParse) -> None:
    print("The policy is valid." if parsed.valid else "The policy is INVALID; senders will ignore it.")
    for issue in parsed.errors:
        print(f"error: {printable(str(issue))}")
    for issue in parsed.warnings:
        print(f"warning: {printable(str(issue))}")
