"""Leader self-views: the leader's personal answer pages and the coordinator's aggregates.

- ``bp`` (``leaders``), ``/l/<token>``: the leader answers the climate items about their
  team (no JavaScript, nl/en, the respondent pages' look); the answers are theirs, not
  anonymous (:mod:`surveys.leaders`).
- ``staff_bp`` (``leaders_admin``), ``/leaders/<survey>/``: the programme coordinator (admin)
  sees per programme and scale the mean leader view, team view and gap over at least k
  leaders (:func:`webapp.results.leaders.leader_summary`).

The leader's own gap is on their dashboard (``dashboard/_leader_gap.html``).
"""

from flask import Blueprint

__all__ = ["bp", "staff_bp"]

bp = Blueprint("leaders", __name__)
staff_bp = Blueprint("leaders_admin", __name__, url_prefix="/leaders")

from webapp.leaders import routes  # noqa: E402, F401  (registers the views)
