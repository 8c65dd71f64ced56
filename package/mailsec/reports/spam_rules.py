"""One-line meanings of the spam rules owners meet most, for the spam-score explainer.

MailPlus Server reports Rspamd symbol names in `X-Synology-Spam-Status`; SpamAssassin names appear in
`X-Spam-Status` when mail passed another filter first. Rules not listed here are shown without a
meaning; families are recognised by their prefix. Positive weights push towards spam, negative ones
towards ham.
"""

from typing import Optional

RULE_MEANINGS = {
    # Authentication (Rspamd)
    "R_SPF_ALLOW": "SPF passed: the sending server is allowed by the envelope domain's SPF record",
    "R_SPF_FAIL": "SPF failed: the envelope domain's SPF record excludes the sending server",
    "R_SPF_SOFTFAIL": "SPF soft-failed (~all): the sending server is probably not allowed",
    "R_SPF_NEUTRAL": "SPF neutral (?all): the domain makes no claim about this server",
    "R_SPF_NA": "the envelope domain publishes no SPF record",
    "R_SPF_DNSFAIL": "the SPF record could not be fetched (DNS trouble)",
    "R_SPF_PERMFAIL": "the SPF record is broken (syntax, or too many lookups)",
    "R_DKIM_ALLOW": "a DKIM signature verified",
    "R_DKIM_REJECT": "a DKIM signature did not verify: the message changed, or the key does not match",
    "R_DKIM_NA": "the message carries no DKIM signature",
    "R_DKIM_TEMPFAIL": "the DKIM key could not be fetched (DNS trouble)",
    "DKIM_TRACE": "informational: which DKIM signatures were checked",
    "DMARC_POLICY_ALLOW": "DMARC passed: SPF or DKIM passed aligned with the From: domain",
    "DMARC_POLICY_REJECT": "DMARC failed and the From: domain asks for rejection (p=reject)",
    "DMARC_POLICY_QUARANTINE": "DMARC failed and the From: domain asks for quarantine (p=quarantine)",
    "DMARC_POLICY_SOFTFAIL": "DMARC failed, but the From: domain's policy is p=none",
    "DMARC_NA": "the From: domain publishes no DMARC record",
    "ARC_ALLOW": "a valid ARC chain vouches for authentication results before forwarding",
    "ARC_NA": "the message carries no ARC signatures",
    "WHITELIST_DMARC": "the From: domain is on the list of domains trusted when DMARC passes",
    "WHITELIST_SPF_DKIM": "the sender is on the list of domains trusted when SPF and DKIM both pass",
    # Reputation of the sending address
    "IP_SCORE": "reputation learned from earlier mail from this address, network and AS",
    "ASN": "informational: the autonomous system (network operator) of the sending address",
    "RCVD_IN_DNSWL_NONE": "DNSWL lists the sending address, with no trust level",
    "RCVD_IN_DNSWL_LOW": "DNSWL lists the sending address as low-trust legitimate",
    "RCVD_IN_DNSWL_MED": "DNSWL lists the sending address as medium-trust legitimate",
    "RCVD_IN_DNSWL_HI": "DNSWL lists the sending address as highly trusted legitimate",
    "RCVD_IN_BONDEDSENDER": "the sending address is on a certified bulk-sender list",
    "RCVD_IN_HABEAS": "the sending address is on the Habeas accredited-sender list",
    "RWL_MAILSPIKE_POSSIBLE": "Mailspike: the sending address may have a good reputation",
    "RBL_SPAMHAUS_ZEN": "Spamhaus ZEN lists the sending address (spam source, exploited or dynamic)",
    "RCVD_IN_SBL": "Spamhaus SBL lists the sending address as a spam source",
    "RCVD_IN_XBL": "Spamhaus XBL lists the sending address as an exploited machine",
    "RCVD_IN_PBL": "Spamhaus PBL lists the sending address as a dynamic (end-user) address",
    "RDNS_NONE": "the sending address has no reverse DNS name",
    "HFILTER_HOSTNAME_UNKNOWN": "the sending server's name could not be resolved",
    "MX_INVALID": "the envelope domain's MX hosts cannot receive mail",
    "MX_GOOD": "the envelope domain has working MX hosts",
    # Headers
    "FORGED_SENDER": "the envelope sender and the From: address differ",
    "FROM_NEQ_ENVFROM": "the From: address differs from the envelope sender (normal for lists and services)",
    "FROM_EQ_ENVFROM": "the From: address is the envelope sender",
    "FROM_HAS_DN": "From: has a display name",
    "TO_DN_ALL": "every To: recipient has a display name",
    "TO_DN_NONE": "no To: recipient has a display name",
    "TO_MATCH_ENVRCPT_ALL": "every envelope recipient appears in To: or Cc:",
    "RCPT_COUNT_ONE": "one recipient",
    "RCVD_COUNT_ZERO": "no Received: headers (the message was not relayed)",
    "NO_RECEIVED": "no Received: headers",
    "ONCE_RECEIVED": "one Received: header",
    "RCVD_TLS_ALL": "every hop that left a Received: header used TLS",
    "RCVD_TLS_LAST": "the last hop used TLS",
    "RCVD_NO_TLS_LAST": "the last hop did not use TLS",
    "HAS_LIST_UNSUB": "a List-Unsubscribe header: bulk mail that can be unsubscribed from",
    "PREVIOUSLY_DELIVERED": "the recipient was already named in a Delivered-To header",
    "MISSING_MID": "no Message-ID header",
    "MISSING_DATE": "no Date header",
    "FREEMAIL_FROM": "the From: address is at a free mail provider",
    "SUBJ_ALL_CAPS": "the subject is written in capitals",
    # Content
    "MIME_GOOD": "a well-formed MIME structure",
    "MIME_TRACE": "informational: the MIME structure",
    "HTML_MESSAGE": "the message has an HTML part",
    "MIME_HTML_ONLY": "HTML without a plain-text alternative",
    "ZERO_FONT": "HTML text in a zero-size font: hidden text",
    "MANY_INVISIBLE_PARTS": "many HTML parts that the reader cannot see",
    "HTML_SHORT_LINK_IMG_1": "short HTML with a linked image",
    "R_PARTS_DIFFER": "the HTML and plain-text parts say different things",
    "BAYES_SPAM": "the Bayes classifier, trained on this server's mail, calls it spam",
    "BAYES_HAM": "the Bayes classifier, trained on this server's mail, calls it ham",
    "FUZZY_DENIED": "the body matches a fuzzy hash of known spam",
    "URIBL_BLACK": "a link points at a domain on the URIBL black list",
    "URIBL_DBL_SPAM": "a link points at a domain that Spamhaus DBL lists as spam",
    "URIBL_BLOCKED": "the URIBL lookup was refused (the resolver is blocked); no effect on the score",
    # SpamAssassin
    "SPF_PASS": "SPF passed",
    "SPF_FAIL": "SPF failed",
    "SPF_SOFTFAIL": "SPF soft-failed (~all)",
    "SPF_HELO_NONE": "the HELO name publishes no SPF record",
    "SPF_NONE": "the envelope domain publishes no SPF record",
    "DKIM_SIGNED": "the message carries a DKIM signature (not yet checked)",
    "DKIM_VALID": "a DKIM signature verified",
    "DKIM_VALID_AU": "a DKIM signature of the From: domain verified",
    "DKIM_VALID_EF": "a DKIM signature of the envelope domain verified",
    "DKIM_INVALID": "a DKIM signature did not verify",
    "DMARC_PASS": "DMARC passed",
    "DMARC_REJECT": "DMARC failed and the From: domain asks for rejection",
    "DMARC_QUAR": "DMARC failed and the From: domain asks for quarantine",
    "DMARC_NONE": "DMARC failed, but the From: domain's policy is p=none",
    "DMARC_MISSING": "the From: domain publishes no DMARC record",
    "ALL_TRUSTED": "every relay was a trusted one",
    "NO_RELAYS": "no relays other than this server",
}

# Families, by name prefix; longer prefixes are tried first.
RULE_FAMILIES = {
    "__": "a helper test that only feeds other rules; no weight of its own",
    "T_": "a rule under test, weighted low while it is evaluated",
    "BAYES_": "the Bayes classifier's spam probability in percent (BAYES_00 ham ... BAYES_99 spam)",
    "DSR_": "a rule from the Dutch SpamAssassin Rules (DSR) set",
    "KAM_": "a rule from the KAM set (McGrail Foundation)",
    "HFILTER_": "a host-name check of the sending server (HELO, reverse DNS)",
    "RCVD_IN_MSPIKE_": "the Mailspike reputation list rates the sending address",
    "WL_MAILSPIKE_": "the Mailspike reputation list rates the sending address as good",
    "RBL_": "a DNS block list lists the sending address",
    "URIBL_": "a link points at a domain on a URI block list",
    "DATE_IN_FUTURE": "the Date header lies in the future",
    "DATE_IN_PAST": "the Date header lies in the past",
}


def rule_meaning(name: str) -> Optional[str]:
    """The one-line meaning of a rule, by name or by family, or None when mailsec does not know it."""
    if name in RULE_MEANINGS:
        return RULE_MEANINGS[name]
    for prefix in sorted(RULE_FAMILIES, key=len, reverse=True):
        if name.startswith(prefix):
            return RULE_FAMILIES[prefix]
    return None
