"""Homogeneity findings of ``samen audit``: figures of covered instruments that make answers
certain (DESIGN.md point 6, issue 13).

Covered: items and scored scales of sensitive instruments and of those named in
:data:`engine.disclosure.homogeneity.NAMED_INSTRUMENTS` (social safety). For each audited
wave and each such measure, the cells the results service shows (an item's full
distribution with its favourable split, or its "never" vs "at least once" split alone; a
scale's unit and filter cells) become views over the k-audit's atoms (a unit's own members
x their filter answers) and :func:`engine.disclosure.homogeneity.derivable_homogeneous`
searches their row space exactly, as the k-audit does: any combination of shown numbers
(a parent minus some of its children, a unit minus a filter group, filter groups across
units) that isolates a nonempty group with fewer than 2 respondents outside one part of
the answers is a finding. Counted in respondents. The service applies the rule itself, so
a finding here means the rule and the service disagree: the audit is never weakened to pass.

Waves are not differenced: each wave's responses are other responses (a change is a
difference of two waves' means, each at k and checked here), so no wave minus wave is a
group of respondents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.disclosure.audit_views import atoms_of, cell_views
from engine.disclosure.homogeneity import (
    HomogeneityFinding,
    derivable_homogeneous,
    parts_of,
)
from webapp.results.cells import favourable_top
from webapp.results.homogeneity import item_level, outside_by_profile

if TYPE_CHECKING:
    from webapp.results.data import Measure, WaveData

__all__ = ["audit_measure_homogeneity", "audit_wave_homogeneity"]

Cell = tuple[str, str | None, str | None]


def audit_measure_homogeneity(
    data: WaveData,
    measure: Measure,
    shown: dict[tuple[tuple[int, ...], ...], set[Cell]],
) -> tuple[list[HomogeneityFinding], int]:
    """Findings for one measure whose cells ``shown`` reveal the given parts, and views.

    ``shown`` maps a tuple of parts (:func:`engine.disclosure.homogeneity.parts_of`) to the
    cells that reveal them.
    """
    out: list[HomogeneityFinding] = []
    views_checked = 0
    for parts, cells in shown.items():
        if not cells:
            continue
        questions = tuple(dict.fromkeys(c[1] for c in cells if c[1] is not None))
        own, per_part = outside_by_profile(data, measure, questions, parts)  # type: ignore[arg-type]
        atoms = atoms_of(own)
        outside = {
            atom: [int(p.get(atom[0], {}).get(atom[1], 0)) for p in per_part] for atom in atoms
        }
        views = cell_views(data.survey.parent, own, cells, questions)
        views_checked += len(views)
        out.extend(derivable_homogeneous(measure.id, atoms, outside, parts, views))
    return out, views_checked


def audit_wave_homogeneity(
    data: WaveData, scope: frozenset[str], *, filters: bool = True
) -> tuple[list[tuple[str, HomogeneityFinding]], int]:
    """Homogeneity findings of one wave's covered measures in ``scope``, and views checked
    (with ``filters`` False, unit cells only, as ``samen audit`` without filters).

    Each finding comes with its context ``"<wave> item <id>"`` or ``"<wave> scale <id>"``.
    """
    from webapp.results import released_cells

    out: list[tuple[str, HomogeneityFinding]] = []
    views = 0
    questions = tuple(data.matrix.demographic_ids) if filters else ()
    for measure in data.measures.values():
        if not measure.homogeneity or measure.kind == "responses":
            continue
        top = favourable_top(measure.points)
        full_parts = parts_of(measure.points, top, lowest=measure.sensitive)
        shown: dict[tuple[tuple[int, ...], ...], set[Cell]] = {}
        if measure.kind == "item":
            levels = {u: item_level(data, measure, u).level for u in sorted(scope)}
            shown[full_parts] = {(u, None, None) for u, lv in levels.items() if lv == "full"}
            if measure.sensitive:
                coarse = parts_of(measure.points, top, coarse=True)
                shown[coarse] = {(u, None, None) for u, lv in levels.items() if lv != "withheld"}
        else:
            shown[full_parts] = set(released_cells(data, measure, scope, questions))
        found, checked = audit_measure_homogeneity(data, measure, shown)
        views += checked
        context = f"{data.wave.label} {measure.kind} {measure.id}"
        out.extend((context, f) for f in found)
    return out, views
