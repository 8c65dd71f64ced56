"""`mailsec tlsa`: the DANE TLSA records for the MailPlus certificate (or any certificate file)."""

import argparse
from pathlib import Path
from typing import List, Sequence, Tuple

from mailsec.cli.common import Context, add_json_flag, print_json, printable, warn
from mailsec.errors import ExitCode, MailsecError
from mailsec.names import host_name_problem, normalize_host
from mailsec.settings import load_settings


def register(commands: argparse._SubParsersAction, name: str, summary: str, shared: List) -> None:
    parser = commands.add_parser(
        name, help=summary, parents=shared,
        description="Compute TLSA records: 3 1 1 for the server key on each MX host and port, plus 2 1 1 for "
        "the issuing CA when the chain has it. Without --cert, the certificate MailPlus Server uses.",
    )
    parser.add_argument("--cert", metavar="FILE", help="a PEM or DER certificate or chain instead of DSM's")
    parser.add_argument("--host", metavar="NAME", action="extend", nargs="+", default=[],
                        help="MX host name (default: the configured MX hosts)")
    parser.add_argument("--port", metavar="N", type=int, action="extend", nargs="+", default=[],
                        help="TCP port (default: 25)")
    add_json_flag(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from mailsec import certs, clock, tlsa
    from mailsec.certstore import find_mail_certificate

    context = Context.from_args(args)
    ports = _ports(args.port)
    if args.cert:
        path, note = Path(args.cert), ""
    else:
        choice = find_mail_certificate(context.layout)
        path, note = choice.certificate.chain_file, choice.note
    chain = certs.load_chain_file(path)
    hosts, host_note = _hosts(args.host, context, certs.dns_names(chain.leaf))
    records = tlsa.default_records(chain, hosts, ports)
    summary = certs.summarize(chain.leaf)
    days_left = summary.days_left(clock.now())
    warnings = [f"{host} is not among the certificate's names, so MTA-STS senders will reject it"
                for host in hosts if not certs.covers_host(chain.leaf, host)] + _expiry_warnings(summary, days_left)
    notes = [text for text in (note, host_note) if text]
    if args.json:
        print_json(_document(path, summary, records, notes, warnings))
    else:
        _print_human(path, summary, days_left, records, notes)
    for message in warnings:
        warn(message)
    return ExitCode.OK


def _expiry_warnings(summary, days_left: int) -> List[str]:
    from mailsec.limits import CERT_EXPIRY_WARNING_DAYS

    if days_left < 0:
        return [f"the certificate expired on {summary.not_after:%Y-%m-%d}"]
    if days_left < CERT_EXPIRY_WARNING_DAYS:
        return [f"the certificate expires in {days_left} days ({summary.not_after:%Y-%m-%d})"]
    return []


def _document(path: Path, summary, records, notes: List[str], warnings: List[str]) -> dict:
    """The `mailsec tlsa --json` contract (DESIGN.md)."""
    return {
        "certificate": {
            "path": str(path),
            "subject": summary.subject,
            "sans": list(summary.sans),
            "not_after": summary.not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "key": summary.key,
        },
        "records": [
            {"name": r.name, "usage": r.usage, "selector": r.selector, "mtype": r.mtype, "data": r.data,
             "zone_line": r.zone_line()}
            for r in records
        ],
        "notes": notes,
        "warnings": warnings,
    }


def _ports(values: Sequence[int]) -> List[int]:
    from mailsec.tlsa import SMTP_PORT

    for port in values:
        if not 0 < port < 65536:
            raise MailsecError(f"--port {port}: a port is a number from 1 to 65535.")
    return list(dict.fromkeys(values)) or [SMTP_PORT]


def _hosts(given: Sequence[str], context: Context, cert_names: Sequence[str]) -> Tuple[List[str], str]:
    """The hosts to publish records for, and a note when they were not given explicitly."""
    for host in given:
        problem = host_name_problem(host)
        if problem:
            raise MailsecError(f"--host: {problem}.")
    if given:
        return list(dict.fromkeys(normalize_host(host) for host in given)), ""
    configured = [host for entry in load_settings(context.state_dir).domains for host in entry.mx]
    if configured:
        return list(dict.fromkeys(configured)), ""
    from_cert = [name for name in cert_names if not name.startswith("*.")]
    if not from_cert:
        raise MailsecError("no MX host is configured and the certificate names none; pass --host NAME.")
    return list(dict.fromkeys(normalize_host(n) for n in from_cert)), (
        "no MX hosts are configured, so records are shown for every name in the certificate; "
        "pass --host with your MX host names (or run 'mailsec configure')"
    )


def _print_human(path, summary, days_left, records, notes) -> None:
    print(f"Certificate  {path}")
    print(f"  subject    {printable(summary.subject)}")
    print(f"  names      {printable(', '.join(summary.sans) or '(none)')}")
    print(f"  expires    {summary.not_after:%Y-%m-%d} ({days_left} days)")
    print(f"  key        {summary.key}")
    for note in notes:
        print(f"  note       {printable(note)}")
    print()
    print("Publish these records in the DNSSEC-signed zone of each MX host:")
    for record in records:
        print(record.zone_line())
