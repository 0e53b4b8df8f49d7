"""Homogeneity of sensitive items in the results service (DESIGN.md point 6, issue 13).

The rule itself is :func:`engine.disclosure.homogeneity.item_release`: a sensitive item's
distribution, favourable share or "at least once" share is shown only when at least
:data:`engine.disclosure.homogeneity.MIN_OUTSIDE` respondents fall outside its largest part.
Here it is applied to the cells :mod:`webapp.results.release` has already released (k and
the comment threshold, both counted in respondents), for the whole organisation's pattern
and bottom-up over the unit tree, so that a parent minus its shown children never isolates
a homogeneous remainder either: a unit whose remainder would be homogeneous falls back to the
coarse "never vs at least once" split, or is withheld with reason ``"homogeneous"``.

The rule covers sensitive instruments and those named in
:data:`engine.disclosure.homogeneity.NAMED_INSTRUMENTS` (social safety; ``Measure.homogeneity``).
Agreement items (social safety) are shown in full or withheld: their shares are the
favourable ones, and the lowest code's share alone is no view of them.

Subtraction over the tree: a unit's remainder is the unit minus its *shown descendants
nearest to it* (a shown grandchild under a hidden child counts), so every group derivable
from unit totals is a union of such remainders; a union of disjoint groups that each have 2
respondents outside every part has them too, so checking the remainders is complete for a
tree. A scored scale of such an instrument is shown only where each of its items is shown in
full (:func:`scale_hidden`): its pooled numbers are the sum of its items' and a respondent
outside a part on one item is outside it on the scale. Its filter cells are a different
kind of view (unit minus filter group, filter groups across units): :func:`filter_cells`
withholds them until :func:`engine.disclosure.homogeneity.enforce_homogeneity`, the
k-audit's search with respondents outside a part as weight, finds no homogeneous group.

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
    enforce_homogeneity,
    homogeneous,
    item_release,
    outside_parts,
    parts_of,
    remainder,
)
from webapp.results.cells import favourable_top
from webapp.results.data import Measure, WaveData

__all__ = [
    "REASON",
    "apply",
    "counts_at",
    "equity_cells",
    "filter_cells",
    "item_level",
    "nearest_shown",
    "outside_by_profile",
    "scale_hidden",
]

Cell = tuple[str, str | None, str | None]

_HIDDEN = ItemRelease("withheld", False, None)  # not released for other reasons


def counts_at(data: WaveData, measure: Measure, unit: str) -> dict[int, int]:
    """Respondents per response code of an item in the unit's subtree (unfiltered)."""
    slot = ("homogeneity counts", measure.id, unit)
    found = data.derived.get(slot)
    if found is None:
        rows = np.flatnonzero(data.in_subtree(unit) & measure.valid)
        answers = measure.scores[rows] if measure.scores is not None else np.empty(0)
        found = {int(p): int(np.count_nonzero(answers == p)) for p in measure.points}
        data.derived[slot] = found
    return dict(found)


def item_level(data: WaveData, measure: Measure, unit: str) -> ItemRelease:
    """What of the item's cell at ``unit`` may be shown (``withheld`` without a reason when
    the cell is not released at all for k or the comment threshold)."""
    return _levels(data, measure)[unit]


def _levels(data: WaveData, measure: Measure) -> dict[str, ItemRelease]:
    """Every unit's decision, children before parents (kept per wave and item).

    A unit whose remainder (the unit minus its nearest shown descendants) is too uniform:
    for an agreement item, one more descendant is withheld first (reason
    ``"complementary"``; the smallest whose own remainder holds respondents: that remainder
    passed, so the unit's grows to pass as well), so that a division or the organisation is
    not lost to the few people only it covers; when there is none, or for a frequency item,
    the unit itself is coarsened or withheld.
    """
    from webapp.results.release import _org_cells

    slot = ("homogeneity levels", measure.id)
    found = data.derived.get(slot)
    if found is not None:
        return found  # type: ignore[no-any-return]
    released = _org_cells(data, measure, ())
    order: list[str] = []
    stack = [(u, False) for u, up in data.survey.parent.items() if up is None]
    while stack:
        code, done = stack.pop()
        if done:
            order.append(code)
            continue
        stack.append((code, True))
        stack.extend((c, False) for c in data.survey.children.get(code, []) if c != code)
    levels: dict[str, ItemRelease] = {}
    top = favourable_top(measure.points)
    for unit in order:
        if (unit, None, None) not in released:
            levels[unit] = _HIDDEN
            continue
        counts = counts_at(data, measure, unit)
        decision = item_release(counts, measure.points, top, lowest=measure.sensitive)
        if decision.level != "withheld":
            decision = _subtraction(data, measure, unit, counts, decision, levels)
        levels[unit] = decision
    data.derived[slot] = levels
    return levels


def _subtraction(
    data: WaveData,
    measure: Measure,
    unit: str,
    counts: dict[int, int],
    decision: ItemRelease,
    levels: dict[str, ItemRelease],
) -> ItemRelease:
    """Downgrade ``decision`` when the unit minus its nearest shown descendants is
    homogeneous (separately for the full and for the coarse partitions); for an agreement
    item first try withholding one more descendant (see :func:`_levels`)."""
    if not measure.sensitive and decision.level == "full":
        _spare(data, measure, unit, counts, levels)
    full = nearest_shown(data, unit, lambda c: levels[c].level == "full")
    any_shown = nearest_shown(data, unit, lambda c: levels[c].level in ("full", "coarse"))
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

    # the lowest code's share is a view only of frequency items (``lowest``): an agreement
    # item has no coarse level, and "nobody strongly disagreed" is no share it shows
    coarse_ok = not measure.sensitive or not any_shown or not homogeneous(rest(lowest, any_shown))
    if decision.level == "full" and full:
        fine_ok = not homogeneous(rest(None, full)) and not homogeneous(rest(top, full))
        if not fine_ok:
            return (
                ItemRelease("coarse", False, None)
                if coarse_ok and measure.sensitive
                else ItemRelease("withheld", False, REASON)
            )
    if not coarse_ok:
        return ItemRelease("withheld", False, REASON)
    return decision


def _spare(
    data: WaveData,
    measure: Measure,
    unit: str,
    counts: dict[int, int],
    levels: dict[str, ItemRelease],
) -> None:
    """Withhold the smallest nearest shown descendant whose own remainder holds respondents
    while the unit's remainder is too uniform (fine or favourable split)."""
    points = tuple(int(p) for p in measure.points)
    _, top = coarse_groups(points, favourable_top(measure.points))

    def rest_of(code: str, code_counts: dict[int, int]) -> list[int]:
        kids = nearest_shown(data, code, lambda c: levels[c].level == "full")
        parts = [[counts_at(data, measure, c)[p] for p in points] for c in kids]
        return list(remainder([code_counts[p] for p in points], parts))

    for _ in range(len(levels) + 1):
        rest = rest_of(unit, counts)
        fine = homogeneous(rest)
        split = homogeneous(coarsen(dict(zip(points, rest, strict=True)), top))
        if not (fine or split):
            return
        shown = nearest_shown(data, unit, lambda c: levels[c].level == "full")
        spare = [c for c in shown if sum(rest_of(c, counts_at(data, measure, c))) > 0]
        if not spare:
            return
        victim = min(spare, key=lambda c: (sum(counts_at(data, measure, c).values()), c))
        levels[victim] = ItemRelease("withheld", False, "complementary")


def nearest_shown(data: WaveData, unit: str, shown: Any) -> list[str]:
    """The descendants of ``unit`` for which ``shown(code)`` holds with no such unit between.

    A unit's shown number minus these is the group that subtraction isolates: its own
    members and those of the hidden units below it that no shown unit covers.
    """
    out: list[str] = []
    stack = [c for c in data.survey.children.get(unit, []) if c != unit]
    while stack:
        code = stack.pop()
        if shown(code):
            out.append(code)
        else:
            stack.extend(c for c in data.survey.children.get(code, []) if c != code)
    return sorted(out)


def scale_hidden(data: WaveData, scale: Measure, unit: str) -> bool:
    """Whether a scale of a covered instrument is hidden at ``unit`` because one of its
    items is not shown in full there (the scale minus its other items would show it)."""
    return any(item_level(data, data.measures[i], unit).level != "full" for i in scale.items)


def outside_by_profile(
    data: WaveData, measure: Measure, questions: tuple[str, ...], parts: Any
) -> tuple[dict[str, dict[tuple, int]], list[dict[str, dict[tuple, int]]]]:
    """Respondents per unit and filter profile, and per part those outside it.

    A respondent is outside a part when any of their counted answers to the measure is
    (:func:`engine.disclosure.homogeneity.outside_parts`).
    """
    answers = measure.answers if measure.answers is not None else np.empty((data.n, 0))
    outside = outside_parts(answers, parts)

    def count(mask: np.ndarray) -> dict[str, dict[tuple, int]]:
        if questions:
            return data.own_profiles(mask, questions)
        return {u: {(): n} for u, n in data.own_counts(mask).items() if n}

    return count(measure.valid), [count(measure.valid & outside[:, j]) for j in range(len(parts))]


def filter_cells(
    data: WaveData, measure: Measure, cells: set[Cell], questions: tuple[str, ...]
) -> tuple[set[Cell], set[Cell]]:
    """The cells of a covered scale kept once no homogeneous group is derivable, and the
    filter cells withheld for it.

    Unit cells are views of priority 1, filter cells of priority 0, so filter cells go
    first (:func:`engine.disclosure.homogeneity.enforce_homogeneity`). Counted in
    respondents.
    """
    from engine.disclosure.audit_views import atoms_of, cell_views

    used = tuple(q for q in questions if any(c[1] == q for c in cells))
    if not used:
        return cells, set()
    parts = parts_of(measure.points, favourable_top(measure.points), lowest=measure.sensitive)
    own, per_part = outside_by_profile(data, measure, used, parts)
    atoms = atoms_of(own)
    outside = {
        atom: [int(counts.get(atom[0], {}).get(atom[1], 0)) for counts in per_part]
        for atom in atoms
    }
    views = cell_views(data.survey.parent, own, cells, used)
    name_of = {}
    for cell in cells:
        name = f"unit:{cell[0]}" if cell[1] is None else f"unit:{cell[0]}|{cell[1]}={cell[2]}"
        name_of[name] = cell
    _, withheld = enforce_homogeneity(atoms, outside, parts, views)
    dropped = {name_of[v.name] for v in withheld}
    return cells - dropped, dropped


def equity_cells(
    data: WaveData,
    measure: Measure,
    shown: set[Cell],
    proposed: set[Cell],
    questions: tuple[str, ...],
) -> tuple[set[Cell], set[Cell]]:
    """The equity cells of a covered scale (groups of the demographic questions other than
    the filter question, :mod:`webapp.results.equity_release`) kept beside ``shown`` (its
    cells after :func:`filter_cells`) once no homogeneous group is derivable, and those
    withheld for it.

    All cells become views over atoms that carry the answers to every question the cells
    name; the shown cells get priority 1 or more and, since they pass on their own, are
    never withheld (:func:`engine.disclosure.homogeneity.enforce_homogeneity` withholds
    the lowest priority of a finding's combination first): only equity cells (priority
    -1) are. Counted in respondents.
    """
    from engine.disclosure.audit import View
    from engine.disclosure.audit_views import atoms_of, cell_views

    if not proposed:
        return set(), set()
    cells = shown | proposed
    used = tuple(q for q in questions if any(c[1] == q for c in cells))
    parts = parts_of(measure.points, favourable_top(measure.points), lowest=measure.sensitive)
    own, per_part = outside_by_profile(data, measure, used, parts)
    atoms = atoms_of(own)
    outside = {
        atom: [int(counts.get(atom[0], {}).get(atom[1], 0)) for counts in per_part]
        for atom in atoms
    }
    name_of = {_view_name(c): c for c in cells}
    views = [
        View(v.name, v.atoms, -1 if name_of[v.name] in proposed else v.priority + 1)
        for v in cell_views(data.survey.parent, own, cells, used)
    ]
    _, withheld = enforce_homogeneity(atoms, outside, parts, views)
    dropped = {name_of[v.name] for v in withheld}
    if dropped - proposed:  # never: the shown cells pass on their own
        raise AssertionError("the homogeneity rule withheld a cell shown before")
    return proposed - dropped, dropped


def _view_name(cell: Cell) -> str:
    return f"unit:{cell[0]}" if cell[1] is None else f"unit:{cell[0]}|{cell[1]}={cell[2]}"


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
