"""`mailsec configure`: save the mail domain, its MX hosts, the policy mode, where things live, and how
DNS records are published.

Publishing secrets never pass the command line (which any user can read in the process list): the TSIG
key comes from its key file, an API token from a file or standard input, and both are kept in the state
folder with mode 0600 (`mailsec.publish.secretstore`). After publishing settings change, the connection
is tested, which changes nothing in the zone.
"""

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import List, Optional

from mailsec.cli.common import Context, printable
from mailsec.errors import ExitCode, MailsecError
from mailsec.mtasts.policy import Mode
from mailsec.settings import (
    DEFAULT_MAX_AGE,
    DomainSettings,
    PublishingSettings,
    PublishMethod,
    Settings,
    update_settings,
    validate_domain_settings,
    validate_nameservers,
    validate_publishing,
)

PUBLISHING_OPTIONS = ("publish", "zone", "dns_server", "tsig_keyfile", "api_token_file", "api_url", "record_ttl",
                      "rollover_hold")
MAX_TOKEN_BYTES = 4096


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
    parser.add_argument("--tls-rpt", metavar="URI", action="extend", nargs="+",
                        help="where TLS reports go (mailto: or https:); published as the _smtp._tls record")
    parser.add_argument("--web-root", metavar="DIR", help="Web Station's shared folder (default: /volume1/web)")
    parser.add_argument("--nameserver", metavar="IP[:PORT]", action="extend", nargs="+",
                        help="the resolver the audit and the scheduled job use (default: the system's)")
    _register_publishing(parser.add_argument_group("DNS publishing (the scheduled job publishes and rolls over)"))
    parser.set_defaults(run=run)


def _register_publishing(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--publish", choices=[method.value for method in PublishMethod],
                       help="how records are published: rfc2136 (dynamic updates), cloudflare, or none (by hand)")
    group.add_argument("--zone", metavar="ZONE", help="the DNS zone the records go in")
    group.add_argument("--dns-server", metavar="IP[:PORT]", help="rfc2136: the zone's primary server")
    group.add_argument("--tsig-keyfile", metavar="FILE", help="rfc2136: the key file tsig-keygen wrote")
    group.add_argument("--api-token-file", metavar="FILE",
                       help="cloudflare: a file holding the API token (Zone > DNS > Edit); '-' reads standard input")
    group.add_argument("--api-url", metavar="URL", help="cloudflare: another API base URL (a stand-in for tests)")
    group.add_argument("--record-ttl", metavar="N", type=int, help="TTL of the records mailsec adds (default 3600)")
    group.add_argument("--rollover-hold", metavar="SECONDS", type=int,
                       help="keep old TLSA records at least this long once the new ones are on every name server "
                            "(default: two TTLs)")


def run(args: argparse.Namespace) -> int:
    from mailsec.publish.secretstore import load_secrets, save_secrets

    context = Context.from_args(args)
    publishing_given = any(getattr(args, option) is not None for option in PUBLISHING_OPTIONS)
    key = _key_file(args.tsig_keyfile)
    token = _token(args.api_token_file)

    def change(settings: Settings) -> Settings:
        updated = _with_domain(settings, args)
        if args.web_root is not None:
            updated = replace(updated, web_root=args.web_root)
        if args.nameserver:
            updated = replace(updated, nameservers=validate_nameservers(args.nameserver))
        if publishing_given:
            updated = replace(updated, publishing=_publishing(updated.publishing, args))
            stored = load_secrets(context.state_dir)
            save_secrets(context.state_dir, _secrets_for(updated.publishing, stored, key, token))
        return updated

    saved = update_settings(context.state_dir, change)
    _print_saved(context, saved, args.domain)
    if publishing_given and saved.publishing.automatic:
        return _test_connection(context, saved)
    return ExitCode.OK


def _with_domain(settings: Settings, args: argparse.Namespace) -> Settings:
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
        tls_rpt=tuple(args.tls_rpt) if args.tls_rpt else base.tls_rpt,
    ))
    return settings.with_domain(entry)


def _publishing(current: PublishingSettings, args: argparse.Namespace) -> PublishingSettings:
    method = args.publish or current.method
    switched = method != current.method
    return validate_publishing(PublishingSettings(
        method=method,
        zone=_chosen(args.zone, current.zone, switched),
        dns_server=_chosen(args.dns_server, current.dns_server, switched),
        api_url=_chosen(args.api_url, current.api_url, switched),
        ttl=current.ttl if args.record_ttl is None else args.record_ttl,
        hold=current.hold if args.rollover_hold is None else args.rollover_hold,
    ))


def _chosen(given: Optional[str], saved: str, switched: bool) -> str:
    """The value given now; else the saved one, unless the method changed (it belonged to the other)."""
    if given is not None:
        return given
    return "" if switched else saved


def _secrets_for(publishing: PublishingSettings, stored, key, token: str):
    """The secrets the method needs, the new ones given now or the stored ones; nothing else is kept."""
    from mailsec.publish.secretstore import PublishingSecrets

    if publishing.method == PublishMethod.RFC2136.value:
        tsig = key or stored.tsig
        if tsig is None:
            raise MailsecError("RFC 2136 publishing needs the TSIG key that may update the zone: give its key file "
                               "with --tsig-keyfile FILE (as tsig-keygen writes it).")
        return PublishingSecrets(tsig=tsig)
    if publishing.method == PublishMethod.CLOUDFLARE.value:
        api_token = token or stored.api_token
        if not api_token:
            raise MailsecError("Cloudflare publishing needs an API token with Zone > DNS > Edit for the zone: give "
                               "it with --api-token-file FILE (or '-' to read standard input).")
        return PublishingSecrets(api_token=api_token)
    return PublishingSecrets()


def _key_file(path: Optional[str]):
    if path is None:
        return None
    from mailsec.publish.tsigkey import read_key_file

    return read_key_file(Path(path))


def _token(source: Optional[str]) -> str:
    """The API token from a file or standard input; refused with a sentence that never repeats it."""
    if source is None:
        return ""
    where = "standard input" if source == "-" else source
    try:
        data = sys.stdin.buffer.read(MAX_TOKEN_BYTES + 1) if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise MailsecError(f"cannot read the API token from {where}: {exc.strerror}.") from None
    token = data.decode("ascii", "replace").strip()
    if not token or len(data) > MAX_TOKEN_BYTES or not all(33 <= ord(ch) < 127 for ch in token):
        raise MailsecError(f"{where} does not hold an API token: give a file with the token alone on one line.")
    return token


def _print_saved(context: Context, saved: Settings, domain: str) -> None:
    entry = saved.domain(domain)
    assert entry is not None
    print(f"Saved settings for {entry.domain} in {context.state_dir}")
    print(f"  MX hosts   {', '.join(entry.mx)}")
    print(f"  policy     mode {entry.mode}, max_age {entry.max_age}")
    if entry.dkim_selectors:
        print(f"  DKIM       {', '.join(entry.dkim_selectors)}")
    if entry.tls_rpt:
        print(f"  TLS-RPT    {printable(entry.tls_rpt_value())}")
    print(f"  web root   {context.web_root(None, saved.web_root)}")
    print(f"  resolver   {', '.join(saved.nameservers) or 'the system resolver'}")
    print(f"  publishing {_publishing_text(saved.publishing)}")
    print("Next: 'mailsec policy write' publishes the policy; 'mailsec tlsa' shows the DANE records.")


def _publishing_text(publishing: PublishingSettings) -> str:
    if not publishing.automatic:
        return "none: you publish the records; 'mailsec refresh' prints the steps"
    where = publishing.dns_server if publishing.method == PublishMethod.RFC2136.value else (
        publishing.api_url or "the Cloudflare API")
    hold = f"{publishing.hold} s" if publishing.hold else "two TTLs"
    return (f"{publishing.method} to {where}, zone {publishing.zone}, TTL {publishing.ttl}, old TLSA records kept "
            f"{hold} after the new ones are everywhere")


def _test_connection(context: Context, saved: Settings) -> int:
    """Prove the saved publishing settings work, changing nothing; exit 1 (settings kept) when they do not."""
    from mailsec.publish.providers import saved_publisher

    try:
        publisher = saved_publisher(saved.publishing, context.state_dir)
        assert publisher is not None
        print(f"Test connection: {publisher.check()}")
    except MailsecError as exc:
        print(f"Test connection failed: {printable(str(exc))}")
        return ExitCode.ACTION_NEEDED
    return ExitCode.OK
