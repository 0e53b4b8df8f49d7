"""A wave's views under several organisation trees, audited as one set (issue 14, path 2).

A closed wave keeps the tree it closed with, so the product shows it with one tree only;
:func:`audit_trees` shows what a second tree would leak (a unit moved after close), and
``samen audit --tree OLD.csv`` uses it for waves shown before trees were kept.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from engine.disclosure.audit import Finding

if TYPE_CHECKING:
    from surveys.org import UnitInfo
    from webapp.results.data import WaveData

__all__ = ["audit_trees", "under_tree"]


def _served(*args: Any, **kwargs: Any) -> Any:
    from webapp.research.auditing import served_cells

    return served_cells(*args, **kwargs)


def _frozen_(own: Any) -> frozenset[Any]:
    from webapp.research.auditing import _frozen

    return _frozen(own)


def _label(measure: Any) -> str:
    from webapp.research.auditing import _measure_label

    return _measure_label(measure)


def audit_trees(
    datas: Sequence[WaveData],
    *,
    filters: bool = True,
    measures: Collection[str] | None = None,
    scopes: Sequence[Collection[str]] | None = None,
) -> tuple[list[tuple[str, Finding]], int, int]:
    """Audit one wave shown with several trees: every tree's views as one set, per measure.

    Parameters
    ----------
    datas : sequence of WaveData
        The same wave's responses (one matrix) under each tree it is shown with
        (``data.survey.parent``; see :func:`under_tree`).
    filters : bool
        Include the filtered views.
    measures : collection of str, optional
        Measure ids to audit (default: every measure).
    scopes : sequence of collections of str, optional
        Per tree, the units in the role's scope (default: every unit of that tree).

    Returns
    -------
    tuple
        As :func:`audit_wave`: findings with their context, views, nonempty atoms. A view is
        named after its tree (``"tree 1: unit:ACUUT"``, tree 1 the first of ``datas``).

    Notes
    -----
    With snapshots taken at close a closed wave is shown with exactly one tree, and this is
    :func:`audit_wave` on it. Given a wave's data under the tree it closed with and under a
    later tree in which a unit of fewer than k respondents moved to another parent, the old
    parent's total minus its new total is that unit: the finding this function reports.
    """
    from engine.disclosure.audit import View, audit
    from engine.disclosure.audit_views import atoms_of, cell_views
    from webapp.results.release import measure_k

    if not datas:
        raise ValueError("datas: give the wave's data under at least one tree")
    first = datas[0]
    if any(data.matrix is not first.matrix for data in datas):
        raise ValueError("datas: every element must hold the same wave's responses")
    if scopes is None:
        scopes = [frozenset(data.survey.parent) for data in datas]
    if len(scopes) != len(datas):
        raise ValueError(f"scopes: {len(scopes)} scopes for {len(datas)} trees")
    questions = tuple(first.matrix.demographic_ids) if filters else ()
    ids = list(first.measures) if measures is None else list(measures)
    patterns: list[dict[Any, Any]] = [{} for _ in datas]
    findings: list[tuple[str, Finding]] = []
    n_views = 0
    done: dict[Any, tuple[tuple[Finding, ...], int]] = {}
    for measure_id in ids:
        measure = first.measures[measure_id]
        own: Any = (
            first.own_profiles(measure.valid, questions)
            if questions
            else first.own_counts(measure.valid)
        )
        shown = [
            frozenset(
                _served(data, data.measures[measure_id], frozenset(scope), questions, pattern)
            )
            for data, scope, pattern in zip(datas, scopes, patterns, strict=True)
        ]
        key = (measure_k(first, measure), _frozen_(own), tuple(shown))
        if key not in done:  # measures with the same counts and cells give the same audit
            views: list[View] = []
            for number, (data, cells) in enumerate(zip(datas, shown, strict=True), start=1):
                mine = {unit: own[unit] for unit in data.survey.parent if unit in own}
                views.extend(
                    View(f"tree {number}: {view.name}", view.atoms, view.priority)
                    for view in cell_views(data.survey.parent, mine, cells, questions)
                )
            result = audit(atoms_of(own), views, key[0])
            done[key] = (result.findings, len(views))
        found, count = done[key]
        n_views += count
        context = f"{first.wave.label} {_label(measure)}"
        findings.extend((context, finding) for finding in found)
    everyone = first.own_profiles(first.measures[""].valid, questions)
    groups = sum(1 for n in atoms_of(everyone).values() if n > 0)
    return findings, n_views, groups


def under_tree(data: WaveData, units: Mapping[str, UnitInfo]) -> WaveData:
    """``data``'s responses under another tree (an earlier org CSV), for :func:`audit_trees`.

    Raises
    ------
    surveys.errors.InputError
        The tree lacks a unit with responses in the wave, or names a parent it lacks.
    """
    from surveys.errors import InputError
    from webapp.results.data import SurveyContext, WaveData

    label = data.wave.label
    answered = sorted({str(code) for code in data.matrix.unit_codes} - set(units))
    if answered:
        raise InputError(
            f"tree: no unit {answered[0]!r}, which has responses in wave {label!r}"
            + (f" ({len(answered)} such units)" if len(answered) > 1 else "")
        )
    for info in units.values():
        if info.parent_code is not None and info.parent_code not in units:
            raise InputError(f"tree: parent {info.parent_code!r} of {info.code!r} is not in it")
    context = SurveyContext(data.survey.definition, dict(units), data.survey.waves)
    return WaveData(context, data.wave, data.matrix)
