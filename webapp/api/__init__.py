"""The JSON API (``/api/v1``): results after disclosure control, for the dashboard and scripts.

Authentication: ``Authorization: Bearer <token>`` (``samen user token EMAIL``) or the
signed-in session cookie (the dashboard's own fetches). Every route is thin: path and query
in, one call into :mod:`webapp.results`, JSON out. Documented in ``webapp/openapi.yaml``
(OpenAPI 3.1), served at ``/api/v1/openapi.yaml``.
"""

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from webapp.api import comparisons, plans, routes  # noqa: E402, F401  (register the views)
