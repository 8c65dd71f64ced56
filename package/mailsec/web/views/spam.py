"""Spam explainer: paste a message's headers, read its spam score against the threshold, the rules that
made it (largest first, each with its meaning) and what SPF, DKIM and DMARC concluded.

The paste is read as `mailsec explain-headers` reads a file: the headers only, up to the first blank line.
It is capped twice: the request as a whole (`MAX_BODY_BYTES`, before anything is read) and the field
(`MAX_PASTE_CHARS`). Nothing of it is kept; everything shown of it is escaped by the template.
"""

import io

from flask import Blueprint, render_template, request

from mailsec.web import forms
from mailsec.web.charts import score_bar, weight_bars
from mailsec.web.i18n import text

blueprint = Blueprint("spam", __name__)
MAX_PASTE_CHARS = 60 * 1024  # a message's header block; far more than any real one


@blueprint.get("/spam")
def index():
    return _page()


@blueprint.post("/spam/explain")
def explain():
    from mailsec.reports.explain import HeadersError, explain_headers, read_header_block  # noqa: PLC0415

    try:
        pasted = forms.field(request.form, "headers", MAX_PASTE_CHARS)
        block = read_header_block(io.BytesIO(pasted.encode("utf-8", "replace")), "the pasted text")
        explanation = explain_headers(block, "the pasted text")
    except forms.FormError as exc:
        return _page(problem=exc.message, status=400)
    except HeadersError:
        return _page(problem=text("spam.nothing_to_explain"), status=400)
    return _page(explanation=explanation)


def _page(explanation=None, problem=None, status: int = 200):
    return render_template(
        "spam/index.html", explanation=explanation, problem=problem, pasted=request.form.get("headers", ""),
        score_bar=score_bar, weight_bars=weight_bars, limit=MAX_PASTE_CHARS // 1024,
    ), status
