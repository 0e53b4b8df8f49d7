"""Works-council pages (role ``council``; admins too): the privacy profile, the audit
result recorded with the consent, and response progress per unit at k. Nothing else.

``/council/`` lists the surveys; ``/council/<survey>/profile`` is the printable profile
(nl/en, print CSS) with the consent and the audit; ``/council/<survey>/progress`` the
response counts of a unit and its children through the results service's disclosure
control (:func:`webapp.results.rates.response_rate`: below k withheld, an open wave's counts
rounded down to a multiple of k).
"""

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint(
    "council",
    __name__,
    url_prefix="/council",
    static_folder="static",
    static_url_path="/static",
)

from webapp.council import routes  # noqa: E402, F401  (registers the views)
