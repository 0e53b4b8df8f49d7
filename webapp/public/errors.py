"""Friendly error pages in the respondent's language: never a traceback."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.public import bp

__all__: list[str] = []

_MESSAGES = {
    400: (
        _l("Something went wrong with this form"),
        _l(
            "We could not use what your browser sent. Go back, reload the page and try again. "
            "Nothing was stored."
        ),
    ),
    403: (_l("No access"), _l("You do not have access to this page.")),
    404: (
        _l("Page not found"),
        _l("This page does not exist. Check the address or use the link from your invitation."),
    ),
    405: (
        _l("This does not work here"),
        _l("This page cannot be used in this way. Go back and try again."),
    ),
    413: (_l("Too much text"), _l("What you sent is too large. Make it shorter and try again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("Sorry, this is our mistake. Try again in a few minutes."),
    ),
}


def _page(status: int) -> tuple[str, int]:
    title, message = _MESSAGES.get(status, _MESSAGES[500 if status >= 500 else 400])
    return render_template("errors/error.html", title=title, message=message), status


@bp.app_errorhandler(CSRFError)
def csrf_error(_error: CSRFError) -> tuple[str, int]:
    return render_template("errors/session.html"), 400


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[str, int]:
    return _page(error.code or 500)


@bp.app_errorhandler(InternalServerError)
def server_error(_error: InternalServerError) -> tuple[str, int]:
    return _page(500)
