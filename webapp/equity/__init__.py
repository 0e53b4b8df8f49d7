"""Equity pages (admin): each group of the survey's filter question against the rest, per
scale, at organisation level and in each unit where the gap may be shown.

The pages call :func:`webapp.results.equity.equity` (disclosure control there); they
compute and suppress nothing themselves.
"""

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("equity", __name__, url_prefix="/equity")

from webapp.equity import routes  # noqa: E402, F401  (registers the views)
