"""Research pages: the psychometric report of a wave and item-level exports (download).

For researchers and admins. The pages call :mod:`webapp.research.service` (export, report);
they compute and suppress nothing themselves.
"""

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint(
    "research",
    __name__,
    url_prefix="/research",
    static_folder="static",
    static_url_path="/static",
)

from webapp.research import routes  # noqa: E402, F401  (registers the views)
