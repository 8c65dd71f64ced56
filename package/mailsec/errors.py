"""Errors the owner can act on.

Every failure mailsec expects (a missing file, a corrupt certificate, a permission problem) is raised as a
`MailsecError` whose message says what failed, where, and what to do next. The CLI prints the message
and exits with `exit_code`; anything else escaping is a bug.
"""


class ExitCode:
    """Process exit codes shared by every command."""

    OK = 0
    ACTION_NEEDED = 1  # the check ran and found something the owner must fix
    CANNOT_RUN = 2  # mailsec could not do its own part


class MailsecError(Exception):
    """A failure with a message meant for the NAS owner."""

    exit_code = ExitCode.CANNOT_RUN


class NeedsRootError(MailsecError):
    """A file only root may read was asked for by an unprivileged user."""


class CertificateError(MailsecError):
    """A certificate file or key that cannot be used."""
