"""Homogeneity findings of ``samen audit``: sensitive items whose shown figures make answers
certain (DESIGN.md point 6, issue 13).

For each audited wave and each item of a sensitive instrument, the partitions the results
service shows per unit (:func:`webapp.results.homogeneity.item_level`: the full distribution
with its favourable and "at least once" splits, or the "at least once" split alone) are
checked by :func:`engine.disclosure.homogeneity.homogeneity_findings`, alone and as a parent
minus its shown children. Counted in respondents. The service applies the same rule, so a
finding here means the rule and the service disagree: the audit is never weakened to pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.disclosure.homogeneity import HomogeneityFinding, coarse_groups, coarsen
from engine.disclosure.homogeneity import homogeneity_findings as findings_of
from webapp.results.cells import favourable_top
from webapp.results.homogeneity import counts_at, item_level

if TYPE_CHECKING:
    from webapp.results.data import WaveData

__all__ = ["audit_wave_homogeneity"]


def audit_wave_homogeneity(
    data: WaveData, scope: frozenset[str]
) -> tuple[list[tuple[str, HomogeneityFinding]], int]:
    """Homogeneity findings of one wave's sensitive items in ``scope``, and views checked.

    Each finding comes with its context ``"<wave> item <id> (<partition>)"``.
    """
    out: list[tuple[str, HomogeneityFinding]] = []
    views = 0
    parent = data.survey.parent
    for measure in data.measures.values():
        if not (measure.sensitive and measure.kind == "item"):
            continue
        points = tuple(int(p) for p in measure.points)
        lowest, top = coarse_groups(points, favourable_top(measure.points))
        fine: dict[str, list[int]] = {}
        low: dict[str, list[int]] = {}
        fav: dict[str, list[int]] = {}
        for unit in sorted(scope):
            level = item_level(data, measure, unit).level
            if level == "withheld":
                continue
            counts = counts_at(data, measure, unit)
            low[unit] = list(coarsen(counts, lowest))
            if level == "full":
                fine[unit] = [counts[p] for p in points]
                fav[unit] = list(coarsen(counts, top))
        for name, shown in (("distribution", fine), ("at least once", low), ("favourable", fav)):
            views += len(shown)
            context = f"{data.wave.label} item {measure.id} ({name})"
            out.extend((context, f) for f in findings_of(measure.id, shown, parent))
    return out, views
