"""One blueprint per page group; `BLUEPRINTS` is what `create_app` registers, in menu order."""

from mailsec.web.views import audit, dane, dns, language, mtasts, overview, reports, schedule, settings, spam

BLUEPRINTS = (
    overview.blueprint,
    dane.blueprint,
    mtasts.blueprint,
    dns.blueprint,
    audit.blueprint,
    reports.blueprint,
    spam.blueprint,
    settings.blueprint,
    schedule.blueprint,
    language.blueprint,
)
