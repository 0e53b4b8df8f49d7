"""Homogeneity of sensitive items in the results service (DESIGN.md point 6, issue 13).

The rule itself is :func:`engine.disclosure.homogeneity.item_release`: a sensitive item's
distribution, favourable share or "at least once" share is shown only when at least
:data:`engine.disclosure.homogeneity.MIN_OUTSIDE` respondents fall outside its largest part.
Here it is applied to the cells :mod:`webapp.results.release` has already released (k and
the comment threshold, both counted in respondents), for the whole organisation's pattern
and bottom-up over the unit tree, so that a parent minus its shown children never isolates
a homogeneous remainder either: a unit whose remainder would be homogeneous falls back to the
coarse "never vs at least once" split, or is withheld with reason ``"homogeneous"``.

The decision does not depend on who asks (a manager's scope only hides more), and is kept
per wave in ``data.derived``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.disclosure.homogeneity import (
    REASON,
    ItemRelease,
    coarse_groups,
    coarsen,
    homogeneous,
    item_release,
    remainder,
)
from webapp.results.cells import favourable_top
from webapp.results.data import Measure, WaveData

__all__ = ["REASON", "apply", "counts_at", "item_level"]

_HIDDEN = ItemRelease("withheld", False, None)  # not released for other reasons


def counts_at(data: WaveData, measure: Measure, unit: str) -> dict[int, int]:
    """Respondents per response code of an item in the unit's subtree (unfiltered)."""
    rows = np.flatnonzero(data.in_subtree(unit) & measure.valid)
    answers = measure.scores[rows] if measure.scores is not None else np.empty(0)
    return {int(p): int(np.count_nonzero(answers == p)) for p in measure.points}


def item_level(data: WaveData, measure: Measure, unit: str) -> ItemRelease:
    """What of the item's cell at ``unit`` may be shown (``withheld`` without a reason when
    the cell is not released at all for k or the comment threshold)."""
    from webapp.results.release import _org_cells

    slot = ("homogeneity", measure.id, unit)
    found = data.derived.get(slot)
    if found is not None:
        return found  # type: ignore[no-any-return]
    if (unit, None, None) not in _org_cells(data, measure, ()):
        decision = _HIDDEN
    else:
        counts = counts_at(data, measure, unit)
        top = favourable_top(measure.points)
        decision = item_release(counts, measure.points, top)
        if decision.level != "withheld":
            decision = _subtraction(data, measure, unit, counts, decision)
    data.derived[slot] = decision
    return decision


def _subtraction(
    data: WaveData, measure: Measure, unit: str, counts: dict[int, int], decision: ItemRelease
) -> ItemRelease:
    """Downgrade ``decision`` when the unit minus its shown children is homogeneous."""
    kids = [c for c in data.survey.children.get(unit, []) if c != unit]
    levels = {c: item_level(data, measure, c) for c in kids}
    full = [c for c in kids if levels[c].level == "full"]
    any_shown = [c for c in kids if levels[c].level in ("full", "coarse")]
    points = tuple(int(p) for p in measure.points)
    lowest, top = coarse_groups(points, favourable_top(measure.points))

    def rest(groups: Any, children: list[str]) -> tuple[int, ...]:
        if groups is None:
            parent = [counts[p] for p in points]
            kids_counts = [[counts_at(data, measure, c)[p] for p in points] for c in children]
        else:
            parent = list(coarsen(counts, groups))
            kids_counts = [list(coarsen(counts_at(data, measure, c), groups)) for c in children]
        return remainder(parent, kids_counts)

    coarse_ok = not any_shown or not homogeneous(rest(lowest, any_shown))
    if decision.level == "full" and full:
        fine_ok = not homogeneous(rest(None, full)) and not homogeneous(rest(top, full))
        if not fine_ok:
            return (
                ItemRelease("coarse", False, None)
                if coarse_ok
                else ItemRelease("withheld", False, REASON)
            )
    if not coarse_ok:
        return ItemRelease("withheld", False, REASON)
    return decision


def apply(cell: dict[str, Any], measure: Measure, decision: ItemRelease) -> dict[str, Any]:
    """The released cell as the decision allows: at ``"coarse"`` only the lowest code's share
    (the rest of the distribution, the mean, sd, interval and favourable share None)."""
    if decision.level == "full":
        return cell
    out = dict(cell)
    lowest = str(min(measure.points))
    distribution = cell.get("distribution") or {}
    out["distribution"] = {
        code: (v if code == lowest else None) for code, v in distribution.items()
    }
    out.update(mean=None, sd=None, ci=None, favourable=None, coarse=True)
    return out
