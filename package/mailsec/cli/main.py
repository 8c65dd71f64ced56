"""`mailsec`: entry point, global options and dispatch to the command modules."""

import argparse
import importlib
import sys
from typing import List, Optional

from mailsec import __version__
from mailsec.cli.common import printable
from mailsec.errors import ExitCode, MailsecError

# (command, module, summary). Modules are imported to register their arguments; they keep heavy
# imports inside run(), so listing them here costs little.
COMMANDS = (
    ("tlsa", "mailsec.cli.tlsa", "DANE TLSA records for the MailPlus certificate"),
    ("policy", "mailsec.cli.policy", "render, check, match and publish the MTA-STS policy"),
    ("configure", "mailsec.cli.configure", "save the mail domain, MX hosts and policy settings"),
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailsec", description=DESCRIPTION, parents=[global_options(False)],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mailsec {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    shared = [global_options(True)]
    for name, module_name, summary in COMMANDS:
        module = importlib.import_module(module_name)
        module.register(commands, name, summary, shared)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except MailsecError as exc:
        sys.stderr.write(f"mailsec: error: {printable(str(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return ExitCode.OK
