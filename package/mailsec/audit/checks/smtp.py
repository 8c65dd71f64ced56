"""`smtp.starttls` and `smtp.banner`: what a sending server meets on port 25 of each MX address."""

from typing import List, Optional

from mailsec.audit.checks.common import passed
from mailsec.audit.checks.ptr import ptr_names
from mailsec.audit.facts import DomainFacts
from mailsec.findings import Finding, Status
from mailsec.names import host_name_problem, normalize_host
from mailsec.probe.smtp import SmtpSession, Stage
from mailsec.probe.tlstrust import TrustProblem

STARTTLS, BANNER = "smtp.starttls", "smtp.banner"
ENABLE_TLS = ("In MailPlus Server > Mail Delivery, turn on SMTP with TLS (STARTTLS) for port 25 and assign "
              "a certificate for the MX host name in Control Panel > Security > Certificate.")


def check(facts: DomainFacts) -> List[Finding]:
    sessions = facts.for_each_endpoint(facts.smtp)
    findings = [_starttls(session) for session in sessions]
    findings += [finding for session in sessions for finding in [_banner(facts, session)] if finding]
    return findings


def subject_of(session: SmtpSession) -> str:
    return f"{session.host} ({session.address})"


def _starttls(session: SmtpSession) -> Finding:
    subject = subject_of(session)
    if session.reached == Stage.NOTHING:
        return Finding(STARTTLS, Status.ERROR, subject,
                       f"could not connect to port 25: {session.error}. From the NAS itself this can also mean "
                       "that the internet provider blocks outgoing port 25 or the router lacks NAT loopback",
                       "Check that port 25 is forwarded to the NAS and reachable from the internet.")
    if session.timed_out:
        return Finding(STARTTLS, Status.ERROR, subject,
                       f"port 25 accepted the connection, then the server went quiet ({_after(session)})",
                       "Check that port 25 is forwarded to MailPlus Server and that its SMTP service runs; see its "
                       "logs.")
    if session.reached < Stage.EHLO:
        return Finding(STARTTLS, Status.FAIL, subject, f"the SMTP dialogue failed: {session.error}",
                       "Check MailPlus Server's SMTP service and its logs.")
    if not session.starttls_offered:
        return Finding(STARTTLS, Status.FAIL, subject,
                       "the server does not offer STARTTLS, so mail to it travels unencrypted", ENABLE_TLS)
    if session.reached == Stage.EHLO or session.leaf is None:
        return Finding(STARTTLS, Status.FAIL, subject, f"STARTTLS is offered but fails: {session.error}",
                       "Allow TLS 1.2 and 1.3 for the mail services (DSM Control Panel > Security > Advanced > "
                       "TLS / SSL Profile Level) and check the certificate assigned to MailPlus Server; its log "
                       "names the handshake error.")
    if not session.completed:
        return Finding(STARTTLS, Status.FAIL, subject, f"the session fails after STARTTLS: {session.error}",
                       "Check MailPlus Server's SMTP service and its logs.")
    trust = session.trust
    if trust is not None and not trust.valid:
        return Finding(STARTTLS, Status.WARN, subject,
                       f"STARTTLS works ({session.tls_version}), but {trust.describe(session.host)}; "
                       "MTA-STS senders in enforce mode will refuse this host", certificate_fix(session))
    return passed(STARTTLS, subject, f"STARTTLS works ({session.tls_version}) with a certificate valid for "
                                     f"{session.host}")


def certificate_fix(session: SmtpSession) -> str:
    """What to do about a certificate that fails the WebPKI check, by what is wrong with it."""
    problem = session.trust.problem if session.trust else None
    if problem == TrustProblem.NAME_MISMATCH:
        return (f"Give MailPlus Server a certificate whose names include {session.host} (Control Panel > Security > "
                "Certificate > Settings), or point the MX record at a name the certificate has.")
    if problem == TrustProblem.UNTRUSTED:
        return ("Serve the intermediate certificate with it (DSM serves fullchain.pem when the certificate was "
                "imported with its intermediate), and use a certificate from a public CA, e.g. DSM's Let's "
                "Encrypt certificate, not a self-signed one.")
    if problem in (TrustProblem.EXPIRED, TrustProblem.NOT_YET_VALID):
        return (f"Renew the certificate for {session.host} (Control Panel > Security > Certificate) and restart "
                "MailPlus Server so that it serves the new one.")
    return f"Use a certificate from a public CA that names {session.host}, with its intermediate, for MailPlus Server."


def _after(session: SmtpSession) -> str:
    waiting = {Stage.CONNECT: "no greeting", Stage.BANNER: "no answer to EHLO", Stage.EHLO: "no answer to STARTTLS",
               Stage.STARTTLS: "the TLS handshake did not finish", Stage.HANDSHAKE: "no answer to EHLO after TLS"}
    return f"{waiting.get(session.reached, 'no answer')}: {session.error}"


def _banner(facts: DomainFacts, session: SmtpSession) -> Optional[Finding]:
    if not session.banner:
        return None
    subject = subject_of(session)
    announced = normalize_host(session.banner.split()[0]) if session.banner.split() else ""
    fix = (f"Set MailPlus Server > Mail Delivery > SMTP hostname (FQDN) and banner to the address's PTR name, "
           f"and use that same name as the MX host ({session.host}).")
    if host_name_problem(announced):
        return Finding(BANNER, Status.WARN, subject,
                       f"the banner does not start with a fully qualified host name: {session.banner!r}", fix)
    reverse = ptr_names(facts, session.address)
    if reverse and announced not in reverse:
        return Finding(BANNER, Status.WARN, subject,
                       f"the banner announces {announced}, but the address's PTR name is {reverse[0]}; "
                       "receivers compare the two", fix)
    greeting = normalize_host(session.ehlo_greeting.split()[0]) if session.ehlo_greeting.split() else announced
    if greeting != announced:
        return Finding(BANNER, Status.WARN, subject,
                       f"the banner announces {announced} but the EHLO reply names {greeting}", fix)
    if not reverse:
        return Finding(BANNER, Status.WARN, subject,
                       f"the banner announces {announced}, but the address has no PTR name to match it (ptr.fcrdns)",
                       fix)
    note = "" if announced == session.host else f" (the MX host name is {session.host})"
    return passed(BANNER, subject, f"the banner and EHLO name {announced} match the PTR name{note}")
