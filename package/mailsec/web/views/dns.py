"""DNS records: every record the domain should have, with copy buttons and a zone-file download."""

from flask import Blueprint, Response, abort, render_template

from mailsec import clock
from mailsec.web.certificate import read_mail_certificate
from mailsec.web.config import current_config
from mailsec.web.dns_plan import TOPICS, planned_records, zone_file
from mailsec.web.views.pages import chosen_domain, layout, saved_settings

blueprint = Blueprint("dns", __name__)


@blueprint.get("/dns")
def index():
    settings = saved_settings()
    entry = chosen_domain(settings)
    if entry is None:
        return render_template("dns/index.html", entry=None, settings=settings)
    records = _records(entry)
    return render_template("dns/index.html", entry=entry, settings=settings, topics=TOPICS, records=records)


@blueprint.get("/dns/zone")
def zone():
    entry = chosen_domain(saved_settings())
    if entry is None:
        abort(404)
    text = zone_file(entry.domain, _records(entry), clock.now())
    return Response(text, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="{entry.domain}.zone.txt"',
    })


def _records(entry):
    """The domain's records; TLSA from the certificate when readable, else from the last refresh."""
    reading = read_mail_certificate(layout(), entry.mx)
    refresh = current_config().sources.last_refresh()
    tlsa = reading.records or tuple(
        line for line in (refresh.records if refresh else ()) if any(host in line for host in entry.mx)
    )
    return planned_records(entry, entry.policy(), tlsa)
