"""TLS-RPT and DMARC aggregate reports, and the spam-score explainer.

Data flows one way:

    files, mailbox (imap) -> containers (gzip, zip, mail parts) -> tlsrpt / dmarc (parse) -> store
    store -> tls_summary + tls_causes (with the deployment from lookups) -> summary
    store -> dmarc_sources -> rollout (with reverse names from lookups) -> summary

`ingest` imports files and messages; `summary.load_summary` is what the CLI and the app show.
`explain` reads a message's spam-status and Authentication-Results headers. This `__init__` imports
nothing, so that the CLI stays quick to start.
"""
