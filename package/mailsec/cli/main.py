"""`mailsec`: entry point, global options and dispatch to the command modules."""

import argparse
import importlib
import sys
from typing import List, Optional, Sequence

from mailsec import __version__
from mailsec.cli.common import printable
from mailsec.errors import ExitCode, MailsecError

# (command, module, summary). Only the module of the command being run is imported (see build_parser);
# it keeps heavy imports inside run() too, so a command starts as fast as what it uses allows.
COMMANDS = (
    ("tlsa", "mailsec.cli.tlsa", "DANE TLSA records for the MailPlus certificate"),
    ("policy", "mailsec.cli.policy", "render, check, match and publish the MTA-STS policy"),
    ("configure", "mailsec.cli.configure", "save the mail domain, MX hosts and policy settings"),
    ("check", "mailsec.cli.check", "audit a mail domain as sending servers see it"),
    ("reports", "mailsec.cli.reports", "import TLS-RPT and DMARC reports and see what they say"),
    ("explain-headers", "mailsec.cli.explain_headers", "explain a message's spam score and authentication results"),
    ("refresh", "mailsec.cli.refresh", "the scheduled job: keep TLSA records and the policy in sync (run as root)"),
)

DESCRIPTION = """\
DANE, MTA-STS and a mail-domain audit for Synology MailPlus Server.

Exit codes: 0 all well, 1 something needs the owner's attention, 2 mailsec could not do its part."""


def global_options(suppress_defaults: bool) -> argparse.ArgumentParser:
    """--root and --state-dir, accepted before or after the command name."""
    parent = argparse.ArgumentParser(add_help=False)
    default = argparse.SUPPRESS if suppress_defaults else None
    parent.add_argument(
        "--root", metavar="DIR", default=default,
        help="the NAS filesystem root (default: / or $MAILSEC_ROOT)",
    )
    parent.add_argument(
        "--state-dir", metavar="DIR", default=default,
        help="where settings and state are kept (default: $SYNOPKG_PKGVAR or <root>/var/packages/mailsec/var)",
    )
    return parent


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser, with the full arguments of the command named in `argv` and a summary of the others."""
    chosen = next((arg for arg in argv if arg in {name for name, _, _ in COMMANDS}), None)
    parser = argparse.ArgumentParser(
        prog="mailsec", description=DESCRIPTION, parents=[global_options(False)],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mailsec {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    shared = [global_options(True)]
    for name, module_name, summary in COMMANDS:
        if name == chosen:
            importlib.import_module(module_name).register(commands, name, summary, shared)
        else:
            commands.add_parser(name, help=summary)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    args = build_parser(arguments).parse_args(arguments)
    try:
        return int(args.run(args))
    except MailsecError as exc:
        sys.stderr.write(f"mailsec: error: {printable(str(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return ExitCode.OK
