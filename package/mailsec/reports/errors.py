"""Why a report was refused."""

from mailsec.errors import ExitCode, MailsecError


class ReportError(MailsecError):
    """A report that is malformed, too large or unsafe; the message says which and where.

    One refused report does not stop an import: the importer records the reason and goes on.
    """

    exit_code = ExitCode.ACTION_NEEDED
