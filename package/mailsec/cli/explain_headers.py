"""`mailsec explain-headers FILE`: the spam score and authentication results of one message, explained."""

import argparse
import sys
from typing import List

from mailsec.cli.common import add_json_flag, print_json, printable
from mailsec.errors import ExitCode, MailsecError


def register(commands: argparse._SubParsersAction, name: str, summary: str, shared: List) -> None:
    parser = commands.add_parser(
        name, help=summary, parents=shared,
        description="Explain X-Synology-Spam-Status (MailPlus Server), X-Spam-Status (SpamAssassin) and "
        "Authentication-Results: the score against the threshold, the rules by contribution, what SPF, DKIM "
        "and DMARC concluded. FILE is a message or just its headers; - reads standard input.")
    parser.add_argument("file", metavar="FILE", help="a mail message or its header block, or - for standard input")
    add_json_flag(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from mailsec.reports.explain import explain_headers, read_header_block

    source = "standard input" if args.file == "-" else args.file
    try:
        handle = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise MailsecError(f"cannot read {args.file}: {exc.strerror}.") from None
    try:
        block = read_header_block(handle, source)
    except OSError as exc:
        raise MailsecError(f"cannot read {source}: {exc.strerror}.") from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    explanation = explain_headers(block, source)
    if args.json:
        print_json(_document(explanation))
    else:
        _print(explanation)
    return ExitCode.OK


def _document(explanation) -> dict:
    return {
        "subject": explanation.subject,
        "from": explanation.sender,
        "spam": [{
            "header": verdict.header, "score": verdict.score, "required": verdict.required,
            "is_spam": verdict.is_spam, "margin": round(verdict.margin, 6), "autolearn": verdict.autolearn,
            "unexplained": verdict.unexplained,
            "rules": [{"name": rule.name, "weight": rule.weight, "meaning": rule.meaning} for rule in verdict.rules],
        } for verdict in explanation.spam],
        "authentication": [{
            "authserv_id": header.authserv_id,
            "results": [{"method": result.method, "result": result.result, "domain": result.domain,
                         "reason": result.reason, "meaning": result.meaning,
                         "properties": dict(result.properties)} for result in header.results],
        } for header in explanation.authentication],
        "problems": list(explanation.problems),
    }


def _print(explanation) -> None:
    if explanation.sender or explanation.subject:
        print(f"From: {printable(explanation.sender)}  Subject: {printable(explanation.subject)}")
    for verdict in explanation.spam:
        _print_verdict(verdict)
    for header in explanation.authentication:
        print(f"\nAuthentication-Results by {printable(header.authserv_id or 'an unnamed server')}:")
        if not header.results:
            print("  no checks recorded")
        for result in header.results:
            print(f"  {result.method}={printable(result.result):10} {printable(result.meaning)}")
            if result.reason:
                print(f"  {'':15}reason: {printable(result.reason)}")
    for problem in explanation.problems:
        print(f"\nunreadable: {printable(problem)}")


def _print_verdict(verdict) -> None:
    standing = "spam" if verdict.is_spam else "not spam"
    distance = f"{abs(verdict.margin):.2f} {'below' if verdict.margin > 0 else 'above'} the threshold"
    learned = f"; autolearn={printable(verdict.autolearn)}" if verdict.autolearn else ""
    print(f"\n{verdict.header}: score {verdict.score:.2f}, threshold {verdict.required:g}: {standing}, "
          f"{distance}{learned}")
    print("  Lower is more trustworthy. Rules, largest contribution first:")
    silent = [rule.name for rule in verdict.rules if rule.weight == 0]
    for rule in verdict.rules:
        if rule.weight == 0:
            continue
        weight = "       ?" if rule.weight is None else f"{rule.weight:+8.3f}"
        print(f"  {weight}  {printable(rule.name):24} {printable(rule.meaning)}")
    if silent:
        print(f"  {len(silent)} rules matched without weight: {printable(', '.join(silent))}")
    if verdict.unexplained:
        print(f"  {verdict.unexplained:+8.3f}  (not accounted for by the listed rules)")
