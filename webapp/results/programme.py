"""The evaluation of a leadership programme: did a scale rise more in its units than elsewhere?

For admins and researchers (the page ``/programmes/<id>`` and the API
``/api/v1/programmes/<id>/evaluation`` both call :func:`programme_evaluation`). The
statistics are :func:`engine.comparisons.programme.programme_effect`: a difference in
differences with unit and wave fixed effects, CR2 cluster-robust by unit with Satterthwaite
df (R ``clubSandwich``), and the random-intercept model (R ``lme4``) as a second opinion.

Which responses count (the *clusters*, one per unit on each side):

- a programme unit: the responses of its subtree (the unit and the units below it), the
  same group its dashboard figures describe;
- the other units: every unit without sub-units in the wave's tree that is not under a
  programme unit: teams like the programme's own.

Disclosure (DESIGN.md, anonymity points 2 and 3). A cluster enters a scale's evaluation
only when its unit's cell of that scale is **released** by the results service in *both*
waves (:func:`webapp.results.release.released_cells` for the whole organisation: at least
k valid scale scores, counted in responses, and not withheld to protect another group).
Each side's group is then a union of released cells, so its count and sum are sums of
released counts and sums: no new view (``samen audit`` adds the two groups as views all the
same, :func:`programme_views`, and proves that). A unit that is not released (fewer than k
responses, or withheld to protect a smaller group) is left out and counted as left out,
never shown; its response count is never given. A side needs at least
:data:`~engine.comparisons.programme.MIN_UNITS` units (2) or the scale shows no numbers: a
group of one unit would be that unit, and the group means are the only figures shown (no
unit's own mean). The estimate, its SE and the mixed model are computed from the released
clusters' responses alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from surveys.db import Database
from surveys.programmes import ProgrammeInfo, get_programme
from surveys.users import UserInfo
from webapp.results.access import AccessDenied
from webapp.results.cells import DIGITS
from webapp.results.data import Measure, SurveyContext, WaveData, load_survey, load_wave
from webapp.results.release import measure_k, released_cells

__all__ = [
    "ROLES",
    "SIDES",
    "Clusters",
    "clusters",
    "evaluated_scales",
    "programme_evaluation",
    "programme_views",
]

#: Roles that may see a programme's evaluation (researchers read-only).
ROLES = ("admin", "researcher")
#: The two sides of the comparison.
SIDES = ("programme", "other")
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Clusters:
    """The units of one scale's evaluation, per side: those used and those left out.

    Attributes
    ----------
    used : dict of str to tuple of str
        Per side, the unit codes whose cells are released in both waves (sorted).
    left_out : dict of str to int
        Per side, units with a valid score in either wave that are not released in both.
    """

    used: dict[str, tuple[str, ...]]
    left_out: dict[str, int]


def evaluated_scales(data: WaveData) -> list[Measure]:
    """The scales a programme is evaluated on: scored, not sensitive, in survey order.

    Sensitive instruments (unwanted behaviour) are left out: their numbers follow the
    comment threshold and the homogeneity rule, not a group mean.
    """
    return [m for m in data.measures.values() if m.kind == "scale" and not m.sensitive]


def _leaves(survey: SurveyContext) -> set[str]:
    return {code for code, kids in survey.children.items() if not kids}


def _under(survey: SurveyContext, code: str, units: Iterable[str]) -> bool:
    """Whether ``code`` is one of ``units`` or lies below one of them in the tree."""
    chosen = set(units)
    current: str | None = code
    while current is not None:
        if current in chosen:
            return True
        current = survey.parent.get(current)
    return False


def _candidates(data: WaveData, units: tuple[str, ...]) -> dict[str, set[str]]:
    survey = data.survey
    programme = {u for u in units if u in survey.units}
    other = {u for u in _leaves(survey) if not _under(survey, u, units)}
    return {"programme": programme, "other": other}


def _valid_n(data: WaveData, measure: Measure, unit: str) -> int:
    if unit not in data.survey.units:
        return 0
    return int(np.count_nonzero(measure.valid & data.in_subtree(unit)))


def clusters(
    before: WaveData, after: WaveData, measure_id: str, units: tuple[str, ...]
) -> Clusters:
    """The units of a scale's evaluation, per side (see the module docstring).

    A unit is used when its cell of the scale is released for the whole organisation in
    both waves (so it holds at least k responses with a valid score in each) and, on the
    other side, when it has no sub-units in either wave's tree.
    """
    first, second = _candidates(before, units), _candidates(after, units)
    released = [
        {c[0] for c in released_cells(d, d.measures[measure_id], frozenset(d.survey.parent))}
        for d in (before, after)
    ]
    used: dict[str, tuple[str, ...]] = {}
    left_out: dict[str, int] = {}
    for side in SIDES:
        pool = first[side] | second[side]
        both = first[side] & second[side]
        kept = sorted(u for u in both if u in released[0] and u in released[1])
        used[side] = tuple(kept)
        left_out[side] = sum(
            1
            for u in pool - set(kept)
            if _valid_n(before, before.measures[measure_id], u)
            or _valid_n(after, after.measures[measure_id], u)
        )
    return Clusters(used, left_out)


def _group(data: WaveData, measure_id: str, units: tuple[str, ...]) -> tuple[np.ndarray, list]:
    """Scores and cluster labels of the valid responses of ``units``' subtrees."""
    measure = data.measures[measure_id]
    scores: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    if measure.scores is None:
        raise ValueError(f"measure {measure.id!r} has no scores: not a scale")
    for unit in units:
        mask = measure.valid & data.in_subtree(unit)
        scores.append(measure.scores[mask])
        labels.append(np.full(int(mask.sum()), unit, dtype=object))
    flat = np.concatenate(scores) if scores else np.zeros(0)
    return flat, list(np.concatenate(labels)) if labels else []


def _side(values: np.ndarray) -> dict[str, Any]:
    return {"n": int(values.size), "mean": round(float(values.mean()), DIGITS)}


def _scale_names(context: SurveyContext) -> dict[str, dict[str, Any]]:
    """Per scale id: its name and its instrument's title per language, its answer range."""
    from webapp.results.data import scale_id

    definition = context.definition
    return {
        scale_id(definition, inst.id, scale.id): {
            "name": dict(scale.name),
            "instrument": dict(inst.title),
            "range": [
                float(min(scale.items[0].response_scale.points)),
                float(max(scale.items[0].response_scale.points)),
            ],
        }
        for inst in definition.answer_instruments
        for scale in inst.scales
        if scale.items
    }


def _evaluate_scale(
    before: WaveData, after: WaveData, measure: Measure, units: tuple[str, ...]
) -> dict[str, Any]:
    from engine.comparisons.programme import MIN_UNITS, programme_effect

    found = clusters(before, after, measure.id, units)
    out: dict[str, Any] = {
        "scale": measure.id,
        "estimate": None,
        "se": None,
        "df": None,
        "p": None,
        "ci": None,
        "excludes_zero": None,
        "mixed": None,
        "reason": None,
        "sides": {
            side: {
                "units": len(found.used[side]),
                "units_left_out": found.left_out[side],
                "before": None,
                "after": None,
            }
            for side in SIDES
        },
    }
    if any(len(found.used[side]) < MIN_UNITS for side in SIDES):
        out["reason"] = "too-few-units"
        return out
    parts = {
        (side, wave): _group(data, measure.id, found.used[side])
        for side in SIDES
        for wave, data in (("before", before), ("after", after))
    }
    for (side, wave), (values, _labels) in parts.items():
        out["sides"][side][wave] = _side(values)
    score = np.concatenate([values for values, _ in parts.values()])
    unit = np.array([f"{s}:{u}" for (s, _w), (_v, us) in parts.items() for u in us], dtype=str)
    waves = np.array([w for (_s, w), (v, _u) in parts.items() for _ in range(v.size)], dtype=str)
    treated = np.array(
        [s == "programme" for (s, _w), (v, _u) in parts.items() for _ in range(v.size)],
        dtype=bool,
    )
    try:
        effect = programme_effect(
            score,
            unit,
            waves,
            treated,
            before="before",
            after="after",
            k=measure_k(before, measure),
            confidence=CONFIDENCE,
        )
    except ValueError:
        # e.g. scores that do not vary within units: no standard error
        out["reason"] = "no-estimate"
        for side in SIDES:
            out["sides"][side]["before"] = out["sides"][side]["after"] = None
        return out
    out.update(
        estimate=effect.estimate,
        se=effect.se,
        df=effect.df,
        p=effect.p,
        ci=list(effect.ci),
        excludes_zero=effect.excludes_zero,
        mixed={"estimate": effect.mixed_estimate, "se": effect.mixed_se},
    )
    return out


def programme_evaluation(db: Database, programme_id: int, user: UserInfo) -> dict[str, Any]:
    """The evaluation of programme ``programme_id``, as admins and researchers see it.

    Returns
    -------
    dict
        ``{"programme": {"id", "survey", "name", "cohort", "wave_before", "wave_after",
        "units"}, "k", "k_counts", "min_units", "confidence", "released", "reason",
        "scales": [...]}``. ``units`` is the number of units in the programme; ``k`` counts
        responses (``k_counts``), ``min_units`` the units each side needs. Each scale:
        ``{"scale", "name", "instrument", "range", "estimate", "se", "df", "p", "ci",
        "excludes_zero", "mixed": {"estimate", "se"}, "reason",
        "sides": {"programme"|"other": {"units", "units_left_out", "before": {"n", "mean"},
        "after": {"n", "mean"}}}}``; ``n`` counts
        responses with a valid score. Numbers are None with a ``reason``: ``"wave-open"``
        (nothing before the wave after closes), ``"too-few-units"`` (fewer than 2 units
        released in both waves on a side), ``"no-estimate"``.

    Raises
    ------
    surveys.errors.NotFound
        No such programme.
    webapp.results.access.AccessDenied
        The caller is not an admin or researcher.
    """
    from engine.comparisons.programme import MIN_UNITS

    if user.role not in ROLES:
        raise AccessDenied("programme evaluations are for admins and researchers")
    info = get_programme(db, programme_id)
    context = load_survey(db, info.survey)
    out: dict[str, Any] = {
        "programme": _programme_block(info),
        "k": context.definition.k,
        "k_counts": "responses",
        "min_units": MIN_UNITS,
        "confidence": CONFIDENCE,
        "released": True,
        "reason": None,
        "scales": [],
    }
    names = _scale_names(context)
    if any(context.wave(label).is_open for label in (info.wave_before, info.wave_after)):
        out.update(released=False, reason="wave-open")
        return out
    before = load_wave(db, context, info.wave_before)
    after = load_wave(db, context, info.wave_after)
    for measure in evaluated_scales(after):
        if measure.id not in before.measures:
            continue
        block = _evaluate_scale(before, after, measure, info.units)
        block.update(names[measure.id])
        out["scales"].append(block)
    return out


def _programme_block(info: ProgrammeInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "survey": info.survey,
        "name": info.name,
        "cohort": info.cohort,
        "wave_before": info.wave_before,
        "wave_after": info.wave_after,
        "units": len(info.units),
    }


def programme_views(
    data: WaveData,
    measure: Measure,
    programmes: Iterable[tuple[ProgrammeInfo, WaveData, WaveData]],
) -> list[tuple[str, frozenset[str]]]:
    """The groups the evaluations of ``programmes`` show in wave ``data`` for ``measure``.

    For ``samen audit``: per programme whose wave before or after is this wave, and per
    side with at least 2 units, ``(name, units)``: the view is the count and sum of the
    valid responses of those units' subtrees. Each is a union of released cells, so the
    audit should find that it adds nothing; it checks that rather than assume it.
    """
    from engine.comparisons.programme import MIN_UNITS

    out: list[tuple[str, frozenset[str]]] = []
    if measure.kind != "scale" or measure.sensitive:
        return out
    for info, before, after in programmes:
        if data.wave.label not in (info.wave_before, info.wave_after):
            continue
        if measure.id not in before.measures or measure.id not in after.measures:
            continue
        found = clusters(before, after, measure.id, info.units)
        if any(len(found.used[side]) < MIN_UNITS for side in SIDES):
            continue
        for side in SIDES:
            out.append((f"programme:{info.id}:{side}", frozenset(found.used[side])))
    return out
