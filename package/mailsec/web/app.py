"""`create_app()`: the one Flask application, whichever way it is served."""

from flask import Flask, render_template
from jinja2 import StrictUndefined
from werkzeug.exceptions import HTTPException

from mailsec import __version__
from mailsec.errors import MailsecError
from mailsec.web import i18n, security
from mailsec.web.config import EXTENSION, WebConfig
from mailsec.web.protocol import MAX_BODY_BYTES
from mailsec.web.views import BLUEPRINTS


def create_app(config: WebConfig) -> Flask:
    app = Flask(__name__)  # templates/ and static/ sit beside this module
    app.extensions[EXTENSION] = config
    app.config.update({
        "MAX_CONTENT_LENGTH": MAX_BODY_BYTES,
        "SEND_FILE_MAX_AGE_DEFAULT": security.STATIC_MAX_AGE,
        i18n.DEFAULT_LANGUAGE_KEY: config.default_language,
    })
    app.jinja_env.undefined = StrictUndefined  # a misspelt name fails the tests instead of vanishing
    app.jinja_env.globals.update(version=__version__, development=config.development)
    i18n.init_app(app)
    security.init_app(app, config.context.state_dir)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(MailsecError, _mailsec_error)
    return app


def _http_error(error: HTTPException):
    return render_template("errors/error.html", code=error.code, message=None), error.code


def _mailsec_error(error: MailsecError):
    """A failure mailsec expected (a corrupt settings file, a folder it may not write): the message says what
    to do, and only administrators get this far."""
    return render_template("errors/error.html", code=500, message=str(error)), 500
