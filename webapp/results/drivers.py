"""Drivers of a closed wave: which parts of the climate matter most for the outcome scales
of the work-experience instrument (intention to stay, work pleasure).

For each outcome, the relative importance (LMG, :func:`engine.comparisons.relative_importance`,
R's ``relaimpo::calc.relimp(type = "lmg")``) of the climate instruments (each the mean of
its scales' scores: belonging, authenticity, social safety, psychological safety, inclusive
leadership) and of the other work-experience scales, with percentile bootstrap intervals.
Scale ids and scores are the results service's (:mod:`webapp.results.measures`).

Disclosure: every number describes all complete cases of the organisation together
(responses with the outcome and every predictor); below k of them nothing is computed and
the count is not given. Sensitive instruments are never predictors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from surveys.db import Database
from surveys.errors import InputError
from webapp.results.data import load_survey, load_wave, scale_id

__all__ = ["BOOT", "OUTCOMES", "SEED", "wave_drivers"]

#: The outcome scales (instrument, scale) the research page explains.
OUTCOMES = (("work_experience", "intention_to_stay"), ("work_experience", "work_pleasure"))
#: Bootstrap replicates and seed of the intervals (a page must answer in seconds).
BOOT = 500
SEED = 1


def wave_drivers(db: Database, slug: str, wave: str) -> dict[str, Any]:
    """The drivers of each outcome scale in a closed wave.

    Returns
    -------
    dict
        ``{"k", "predictors": [{"id", "kind": "instrument"|"scale", "instrument",
        "scale"}], "outcomes": [{"instrument", "scale", "id", "shown", "reason", "n",
        "r2", "r2_ci", "drivers": {predictor id: {"lmg", "share", "lmg_ci", "share_ci",
        "r", "rank"}}}]}``; an outcome with ``shown`` False has ``reason``
        "fewer-than-k" (complete cases) or "not-computable", and no numbers. No outcome
        scale in the survey: ``outcomes`` is empty.

    Raises
    ------
    surveys.errors.InputError
        The wave is open.
    """
    from engine.comparisons import relative_importance

    context = load_survey(db, slug).at_wave(wave)
    if context.wave(wave).is_open:
        raise InputError("drivers are computed on closed waves only")
    definition = context.definition
    data = load_wave(db, context, wave)
    measures = data.measures
    k = definition.k

    def scores(instrument: str, scale: str) -> np.ndarray | None:
        found = measures.get(scale_id(definition, instrument, scale))
        if found is None or found.scores is None:
            return None
        return np.where(found.valid, found.scores, np.nan)

    outcome_ids = {(i, s) for i, s in OUTCOMES}
    predictors: list[dict[str, Any]] = []
    columns: list[np.ndarray] = []
    for inst in definition.answer_instruments:
        if inst.sensitive:
            continue
        scored = [s for s in inst.scales if s.scored and s.items]
        if inst.id == "work_experience":
            for scale in scored:
                if (inst.id, scale.id) in outcome_ids:
                    continue
                column = scores(inst.id, scale.id)
                if column is not None:
                    sid = scale_id(definition, inst.id, scale.id)
                    predictors.append(
                        {"id": sid, "kind": "scale", "instrument": inst.id, "scale": scale.id}
                    )
                    columns.append(column)
            continue
        parts = [c for s in scored if (c := scores(inst.id, s.id)) is not None]
        if parts:
            predictors.append(
                {"id": inst.id, "kind": "instrument", "instrument": inst.id, "scale": None}
            )
            columns.append(np.mean(np.column_stack(parts), axis=1))  # NaN if a scale is
    out: dict[str, Any] = {"k": k, "predictors": predictors, "outcomes": []}
    if len(columns) < 2:
        return out
    x = np.column_stack(columns)
    for instrument, outcome in OUTCOMES:
        y = scores(instrument, outcome)
        if y is None:
            continue
        entry: dict[str, Any] = {
            "instrument": instrument,
            "scale": outcome,
            "id": scale_id(definition, instrument, outcome),
            "shown": False,
            "reason": None,
        }
        complete = ~np.isnan(y) & ~np.isnan(x).any(axis=1)
        if int(complete.sum()) < k:
            entry["reason"] = "fewer-than-k"
        else:
            result = relative_importance(y, x, [p["id"] for p in predictors], boot=BOOT, seed=SEED)
            if result.r2 is None:
                entry["reason"] = "not-computable"
            else:
                entry.update(shown=True, **result.as_dict())
        out["outcomes"].append(entry)
    return out
