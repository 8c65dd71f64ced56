"""The bounds every report passes through, in one place.

Reports arrive from strangers: any receiver on the internet may mail one to the `rua` address. Each
limit below caps what one hostile or broken report can cost the NAS (memory, disk, time). They are
mailsec's own choices, sized well above what real reporters send: Google's and Microsoft's daily DMARC
reports for a small domain are a few kilobytes, and RFC 8460 §5.2 mentions 10 MB as a usual mail limit.
"""

KIB = 1024
MIB = 1024 * KIB

# Containers (gzip, zip) and mail
MAX_INPUT_BYTES = 25 * MIB  # a file or a mail message as read, before decompression
MAX_DECOMPRESSED_BYTES = 32 * MIB  # one report after all decompression; never the declared size
MAX_CONTAINER_DEPTH = 3  # gzip in zip in gzip is the deepest wrapping accepted ("compressed twice" and one more)
MAX_ZIP_MEMBERS = 32  # members of one zip archive
MAX_MAIL_PARTS = 64  # MIME parts of one message that are looked at
READ_CHUNK = 64 * KIB  # how much is read, decompressed or parsed at a time

# Report content
MAX_TEXT_CHARS = 2048  # one string field (organization, report id, host name, URI)
MAX_TLS_POLICIES = 1000  # policies in one TLS-RPT report
MAX_TLS_FAILURE_DETAILS = 10000  # failure-details over all policies of one TLS-RPT report
MAX_POLICY_STRINGS = 100  # lines of `policy-string`, or entries of `mx-host`, in one policy
MAX_DMARC_RECORDS = 100000  # <record> elements in one aggregate report
MAX_AUTH_RESULTS = 32  # <dkim>/<spf> results, or <reason>s, in one <record>
MAX_XML_DEPTH = 12  # the DMARC schema nests six deep
MAX_COUNT = 10 ** 12  # a message or session count; more is a broken or hostile report

# IMAP
MAX_MESSAGES_PER_FETCH = 500  # one `reports fetch` run; the rest waits for the next run
IMAP_TIMEOUT_SECONDS = 30.0

# Spam header explainer
MAX_HEADER_BYTES = 1 * MIB  # the header block of a message (the body is never read)
