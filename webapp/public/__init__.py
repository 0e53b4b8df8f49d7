"""Pages for everyone: the landing page, a survey's privacy page, and the error pages."""

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("public", __name__)

from webapp.public import errors, routes  # noqa: E402, F401  (registers views and handlers)
