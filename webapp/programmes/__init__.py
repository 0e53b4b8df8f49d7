"""Programme pages: leadership programmes and their evaluation, for admins and researchers.

``/programmes/`` lists the programmes; ``/programmes/<id>`` shows the evaluation (the
difference in differences per scale, in words, with a before/after chart and table). The
pages call :func:`webapp.results.programme.programme_evaluation`, as the API does; they
compute and suppress nothing themselves. Researchers read; admins may also remove a
programme (``samen programme add`` creates one).
"""

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint(
    "programmes",
    __name__,
    url_prefix="/programmes",
    static_folder="static",
    static_url_path="/static",
)

from webapp.programmes import routes  # noqa: E402, F401  (registers the views)
