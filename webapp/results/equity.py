"""Equity: each group of every demographic question against the rest, per scale.

The gap of a group to the rest of its unit (everyone else with a valid scale score,
people who did not answer the question included) is shown only where the results service
releases the group's cell (:func:`webapp.results.release.released_cells` asked for every
demographic question):

- the survey's filter question (:func:`webapp.results.filter_question`) in every unit: the
  audited release in which a filtered group and its complement within the unit each hold at
  least k responses (k counts responses with a valid scale score; for sensitive instruments
  the comment threshold), the categories not shown together hold 0 or at least k, across
  the tree, and the sensitive-module rule holds;
- every other demographic question at organisation level
  (:data:`webapp.results.equity_release.EQUITY_DEPTH`), released *jointly*
  (:func:`webapp.results.equity_release.equity_release`): groups of different questions
  intersect, so a cell is withheld ("joint-audit") when, beside every other cell shown, it
  would let a group below k be derived. ``samen audit`` audits these cells with every view.
  For a scale the homogeneity rule covers (social safety, sensitive instruments) they then
  pass that rule beside the scale's other cells (:func:`webapp.results.homogeneity.equity_cells`):
  a gap that would let a group whose answers are nearly all the same be derived is withheld
  ("homogeneous").

Each shown gap is checked once more here: the group and the rest at ``measure_k``.

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
from webapp.results.equity_release import EQUITY_DEPTH, equity_release
from webapp.results.homogeneity import REASON
from webapp.results.release import (
    filter_question,
    measure_k,
    released_cells,
    withheld_as_uniform,
)

__all__ = ["CONFIDENCE", "REASONS", "ROLES", "equity", "equity_cells"]

CONFIDENCE = 0.95
#: Who may see the equity view.
ROLES = ("admin",)
#: Why a gap is withheld: the group or the rest below k, withheld by the joint audit of the
#: questions, by the filter question's complementary suppression, or by the homogeneity
#: rule (a scale of social safety or a sensitive instrument: the gap would show a group
#: whose answers are nearly all the same).
REASONS = ("fewer-than-k", "joint-audit", "complementary", REASON)


def _sample(cell: dict[str, Any]) -> Sample:
    return Sample(int(cell["n"]), cell["mean"], cell["sd"])


def _withheld(reason: str) -> dict[str, Any]:
    return {"shown": False, "reason": reason}


def _unit_gaps(
    data: WaveData,
    question: str,
    codes: list[str],
    unit: str,
    cells: dict[str, set],
    reasons: dict[str, dict[tuple, str]],
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
            member = answers == float(code)
            if (unit, question, code) not in released:
                reason = reasons.get(sid, {}).get((unit, question, code))
                if reason is None:
                    n = int(np.count_nonzero(measure.valid & inside & member))
                    rest_n = int(np.count_nonzero(measure.valid & inside)) - n
                    reason = "fewer-than-k" if min(n, rest_n) < k else "complementary"
                gaps[code] = _withheld(reason)
                continue
            group = cell_at(measure, np.flatnonzero(inside & member))
            rest = cell_at(measure, np.flatnonzero(inside & ~member))
            if group["n"] < k or rest["n"] < k or group["mean"] is None or rest["mean"] is None:
                gaps[code] = _withheld("fewer-than-k")  # never below k
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


def _reasons(
    data: WaveData, offered: str | None, questions: tuple[str, ...]
) -> dict[str, dict[tuple, str]]:
    """Per scale, why a cell is not shown where the reason is not a count: a proposed cell
    of a question other than the filter question "fewer-than-k" or "joint-audit"
    (:mod:`webapp.results.equity_release`), any cell the homogeneity rule withheld
    "homogeneous" (:func:`webapp.results.release.withheld_as_uniform`)."""
    everyone = frozenset(data.survey.parent)
    out: dict[str, dict[tuple, str]] = {}
    for m in data.measures.values():
        if m.kind != "scale":
            continue
        base = frozenset(released_cells(data, m, everyone, (offered,) if offered else ()))
        found = equity_release(data, m, base, measure_k(data, m), offered)
        reasons = {c: "fewer-than-k" for c in found.small}
        reasons.update({c: "joint-audit" for c in found.joint})
        if m.homogeneity:
            reasons.update({c: REASON for c in withheld_as_uniform(data, m, questions)})
        out[m.id] = reasons
    return out


def equity(db: Database, survey: str, wave: str, user: UserInfo) -> dict[str, Any]:
    """Group gaps of one wave for every demographic question.

    The filter question is compared in every unit where a gap is shown; every other
    question at organisation level (``"depth"``, :data:`EQUITY_DEPTH`: the deepest
    level compared, 0 the organisation).

    Returns
    -------
    dict
        ``{"survey", "wave", "released", "reason", "k", "k_counts": "responses",
        "confidence", "questions": [{"question", "offered", "filter", "depth", "reason",
        "categories", "units": [{"unit", "name", "scales": {scale: {category: gap}}}]}]}``.
        ``offered`` is True for every question compared (False only without a closed-wave
        release: an open link offers none, reason "open-link"); ``filter`` marks the
        survey's filter question. A shown gap: ``{"shown": True, "n", "mean", "rest":
        {"n", "mean"}, "difference", "ci", "p", "p_holm", "g", "excludes_zero", "words"}``;
        a withheld one ``{"shown": False, "reason"}``, reason one of :data:`REASONS` (never
        a count). The organisation comes first.

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
    questions = tuple(item.id for item in definition.demographic_items)
    compared = offered is not None
    cells: dict[str, set] = {}
    reasons: dict[str, dict[tuple, str]] = {}
    if data is not None and compared:
        cells = {
            m.id: released_cells(data, m, everyone, questions)
            for m in data.measures.values()
            if m.kind == "scale"
        }
        reasons = _reasons(data, offered, questions)
    top = sorted(u for u, up in context.parent.items() if up in roots)
    for item in definition.demographic_items:
        codes = [str(p) for p in item.response_scale.points]
        is_filter = item.id == offered
        block: dict[str, Any] = {
            "question": item.id,
            "offered": compared,
            "filter": is_filter,
            "depth": None if is_filter else EQUITY_DEPTH,
            "reason": None if compared else "open-link",
            "categories": codes,
            "units": [],
        }
        out["questions"].append(block)
        if data is None or not compared:
            continue
        units = roots + (
            sorted(u for u in context.parent if u not in roots)
            if is_filter
            else (top if EQUITY_DEPTH >= 1 else [])
        )
        for unit in units:
            scales = _unit_gaps(data, item.id, codes, unit, cells, reasons)
            if scales or unit in roots:
                block["units"].append(
                    {"unit": unit, "name": context.units[unit].name, "scales": scales}
                )
    return out
