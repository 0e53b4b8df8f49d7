"""The respondent app: anonymous answering through an invitation link."""

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("respond", __name__)

from webapp.respond import routes  # noqa: E402, F401  (registers the views)
