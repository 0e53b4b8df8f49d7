"""Which cells one caller may see in one wave: the bridge to :mod:`engine.disclosure.rules`.

:class:`CellRelease` asks :func:`engine.disclosure.audit_views.release` for each measure's pattern
(organisation-wide, restricted to the caller's scope) and computes only released cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.disclosure.audit_views import Release, release
from engine.disclosure.rules import sensitive_module_allowed
from surveys.errors import InputError
from surveys.survey_definition import SurveyDefinition
from surveys.users import UserInfo
from webapp.results import homogeneity, openlink
from webapp.results.access import disclosure_scope
from webapp.results.cells import cell_at, withheld
from webapp.results.data import Measure, SurveyContext, WaveData

__all__ = [
    "DEFAULT_FILTER_QUESTION",
    "Cell",
    "CellRelease",
    "Filter",
    "filter_question",
    "measure_k",
    "parse_filter",
    "released_cells",
    "withheld_as_uniform",
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
    survey :func:`engine.disclosure.audit.audit` finds 8 such groups when every demographic
    question is offered, and withholding cells until the joint audit passes takes minutes, far too
    slow for a page. With one question the audited release of that question is complete.
    The question is the survey's ``filter_question`` when its definition has one, else
    :data:`DEFAULT_FILTER_QUESTION` when asked, else the first demographic question.
    A survey with an open link offers none (:mod:`webapp.results.openlink`): anyone can add
    answers in the category of their choice.
    """
    if openlink.applies(definition):
        return None
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


def measure_k(data: WaveData, measure: Measure) -> int:
    """k of a measure: the survey's, or the comment threshold for sensitive instruments.

    For a survey with an open link, never below its ``open_link_k``
    (:func:`webapp.results.openlink.open_link_k`). The unit is responses.
    """
    definition = data.survey.definition
    base = max(definition.k, definition.comment_threshold) if measure.sensitive else definition.k
    return openlink.open_link_k(definition, base) if openlink.applies(definition) else base


def _patterns(
    data: WaveData,
    measure: Measure,
    scope: frozenset[str],
    questions: tuple[str, ...],
) -> Release:
    """:func:`engine.disclosure.audit_views.release` of ``measure`` restricted to ``scope``.

    The pattern is computed for the whole organisation (``scope=None``) once per wave and
    measure, kept in ``data.derived``, and restricted here as
    :func:`engine.disclosure.audit_views.release` restricts it (its Notes: the pattern does not
    depend on the scope), so every role gets exactly what ``release(..., scope=scope)`` gives.
    """
    whole = _org_pattern(data, measure, questions)
    if scope >= whole.all_units:
        return whole.release
    found = whole.release
    where = whole.where
    return Release(
        found.units & scope,
        frozenset(c for c in found.filters if c[0] in scope),
        tuple(v for v in found.views if where[v.name] in scope),
        tuple(v for v in found.withheld if where[v.name] in scope),
    )


class _OrgPattern:
    """An organisation-wide :class:`Release` and the unit of each of its views."""

    __slots__ = ("all_units", "release", "where")

    def __init__(self, found: Release, units: frozenset[str]) -> None:
        self.release = found
        self.all_units = units
        # view names are "unit:<code>" or "unit:<code>|<question>=<category>"
        self.where = {
            v.name: v.name.removeprefix("unit:").split("|", 1)[0]
            for v in (*found.views, *found.withheld)
        }


def _org_pattern(
    data: WaveData,
    measure: Measure,
    questions: tuple[str, ...],
) -> _OrgPattern:
    k = measure_k(data, measure)
    slot = ("pattern", measure.id, k, questions)
    found = data.derived.get(slot)
    if found is not None:
        return found
    own: Any
    if questions:
        own = data.own_profiles(measure.valid, questions)
        key: Any = (k, questions, tuple((u, tuple(p.items())) for u, p in own.items()))
    else:
        own = data.own_counts(measure.valid)
        key = (k, questions, tuple(own.items()))
    # Measures with the same counts everywhere (items nobody skipped) share a pattern.
    shared = data.derived.setdefault(("patterns by counts",), {})
    if key not in shared:
        shared[key] = _OrgPattern(
            release(data.survey.parent, own, k, questions, scope=None, audited=bool(questions)),
            frozenset(data.survey.parent),
        )
    found = shared[key]
    data.derived[slot] = found
    return found


def released_cells(
    data: WaveData,
    measure: Measure,
    scope: frozenset[str],
    questions: tuple[str, ...] = (),
    cache: dict[Any, Release] | None = None,
) -> set[Cell]:
    """Every cell of ``measure`` the results service shows to a caller with ``scope``.

    The one statement of what is released (``samen audit`` should audit exactly this):

    - unit totals: :func:`engine.disclosure.audit_views.release` without filters (primary and
      organisation-wide secondary suppression, restricted to ``scope``);
    - filter cells, for scales and the response count (never items): the audited
      :func:`engine.disclosure.audit_views.release` over :func:`filter_question`, the one question
      offered (see there why), when it is among ``questions``; other questions in
      ``questions`` release nothing, as in the service;
    - scales and items only where the response count is shown (the same unit, or the same
      unit and filter category), so no measure shows a unit the others hide;
    - sensitive instruments: k is the comment threshold, and
      :func:`engine.disclosure.rules.sensitive_module_allowed` on top;
    - a survey with an open link: :func:`webapp.results.openlink.open_link_cells` instead
      (coarse units at ``open_link_k``, no filters, no sensitive measures).
    - a scored scale only in units where each of its items is shown (its filter cells only
      where its unit cell is): its numbers are the sums of its items' numbers, so beside
      all items but one they would give that item's hidden cell.

    Every rule above decides per cell for the whole organisation, and the scope only keeps
    the cells of units inside it; so the organisation's cells are computed once per wave
    (kept in ``data.derived``) and restricted to ``scope``. ``cache`` is not used any more
    (``data.derived`` holds the patterns); it stays for callers that pass one.
    """
    cells = _org_cells(data, measure, questions)
    if scope >= frozenset(data.survey.parent):
        return set(cells)
    return {c for c in cells if c[0] in scope}


def _org_cells(
    data: WaveData,
    measure: Measure,
    questions: tuple[str, ...],
) -> frozenset[Cell]:
    """:func:`released_cells` for the whole organisation (cached in ``data.derived``)."""
    slot = ("cells", measure.id, measure_k(data, measure), questions)
    found = data.derived.get(slot)
    if found is not None:
        return found
    if openlink.applies(data.survey.definition):
        found = openlink.open_link_cells(data, measure, measure_k(data, measure))
        data.derived[slot] = found
        return found
    everyone = frozenset(data.survey.parent)
    cells: set[Cell] = {
        (unit, None, None) for unit in _patterns(data, measure, everyone, ()).units
    }
    offered = filter_question(data.survey.definition)
    if measure.kind != "item":
        for question in (q for q in questions if q == offered):
            cells |= set(_patterns(data, measure, everyone, (question,)).filters)
    if measure.kind != "responses":
        # Nested in the response count's cells: a scale or item of a unit (or filter
        # category) is shown only where the unit's n is, so every released number is a sum
        # over the same released units and the item-level export, whose units follow the
        # response count's pattern, has every table as its margin (issue 14, path 1).
        cells &= _org_cells(data, data.measures[""], questions)
    if measure.sensitive:
        threshold = data.survey.definition.comment_threshold
        cells = {
            c
            for c in cells
            if sensitive_module_allowed(
                data.survey.root(c[0]) == c[0], _count(data, measure, c), threshold
            )
        }
    if measure.kind == "scale" and measure.items:
        cells = _with_items(data, measure, cells)
        if measure.homogeneity:
            cells = _uniform_scale(data, measure, cells, questions)
    # Equity cells of the other demographic questions: released jointly by the k-audit,
    # then, for a scale the homogeneity rule covers, by that rule beside the cells above.
    if measure.kind == "scale" and any(q != offered for q in questions):
        equity = _equity(data, measure, questions, offered)
        if measure.homogeneity:
            equity, dropped = homogeneity.equity_cells(data, measure, cells, equity, questions)
            data.derived[("uniform equity", measure.id, questions)] = frozenset(dropped)
        cells |= equity
    found = frozenset(cells)
    data.derived[slot] = found
    return found


def _uniform_scale(
    data: WaveData, measure: Measure, cells: set[Cell], questions: tuple[str, ...]
) -> set[Cell]:
    """A covered scale's cells after the homogeneity rule (:mod:`webapp.results.homogeneity`):
    unit cells only where every item is shown in full, filter cells only while no
    homogeneous group is derivable. The cells dropped here are kept in ``data.derived``
    (:func:`withheld_as_uniform`) so the page gives the reason."""
    units = {c for c in cells if c[1] is None}
    hidden = {c for c in units if homogeneity.scale_hidden(data, measure, c[0])}
    kept = {c for c in cells if (c[0], None, None) not in hidden}
    kept, dropped = homogeneity.filter_cells(data, measure, kept, questions)
    data.derived[("uniform", measure.id, questions)] = frozenset(
        hidden | dropped | {c for c in cells if c[1] is not None and (c[0], None, None) in hidden}
    )
    return kept


def withheld_as_uniform(
    data: WaveData, measure: Measure, questions: tuple[str, ...]
) -> frozenset[Cell]:
    """Cells of ``measure`` that only the homogeneity rule withheld (computed by
    :func:`released_cells`)."""
    _org_cells(data, measure, questions)
    return data.derived.get(("uniform", measure.id, questions), frozenset()) | data.derived.get(
        ("uniform equity", measure.id, questions), frozenset()
    )


def _equity(
    data: WaveData, measure: Measure, questions: tuple[str, ...], offered: str | None
) -> set[Cell]:
    """The equity cells of the questions in ``questions`` other than the filter question.

    :func:`webapp.results.equity_release.equity_release`, released jointly with the cells
    shown beside them (unit totals and the filter question's cells).
    """
    from webapp.results.equity_release import equity_release

    base = _org_cells(data, measure, (offered,) if offered else ())
    found = equity_release(data, measure, base, measure_k(data, measure), offered)
    return {c for c in found.kept if c[1] in questions}


def _with_items(data: WaveData, measure: Measure, cells: set[Cell]) -> set[Cell]:
    """A scale's cells where each of its items' cells is shown too (unfiltered).

    The scale's pooled numbers are the sum of its items' numbers over the same respondents
    (:func:`webapp.results.measures.build_measures`); shown beside all but one of its
    items, they would give the hidden item's answers (the scale minus the items shown).
    So a scale is shown in a unit only where every one of its items is, and its filter
    cells only where its unfiltered cell is.
    """
    items = [data.measures[i] for i in measure.items]
    kept = {
        c for c in cells if c[1] is None and all(c in _org_cells(data, item, ()) for item in items)
    }
    return kept | {c for c in cells if c[1] is not None and (c[0], None, None) in kept}


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
        self._cells: dict[str, frozenset[Cell]] = {}
        self.open_link = openlink.applies(data.survey.definition)
        self._coarse = openlink.coarse_units(data.survey) if self.open_link else frozenset()

    def mask(self, unit: str) -> np.ndarray:
        return self.data.in_subtree(unit) & self.filter_mask

    def shown(self, measure: Measure, unit: str) -> tuple[bool, str | None]:
        """Whether the cell (unit, measure) may be shown, and why not."""
        if unit not in self.scope:
            return False, "scope"
        if self.filter and measure.kind == "item":
            return False, "filter"  # a filtered view shows scales only
        if measure.id not in self._cells:
            # the organisation's cells: the unit is in scope, so restricting them to the
            # scope (as :func:`released_cells` does) would not change the answer below
            self._cells[measure.id] = _org_cells(self.data, measure, self.questions)
        key: Cell = (unit, *self.filter) if self.filter else (unit, None, None)
        if key in self._cells[measure.id]:
            return True, None
        if measure.homogeneity and key in withheld_as_uniform(self.data, measure, self.questions):
            return False, homogeneity.REASON
        n = self._n(measure, unit)
        if self.open_link:
            coarse = unit in self._coarse and not measure.sensitive
            ok = coarse and n >= measure_k(self.data, measure)
            return False, "complementary" if ok else openlink.REASON
        return False, "fewer-than-k" if n < measure_k(self.data, measure) else "complementary"

    def _rows(self, unit: str) -> np.ndarray:
        """Positions of the responses in :meth:`mask` (kept per wave, unit and filter)."""
        slot = ("rows", unit, self.filter)
        rows = self.data.derived.get(slot)
        if rows is None:
            rows = np.flatnonzero(self.mask(unit))
            _keep(self.data, slot, rows)
        return rows

    def _n(self, measure: Measure, unit: str) -> int:
        """Valid responses of ``measure`` in the unit's subtree (under the filter)."""
        slot = ("n", measure.id, unit, self.filter)
        n = self.data.derived.get(slot)
        if n is None:
            n = int(np.count_nonzero(measure.valid[self._rows(unit)]))
            _keep(self.data, slot, n)
        return n

    def cell(self, measure: Measure, unit: str) -> dict[str, Any]:
        ok, reason = self.shown(measure, unit)
        if not ok:
            return withheld(reason or "fewer-than-k")
        uniform = None
        if measure.homogeneity and measure.kind == "item":
            uniform = homogeneity.item_level(self.data, measure, unit)
            if uniform.level == "withheld":
                return withheld(uniform.reason or homogeneity.REASON)
        # a released cell's statistics depend on the wave's data alone: computed once
        slot = ("cell", measure.id, unit, self.filter)
        found = self.data.derived.get(slot)
        if found is None:
            found = cell_at(measure, self._rows(unit))
            _keep(self.data, slot, found)
        out = _copy(found)
        return out if uniform is None else homogeneity.apply(out, measure, uniform)

    def count(self, unit: str) -> dict[str, Any]:
        """The unit's response count: ``{"n", "suppressed", "reason"}``."""
        measure = self.data.measures[""]
        ok, reason = self.shown(measure, unit)
        n = self._n(measure, unit) if ok else None
        return {"n": n, "suppressed": not ok, "reason": reason}


#: Most cell statistics and counts kept per wave (about 1 kB each; the patterns and released
#: cells of every measure are always kept).
MAX_KEPT = 50_000


def _keep(data: WaveData, slot: tuple, value: Any) -> None:
    """Remember ``value`` in ``data.derived`` while fewer than :data:`MAX_KEPT` are kept."""
    if len(data.derived) < MAX_KEPT:
        data.derived[slot] = value


def _copy(found: dict[str, Any]) -> dict[str, Any]:
    """A cell the caller may change without changing the cached one."""
    out = dict(found)
    if out.get("ci") is not None:
        out["ci"] = list(out["ci"])
    if out.get("distribution") is not None:
        out["distribution"] = dict(out["distribution"])
    return out
