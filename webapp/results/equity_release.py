"""Equity cells of every demographic question beyond the filter question: a joint release.

The results service offers one demographic question as a filter
(:func:`webapp.results.release.filter_question`) in every unit. The equity view compares
groups of *every* demographic question with the rest, at organisation level
(:data:`EQUITY_DEPTH`), for scored scales. Those cells are proposed per
scale and released by :func:`engine.disclosure.joint.joint_release`: audited together with
every cell the service already shows of that scale (unit totals, the filter question's
cells) over atoms that carry the answers to every demographic question, and withheld,
deepest unit and smallest group first, until no group of 1 to k-1 responses is derivable.
``samen audit`` then audits them once more with every other view (exports, items,
programmes), since :func:`webapp.results.release.released_cells` returns them whenever it
is asked for every demographic question, as the audit asks.

k counts responses with a valid scale score (for sensitive instruments the comment
threshold, and the sensitive-module rule holds as for every other cell).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.disclosure.joint import JointRelease, joint_release
from engine.disclosure.rules import sensitive_module_allowed

if TYPE_CHECKING:
    from webapp.results.data import Measure, WaveData
    from webapp.results.release import Cell

__all__ = ["EQUITY_DEPTH", "equity_release"]

#: Deepest unit level whose groups are compared on every demographic question: 0 is the
#: organisation. Not 1 (its top-level units): on the demo the joint audit then finds
#: groups of 1 to 4 in most departments (gender x tenure, role...) and, withholding one
#: cell per round with searches that exhaust their budget, takes minutes per scale.
EQUITY_DEPTH = 0


def _depth(parent: dict[str, str | None], unit: str) -> int:
    level = 0
    while parent[unit] is not None:
        unit = parent[unit]  # type: ignore[assignment]
        level += 1
    return level


def equity_release(
    data: WaveData, measure: Measure, shown: frozenset[Cell], k: int, offered: str | None
) -> JointRelease:
    """The equity cells of ``measure`` for the demographic questions other than ``offered``.

    ``shown``: the cells the service already releases of this scale for every demographic
    question (unit totals and the filter question's cells). Kept in ``data.derived``.
    """
    questions = tuple(data.matrix.demographic_ids)
    slot = ("equity release", measure.id, k, questions, shown)
    found = data.derived.get(slot)
    if found is not None:
        return found
    own = data.own_profiles(measure.valid, questions)
    # scales with the same counts everywhere share a release (most scales of a wave)
    key = (
        k,
        shown,
        measure.sensitive,
        tuple((u, tuple(sorted(p.items(), key=repr))) for u, p in own.items()),
    )
    shared = data.derived.setdefault(("equity releases by counts",), {})
    if key in shared:
        data.derived[slot] = shared[key]
        return shared[key]
    parent = data.survey.parent
    depth = {u: _depth(parent, u) for u in parent}
    others = [q for q in questions if q != offered]
    units = sorted(c[0] for c in shown if c[1] is None and depth[c[0]] <= EQUITY_DEPTH)
    definition = data.survey.definition
    proposed: set[Cell] = set()
    for question in others:
        answers = data.demographic(question)
        codes = [str(p) for p in definition.item(question).response_scale.points]
        for unit in units:
            inside = measure.valid & data.in_subtree(unit)
            for code in codes:
                n = int(np.count_nonzero(inside & (answers == float(code))))
                if measure.sensitive and not sensitive_module_allowed(
                    depth[unit] == 0, n, definition.comment_threshold
                ):
                    continue
                if n:
                    proposed.add((unit, question, code))
    found = joint_release(parent, own, k, questions, shown, proposed, depth)
    data.derived[slot] = found
    shared[key] = found
    return found
