"""`mailsec configure`: save the mail domain, its MX hosts, the policy mode and where things live."""

import argparse
from dataclasses import replace
from typing import List

from mailsec.cli.common import Context
from mailsec.errors import ExitCode, MailsecError
from mailsec.mtasts.policy import Mode
from mailsec.settings import (
    DEFAULT_MAX_AGE,
    DomainSettings,
    Settings,
    update_settings,
    validate_domain_settings,
    validate_nameservers,
)


def register(commands: argparse._SubParsersAction, name: str, summary: str, shared: List) -> None:
    parser = commands.add_parser(name, help=summary, description=summary, parents=shared)
    parser.add_argument("--domain", required=True, help="the mail domain (the part after @)")
    parser.add_argument("--mx", metavar="HOST", action="extend", nargs="+",
                        help="the MX host names exactly as the MX records give them")
    parser.add_argument("--mode", choices=[mode.value for mode in Mode], help="MTA-STS mode (default: testing)")
    parser.add_argument("--max-age", metavar="N", type=int,
                        help=f"policy max_age in seconds (default: {DEFAULT_MAX_AGE})")
    parser.add_argument("--dkim-selector", metavar="S", action="extend", nargs="+",
                        help="DKIM selectors MailPlus signs with (checked by the audit)")
    parser.add_argument("--web-root", metavar="DIR", help="Web Station's shared folder (default: /volume1/web)")
    parser.add_argument("--nameserver", metavar="IP[:PORT]", action="extend", nargs="+",
                        help="the resolver the audit and the scheduled job use (default: the system's)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    context = Context.from_args(args)

    def change(settings: Settings) -> Settings:
        existing = settings.domain(args.domain)
        if existing is None and not args.mx:
            raise MailsecError(f"{args.domain} is not configured yet: give its MX hosts with --mx.")
        base = existing or DomainSettings(domain=args.domain, mx=())
        entry = validate_domain_settings(DomainSettings(
            domain=args.domain,
            mx=tuple(args.mx) if args.mx else base.mx,
            mode=args.mode or base.mode,
            max_age=base.max_age if args.max_age is None else args.max_age,
            dkim_selectors=tuple(args.dkim_selector) if args.dkim_selector else base.dkim_selectors,
        ))
        updated = settings.with_domain(entry)
        if args.web_root is not None:
            updated = replace(updated, web_root=args.web_root)
        if args.nameserver:
            updated = replace(updated, nameservers=validate_nameservers(args.nameserver))
        return updated

    saved = update_settings(context.state_dir, change)
    entry = saved.domain(args.domain)
    assert entry is not None
    print(f"Saved settings for {entry.domain} in {context.state_dir}")
    print(f"  MX hosts   {', '.join(entry.mx)}")
    print(f"  policy     mode {entry.mode}, max_age {entry.max_age}")
    if entry.dkim_selectors:
        print(f"  DKIM       {', '.join(entry.dkim_selectors)}")
    print(f"  web root   {context.web_root(None, saved.web_root)}")
    print(f"  resolver   {', '.join(saved.nameservers) or 'the system resolver'}")
    print("Next: 'mailsec policy write' publishes the policy; 'mailsec tlsa' shows the DANE records.")
    return ExitCode.OK
