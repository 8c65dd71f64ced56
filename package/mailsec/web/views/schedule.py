"""Schedule: the exact Task Scheduler tasks that keep records and policy current, and the last run."""

from flask import Blueprint, render_template

from mailsec.web.config import current_config
from mailsec.web.views.pages import layout

blueprint = Blueprint("schedule", __name__)
REFRESH_COMMAND = "refresh"


@blueprint.get("/schedule")
def index():
    command = f"{layout().launcher} {REFRESH_COMMAND}"
    refresh = current_config().sources.last_refresh()
    return render_template("schedule/index.html", command=command, refresh=refresh)
