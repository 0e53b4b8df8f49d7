"""Equity: each group of the survey's filter question against the rest, per scale.

The gap of a group to the rest of its unit (everyone else with a valid scale score,
people who did not answer the question included) is shown only where the results service
releases the group's filter cell: :func:`webapp.results.release.released_cells` over
:func:`webapp.results.filter_question`, the audited release in which a filtered group and
its complement within the unit each hold at least k responses (k counts responses with a
valid scale score; for sensitive instruments the comment threshold), the categories not
shown together hold 0 or at least k, across the tree, and the sensitive-module rule holds.
Each shown gap is checked once more here: the group and the rest at ``measure_k``.

One question, not every demographic question: filter cells of different questions combine
into groups below k (see :func:`webapp.results.filter_question`), and an equity gap shows
the group's cell. The other questions are listed as not offered, with that reason.

Numbers: a group's and its rest's cells are the service's cell statistics
(:func:`webapp.results.cells.cell_at`: n, the pooled mean, SD of scale scores); the gap is
Welch's interval from them (:func:`engine.comparisons.summary.welch_summary`), Hedges' g,
and p adjusted by Holm over every category of the question (a withheld one still counts).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.comparisons.groups import gap_words, holm
from engine.comparisons.summary import welch_summary
from engine.comparisons.welch import Sample
from surveys.db import Database
from surveys.users import UserInfo
from webapp.results.access import AccessDenied
from webapp.results.cells import cell_at
from webapp.results.data import WaveData, load_survey, load_wave
from webapp.results.release import filter_question, measure_k, released_cells

__all__ = ["CONFIDENCE", "ROLES", "equity", "equity_cells"]

CONFIDENCE = 0.95
#: Who may see the equity view.
ROLES = ("admin",)


def _sample(cell: dict[str, Any]) -> Sample:
    return Sample(int(cell["n"]), cell["mean"], cell["sd"])


def _unit_gaps(
    data: WaveData, question: str, codes: list[str], unit: str, cells: dict[str, set]
) -> dict[str, Any]:
    """Per scale, each category's gap in ``unit`` (or why it is withheld)."""
    answers = data.demographic(question)
    inside = data.in_subtree(unit)
    out: dict[str, Any] = {}
    for sid, released in cells.items():
        measure = data.measures[sid]
        k = measure_k(data, measure)
        gaps: dict[str, Any] = {}
        results = {}
        for code in codes:
            if (unit, question, code) not in released:
                gaps[code] = {"shown": False, "reason": "withheld"}
                continue
            member = answers == float(code)
            group = cell_at(measure, np.flatnonzero(inside & member))
            rest = cell_at(measure, np.flatnonzero(inside & ~member))
            if group["n"] < k or rest["n"] < k or group["mean"] is None or rest["mean"] is None:
                gaps[code] = {"shown": False, "reason": "withheld"}  # never below k
                continue
            results[code] = welch_summary(_sample(group), _sample(rest), CONFIDENCE)
        adjusted = holm([r.p for r in results.values()], m=max(len(codes), len(results)))
        for (code, result), p_holm in zip(results.items(), adjusted, strict=True):
            lo, hi = result.ci
            gaps[code] = {
                "shown": True,
                "reason": None,
                "n": result.first.n,
                "mean": result.first.mean,
                "rest": {"n": result.second.n, "mean": result.second.mean},
                "difference": result.difference,
                "ci": [lo, hi],
                "p": result.p,
                "p_holm": p_holm,
                "g": result.g,
                "excludes_zero": result.excludes_zero,
                "words": gap_words(result, p_holm),
            }
        if any(g["shown"] for g in gaps.values()):
            out[sid] = gaps
    return out


def equity_cells(view: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    """The cells an equity view shows: ``(unit, scale, question, category)`` per shown gap
    (each also shows the unit's cell, whose complement the rest is)."""
    out = set()
    for block in view["questions"]:
        for unit in block["units"]:
            for sid, gaps in unit["scales"].items():
                for code, gap in gaps.items():
                    if gap["shown"]:
                        out.add((unit["unit"], sid, block["question"], code))
    return out


def equity(db: Database, survey: str, wave: str, user: UserInfo) -> dict[str, Any]:
    """Group gaps of one wave at organisation level and in each unit where any is shown.

    Returns
    -------
    dict
        ``{"survey", "wave", "released", "reason", "k", "k_counts": "responses",
        "confidence", "questions": [{"question", "offered", "reason", "categories",
        "units": [{"unit", "name", "scales": {scale: {category: gap}}}]}]}``. A shown gap:
        ``{"shown": True, "n", "mean", "rest": {"n", "mean"}, "difference", "ci", "p",
        "p_holm", "g", "excludes_zero", "words"}``; a withheld one ``{"shown": False,
        "reason": "withheld"}`` (never a count). The organisation comes first.

    Raises
    ------
    webapp.results.access.AccessDenied
        The caller is not an admin.
    surveys.errors.NotFound
        Unknown survey or wave.
    """
    if user.role not in ROLES:
        raise AccessDenied("the equity view is for admins")
    context = load_survey(db, survey).at_wave(wave)
    info = context.wave(wave)
    definition = context.definition
    offered = filter_question(definition)
    out: dict[str, Any] = {
        "survey": definition.slug,
        "wave": wave,
        "released": not info.is_open,
        "reason": "wave-open" if info.is_open else None,
        "k": definition.k,
        "k_counts": "responses",
        "confidence": CONFIDENCE,
        "questions": [],
    }
    data = None if info.is_open else load_wave(db, context, wave)
    everyone = frozenset(context.parent)
    roots = sorted(u for u, up in context.parent.items() if up is None)
    for item in definition.demographic_items:
        codes = [str(p) for p in item.response_scale.points]
        block: dict[str, Any] = {
            "question": item.id,
            "offered": item.id == offered,
            "reason": None if item.id == offered else "one-question",
            "categories": codes,
            "units": [],
        }
        out["questions"].append(block)
        if data is None or item.id != offered:
            continue
        cells = {
            m.id: released_cells(data, m, everyone, (item.id,))
            for m in data.measures.values()
            if m.kind == "scale"
        }
        units = roots + sorted(u for u in context.parent if u not in roots)
        for unit in units:
            scales = _unit_gaps(data, item.id, codes, unit, cells)
            if scales or unit in roots:
                block["units"].append(
                    {"unit": unit, "name": context.units[unit].name, "scales": scales}
                )
    return out
