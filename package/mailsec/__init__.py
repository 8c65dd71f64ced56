"""mailsec: DANE TLSA records, the MTA-STS policy and a mail-domain audit for Synology MailPlus Server."""

__version__ = "0.1.0"
