"""The results service: the one place where storage meets statistics and disclosure control.

The JSON API, the dashboard pages, the exports and the CLI call these functions; none of them
computes or suppresses on its own (DESIGN.md, "Layout and dependency direction"). Each
function loads from :mod:`surveys`, scores with :mod:`engine.psychometrics.scoring`, asks
:func:`engine.disclosure.audit_views.release` which cells the caller may see, and computes only
those.

Rules applied here, in this order:

1. **Scope** (:mod:`webapp.results.access`): admin and researcher may request every unit;
   a manager their unit and the units below it (others: :class:`AccessDenied`). A manager's
   pages also show the parent unit and the organisation as comparison figures.
2. **Release over time**: nothing from an open wave (the survey's ``release`` policy
   "closed", the only one a survey file may choose: see
   :data:`surveys.survey_definition.STEPS_REFUSED` for why "steps" is refused). Response
   counts are the exception: shown while the wave is open, rounded down to a multiple of k.
3. **Suppression per measure**: the response count, every scale (valid scale scores) and
   every item (answers other than "not applicable") has its own n per unit and so its own
   pattern: primary (n < k) and secondary across the tree, computed for the whole
   organisation and restricted to the caller's scope, so that different callers' views
   combined stay safe. Items and scales of sensitive instruments (unwanted behaviour) use
   the comment threshold instead of k.
4. **Filters** (``QUESTION:VALUE``): one demographic question per survey
   (:func:`filter_question`), because filter cells of different questions combine into
   groups below k. The filter cell must be released by the audited
   :func:`engine.disclosure.audit_views.release` over that question (complement rule, tree rule per
   category, audit). A filtered view shows scales and counts, never items.
"""

from webapp.results.access import AccessDenied, check_unit, disclosure_scope, viewable_units
from webapp.results.rates import response_rate
from webapp.results.release import filter_question, parse_filter, released_cells
from webapp.results.service import heatmap, trend, unit_results

__all__ = [
    "AccessDenied",
    "check_unit",
    "disclosure_scope",
    "filter_question",
    "heatmap",
    "parse_filter",
    "released_cells",
    "response_rate",
    "trend",
    "unit_results",
    "viewable_units",
]
