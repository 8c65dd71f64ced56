"""Limits fixed by the RFCs, in one place so that parsers, checks and the UI agree."""

# RFC 8461 (MTA-STS)
STS_POLICY_MAX_BYTES = 64 * 1024  # §3.3: senders may cap the body at 64 KiB
STS_MAX_AGE_MAX = 31557600  # §3.2: about one year
STS_ID_MAX_LEN = 32  # §3.1: 1*32(ALPHA / DIGIT)
STS_EXT_NAME_MAX_LEN = 32  # §3.2: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
STS_FETCH_TIMEOUT_SECONDS = 60  # §3.3: suggested fetch timeout

# RFC 1035 §2.3.4 / RFC 5321 §4.5.3.1.2
DNS_LABEL_MAX_LEN = 63
DNS_NAME_MAX_LEN = 253  # text form, without the trailing dot

# RFC 7208 §4.6.4 (SPF)
SPF_DNS_LOOKUP_LIMIT = 10
SPF_VOID_LOOKUP_LIMIT = 2

# RFC 8301 §3.2 (DKIM key sizes)
DKIM_RSA_MIN_BITS = 1024
DKIM_RSA_RECOMMENDED_BITS = 2048

# Certificate expiry warning (mailsec's own choice: DSM renews Let's Encrypt about 30 days ahead)
CERT_EXPIRY_WARNING_DAYS = 21

# DANE rollover (RFC 7671 §8.1): keep the old record at least two TTLs after the new one is visible
TLSA_ROLLOVER_TTL_FACTOR = 2

# More protocol limits used by the record parsers
TXT_STRING_MAX_OCTETS = 255  # RFC 1035 §3.3: a character-string is a length octet and its data
SPF_SIZE_GUIDELINE_OCTETS = 450  # RFC 7208 §3.4: DNS name plus all TXT records of the name, to fit a 512-octet answer
SPF_MX_NAME_LIMIT = 10  # RFC 7208 §4.6.4: an `mx` may not need more than 10 address lookups
SPF_PTR_NAME_LIMIT = 10  # RFC 7208 §4.6.4: only the first 10 PTR names are used
DKIM_RSA_MAX_VERIFIED_BITS = 4096  # RFC 8301 §3.2: verifiers MUST handle 1024-4096 bits
DMARC_TREE_WALK_MAX_QUERIES = 8  # RFC 9989 §4.10: at most 8 queries per tree walk
