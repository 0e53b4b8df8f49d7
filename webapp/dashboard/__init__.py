"""Manager dashboard: a unit's climate in one wave, compared, over time, with SVG charts.

Pages draw only from :mod:`webapp.results` (the functions the JSON API uses), so the
disclosure rules of the pages and the API cannot diverge. The charts are inline SVG drawn by
the server from the same released cells as the tables (no charting script).
"""

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from webapp.dashboard import plan_routes, routes  # noqa: E402, F401  (register the views)
