"""Programme evaluations as views of ``samen audit``.

A programme's evaluation page (:mod:`webapp.results.programme`) shows, per scale and per
wave (before, after), the count and mean of two groups: the programme's units and the other
units, each a union of unit subtrees whose cells of that scale the results service releases
in both waves. Those counts and sums are sums of released cells, so they should add no view
the audit does not already cover; :func:`programme_extra` hands them to
:func:`webapp.research.auditing.audit_wave` as views all the same, over the measure's own
atoms, so that the audit proves it instead of assuming it (and would catch a change to the
evaluation that let a unit in that the tables hide).

Only admins and researchers see evaluations: a manager's audit (``--as``) has no such views.
The estimate, its standard error and the mixed model are functions of the same released
groups' responses (second moments, as a released cell's SD and interval are).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from engine.disclosure.audit import View

if TYPE_CHECKING:
    from surveys.db import Database
    from webapp.results.data import Measure, SurveyContext, WaveData

__all__ = ["ExtraViews", "atom_views", "programme_extra"]

#: ``(data, measure) -> [(view name, units whose subtrees form the group)]``.
ExtraViews = Callable[["WaveData", "Measure"], list[tuple[str, frozenset[str]]]]


def programme_extra(db: Database, context: SurveyContext) -> ExtraViews | None:
    """The programme groups of survey ``context`` per wave and measure (None: no programme
    with both waves closed)."""
    from surveys.programmes import list_programmes
    from webapp.results.data import load_wave
    from webapp.results.programme import programme_views

    slug = context.definition.slug
    loaded = []
    for info in list_programmes(db, slug):
        if any(context.wave(label).is_open for label in (info.wave_before, info.wave_after)):
            continue  # nothing is shown before both waves close
        before = load_wave(db, context, info.wave_before)
        after = load_wave(db, context, info.wave_after)
        loaded.append((info, before, after))
    if not loaded:
        return None

    def extra(data: WaveData, measure: Measure) -> list[tuple[str, frozenset[str]]]:
        return programme_views(data, measure, loaded)

    return extra


def _subtrees(children: Mapping[str, list[str]], units: frozenset[str]) -> set[str]:
    members: set[str] = set()
    stack = list(units)
    while stack:
        unit = stack.pop()
        if unit in members or unit not in children:
            continue
        members.add(unit)
        stack.extend(children[unit])
    return members


def atom_views(
    data: WaveData,
    atoms: Mapping[Any, int] | frozenset[Any],
    groups: list[tuple[str, frozenset[str]]],
) -> list[View]:
    """Views of the programme groups over the measure's atoms ``(unit, profile...)``.

    Each group is every atom whose unit lies in the subtree of one of its units (as the
    evaluation counts a unit with its subtree).
    """
    children = data.survey.children
    out = []
    for name, units in groups:
        members = _subtrees(children, units)
        out.append(View(name, frozenset(a for a in atoms if a[0] in members), 1))
    return out
