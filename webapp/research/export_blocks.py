"""An export that keeps the filter question: withheld by whole blocks, proved beside the tables.

The margin rule of :mod:`webapp.research.export_plan` keeps the question the dashboards
break results down by only when every unit label holds 0 or at least k rows in each of its
categories, and otherwise leaves it and every other demographic question out (on the demo,
and in almost any real organisation, one team with fewer than k men is enough). This module
is the construction tried first for an export with local suppression:

1. the filter question is withheld (-4) by whole *blocks* (:func:`withhold_blocks`): the
   rows of one category in one region of that category's released tables (a released
   table minus its released descendants'), never one person's answer alone, padded with
   missing answers where a label's withheld rows would be fewer than k;
2. the other quasi-identifiers get local suppression with the unit and the filter question
   fixed (:func:`engine.disclosure.export.k_anonymize`);
3. :func:`prove` checks the file against every released table of every measure with the
   exact audit (:func:`engine.disclosure.export_proof.audit_split`) wherever a table splits
   a class of the file. A file that fails is not written: the caller falls back to the
   margin rule.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from webapp.research.export_plan import ExportClasses, ExportPlan
    from webapp.results.data import WaveData

__all__ = ["groups_split", "plan_blocks", "prove", "regions_of"]


def regions_of(data: WaveData, question: str) -> list[str | None]:
    """Per row: the nearest unit at or above its unit with a released table of its answer.

    Tables of every measure count (a scale's filter cells are a subset of the response
    count's, but the union is what a researcher can see); None for a row without an answer
    or whose category no table counts.
    """
    from webapp.results import released_cells

    every = frozenset(data.survey.parent)
    questions = tuple(data.matrix.demographic_ids)
    units: dict[float, set[str]] = {}
    for measure in data.measures.values():
        for unit, asked, category in released_cells(data, measure, every, questions):
            if asked == question:
                units.setdefault(float(category), set()).add(unit)  # type: ignore[arg-type]
    parent = data.survey.parent
    found: dict[tuple[str, float], str | None] = {}

    def region(unit: str, value: float) -> str | None:
        key = (unit, value)
        if key not in found:
            at: str | None = unit
            while at is not None and at not in units.get(value, ()):
                at = parent[at]
            found[key] = at
        return found[key]

    answers = data.demographic(question)
    return [
        region(str(u), float(v)) if v > 0 else None
        for u, v in zip(data.matrix.unit_codes, answers, strict=True)
    ]


def prove(data: WaveData, classes: ExportClasses, questions: tuple[str, ...]) -> str | None:
    """None when no table of any measure, with the file, isolates 1 to k-1 rows of a class.

    Per measure, its rows with a valid value and every cell it releases
    (:func:`webapp.results.released_cells`), audited exactly where a table splits a class
    (:func:`engine.disclosure.export_proof.audit_split`); measures with the same rows and
    cells are audited once. Otherwise the first finding, described.
    """
    from engine.disclosure.export_proof import audit_split
    from webapp.results import released_cells
    from webapp.results.release import measure_k

    every = frozenset(data.survey.parent)
    ids = classes.ids
    done: set[Any] = set()
    for measure in data.measures.values():
        cells = released_cells(data, measure, every, questions)
        valid = np.asarray(measure.valid, dtype=bool)
        k = measure_k(data, measure)
        key = (k, valid.tobytes(), frozenset(cells))
        if key in done:
            continue
        done.add(key)
        tables = []
        for unit, question, category in sorted(cells, key=repr):
            rows = data.in_subtree(unit)
            name = f"unit:{unit}"
            if question is not None:
                rows = rows & (data.demographic(question) == float(category))  # type: ignore[arg-type]
                name += f"|{question}={category}"
            tables.append((name, rows[valid]))
        found = audit_split(ids[valid], tables, k, classes.names)
        if found:
            label = f"{measure.kind} {measure.id}" if measure.id else measure.kind
            # the views named; the file's groups no table splits are subtracted too
            return f"{label}: {found[0].describe()} (less the file's unsplit groups in it)"
    return None


def groups_split(data: WaveData, classes: ExportClasses, extra: Any, measures: Any = None) -> bool:
    """Whether a programme group (``extra``, :mod:`webapp.research.audit_programmes`) of any
    measure splits a class of the file. A view that splits no class adds nothing to
    :func:`prove` (its part among the split classes is a sum of whole classes)."""
    if extra is None:
        return False
    ids = classes.ids
    count = np.bincount(ids)
    children = data.survey.children
    for measure in measures if measures is not None else data.measures.values():
        valid = np.asarray(measure.valid, dtype=bool)
        size = np.bincount(ids[valid], minlength=len(count))
        for _name, units in extra(data, measure):
            rows = np.zeros(data.n, dtype=bool)
            for unit in units:
                if unit in children:
                    rows |= data.in_subtree(unit)
            inside = np.bincount(ids[valid & rows], minlength=len(count))
            if np.any((inside > 0) & (inside < size)):
                return True
    return False


def plan_blocks(
    data: WaveData,
    quasi: list[str],
    filter_column: str,
    labels: dict[str, str],
    *,
    k: int,
    withheld: Collection[str],
    kinds: tuple[np.ndarray, np.ndarray],
    seed: int | None,
) -> ExportPlan | None:
    """The export with the filter question withheld by blocks, or None when none is proved.

    ``quasi``, ``k``, ``withheld``, ``kinds`` and ``seed`` as for
    :func:`webapp.research.export_plan.plan_export`; ``labels`` its unit labels.
    """
    from engine.disclosure.export import k_anonymize
    from engine.disclosure.export_proof import WITHHELD, withhold_blocks
    from webapp.research.export_plan import ROW, ExportPlan, _frame, export_classes

    frame = _frame(data, labels, withheld, kinds)
    before = frame[filter_column].to_numpy(dtype=float)
    blocks = withhold_blocks(frame["unit"].tolist(), before, regions_of(data, filter_column), k)
    frame[filter_column] = blocks.values
    try:
        result = k_anonymize(
            frame,
            quasi,
            k,
            fixed=["unit", filter_column],
            seed=seed,
            suppression="local",
            keep_apart=(-1.0, -2.0, -3.0, WITHHELD),
        )
    except ValueError:  # a label holds fewer than k rows (only when the whole wave does)
        return None
    classes = export_classes(result.data, quasi, data.n)
    if prove(data, classes, tuple(data.matrix.demographic_ids)) is not None:
        return None
    changed = blocks.values != before  # answers and missing codes withheld by blocks
    rows = result.data[ROW].to_numpy(dtype=np.int64)
    free = [c for c in quasi if c not in ("unit", filter_column)]
    lost = result.data[free].isna().any(axis=1).to_numpy() if free else np.zeros(len(rows), bool)
    affected = changed[rows] | lost
    cells = dict(result.cells)
    cells[filter_column] = int(cells.get(filter_column, 0)) + int(changed.sum())
    result = replace(result, blanked=int(affected.sum()), cells=cells)
    answers = int((blocks.values > 0).sum())
    note = (
        f"{filter_column}: withheld (-4) for {int(changed.sum())} of {data.n} responses, "
        f"in {len(blocks.withheld)} groups (one category in one part of the unit tree) in "
        f"which a unit has fewer than {k}; {answers} answers kept. Checked against every "
        "table the dashboards show (exact audit)"
    )
    return ExportPlan(result, labels, tuple(withheld), classes, 1, (note,), proved=True)
