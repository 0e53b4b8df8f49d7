"""Which cells one caller may see in one wave: the bridge to :mod:`engine.disclosure`.

:class:`CellRelease` asks :func:`engine.audit_views.release` for each measure's pattern
(organisation-wide, restricted to the caller's scope) and computes only released cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.audit_views import Release, release
from engine.disclosure import sensitive_module_allowed
from surveys.definition import SurveyDefinition
from surveys.errors import InputError
from surveys.users import UserInfo
from webapp.results.access import disclosure_scope
from webapp.results.cells import cell, withheld
from webapp.results.data import Measure, SurveyContext, WaveData

__all__ = [
    "DEFAULT_FILTER_QUESTION",
    "Cell",
    "CellRelease",
    "Filter",
    "filter_question",
    "parse_filter",
    "released_cells",
]

Filter = tuple[str, str]


#: The demographic question offered as a filter when the survey names none.
DEFAULT_FILTER_QUESTION = "dem_gender"


def filter_question(definition: SurveyDefinition) -> str | None:
    """The one demographic question a survey's results may be filtered by (None: no filters).

    Notes
    -----
    One question, not all of them: filter cells of different questions combine into groups
    below k even when each question's cells pass the audit on their own (unit total minus
    "women" minus "under 30" is the men over 30 when no woman is under 30). On the demo
    survey :func:`engine.audit.audit` finds 8 such groups when every demographic question
    is offered, and withholding cells until the joint audit passes takes minutes, far too
    slow for a page. With one question the audited release of that question is complete.
    The question is the survey's ``filter_question`` when its definition has one, else
    :data:`DEFAULT_FILTER_QUESTION` when asked, else the first demographic question.
    """
    ids = [item.id for item in definition.demographic_items]
    chosen = getattr(definition, "filter_question", None)
    if chosen in ids:
        return chosen
    if DEFAULT_FILTER_QUESTION in ids:
        return DEFAULT_FILTER_QUESTION
    return ids[0] if ids else None


def parse_filter(survey: SurveyContext, text: str | None) -> Filter | None:
    """``QUESTION:VALUE`` (the survey's filter question and one of its codes), or None.

    Raises :class:`surveys.errors.InputError` for anything else.
    """
    if text is None or text == "":
        return None
    question, sep, value = text.partition(":")
    if not sep:
        raise InputError("filter must be QUESTION:VALUE, e.g. dem_gender:2")
    allowed = filter_question(survey.definition)
    if question != allowed:
        offered = f"only {allowed!r}" if allowed else "none"
        raise InputError(f"filter: {question!r} is not a filter of this survey ({offered})")
    item = survey.definition.item(question)
    points = {str(p) for p in item.response_scale.points}
    if value not in points:
        raise InputError(f"filter: {value!r} is not an answer code of {question!r}")
    return question, value


#: ``(unit, question, category)``; question and category None for a unit's own total.
Cell = tuple[str, str | None, str | None]


def _k(data: WaveData, measure: Measure) -> int:
    """k of a measure: the survey's, or the comment threshold for sensitive instruments."""
    definition = data.survey.definition
    return max(definition.k, definition.comment_threshold) if measure.sensitive else definition.k


def _patterns(
    data: WaveData,
    measure: Measure,
    scope: frozenset[str],
    questions: tuple[str, ...],
    cache: dict[Any, Release] | None = None,
) -> Release:
    k = _k(data, measure)
    own: Any
    if questions:
        own = data.own_profiles(measure.valid, questions)
        key: Any = (k, questions, tuple((u, tuple(p.items())) for u, p in own.items()))
    else:
        own = data.own_counts(measure.valid)
        key = (k, questions, tuple(own.items()))
    cache = {} if cache is None else cache
    # Measures with the same counts everywhere (items nobody skipped) share a pattern.
    if key not in cache:
        cache[key] = release(
            data.survey.parent, own, k, questions, scope=scope, audited=bool(questions)
        )
    return cache[key]


def released_cells(
    data: WaveData,
    measure: Measure,
    scope: frozenset[str],
    questions: tuple[str, ...] = (),
    cache: dict[Any, Release] | None = None,
) -> set[Cell]:
    """Every cell of ``measure`` the results service shows to a caller with ``scope``.

    The one statement of what is released (``samen audit`` should audit exactly this):

    - unit totals: :func:`engine.audit_views.release` without filters (primary and
      organisation-wide secondary suppression, restricted to ``scope``);
    - filter cells, for scales and the response count (never items): the audited
      :func:`engine.audit_views.release` over :func:`filter_question`, the one question
      offered (see there why), when it is among ``questions``; other questions in
      ``questions`` release nothing, as in the service;
    - sensitive instruments: k is the comment threshold, and
      :func:`engine.disclosure.sensitive_module_allowed` on top.
    """
    cells: set[Cell] = {
        (unit, None, None) for unit in _patterns(data, measure, scope, (), cache).units
    }
    offered = filter_question(data.survey.definition)
    if measure.kind != "item":
        for question in (q for q in questions if q == offered):
            cells |= set(_patterns(data, measure, scope, (question,), cache).filters)
    if measure.sensitive:
        threshold = data.survey.definition.comment_threshold
        cells = {
            c
            for c in cells
            if sensitive_module_allowed(
                data.survey.root(c[0]) == c[0], _count(data, measure, c), threshold
            )
        }
    return cells


def _count(data: WaveData, measure: Measure, cell: Cell) -> int:
    mask = measure.valid & data.in_subtree(cell[0])
    if cell[1] is not None:
        mask = mask & (data.demographic(cell[1]) == float(cell[2]))  # type: ignore[arg-type]
    return int(np.count_nonzero(mask))


class CellRelease:
    """Which cells one caller may see in one wave, measure by measure (cached)."""

    def __init__(self, data: WaveData, user: UserInfo, filter: Filter | None) -> None:
        self.data = data
        self.scope = disclosure_scope(user, data.survey.parent)
        self.filter = filter
        self.questions = (filter[0],) if filter else ()
        self.filter_mask = (
            data.demographic(filter[0]) == float(filter[1])
            if filter
            else np.ones(data.n, dtype=bool)
        )
        self._cells: dict[str, set[Cell]] = {}
        self._patterns: dict[Any, Release] = {}

    def mask(self, unit: str) -> np.ndarray:
        return self.data.in_subtree(unit) & self.filter_mask

    def shown(self, measure: Measure, unit: str) -> tuple[bool, str | None]:
        """Whether the cell (unit, measure) may be shown, and why not."""
        if unit not in self.scope:
            return False, "scope"
        if self.filter and measure.kind == "item":
            return False, "filter"  # a filtered view shows scales only
        if measure.id not in self._cells:
            self._cells[measure.id] = released_cells(
                self.data, measure, self.scope, self.questions, self._patterns
            )
        key: Cell = (unit, *self.filter) if self.filter else (unit, None, None)
        if key in self._cells[measure.id]:
            return True, None
        n = int(np.count_nonzero(measure.valid & self.mask(unit)))
        return False, "fewer-than-k" if n < _k(self.data, measure) else "complementary"

    def cell(self, measure: Measure, unit: str) -> dict[str, Any]:
        ok, reason = self.shown(measure, unit)
        return cell(measure, self.mask(unit)) if ok else withheld(reason or "fewer-than-k")

    def count(self, unit: str) -> dict[str, Any]:
        """The unit's response count: ``{"n", "suppressed", "reason"}``."""
        measure = self.data.measures[""]
        ok, reason = self.shown(measure, unit)
        n = int(np.count_nonzero(self.mask(unit))) if ok else None
        return {"n": n, "suppressed": not ok, "reason": reason}
