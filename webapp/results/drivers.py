"""Drivers of a closed wave: which parts of the climate matter most for the outcome scales
of the work-experience instrument (intention to stay, work pleasure).

For each outcome, the relative importance (LMG, :func:`engine.comparisons.relative_importance`,
R's ``relaimpo::calc.relimp(type = "lmg")``) of the climate scales, with percentile
bootstrap intervals. Scale ids and scores are the results service's
(:mod:`webapp.results.measures`).

Predictors (:func:`choose_predictors`): the climate scales of the survey's instruments
(every non-sensitive instrument but work experience, whose scales are outcomes or
conditions of work, not climate), each scale on its own as far as exact LMG allows
(:data:`engine.comparisons.MAX_PREDICTORS`, 12: LMG averages over all 2^p subsets); when
there are more, the instrument with the most scales enters as one composite (the mean of
its scales), then the next, until at most 12 remain. With the built-in instruments (23
climate scales) social safety and inclusive leadership become composites and belonging,
authenticity and psychological safety keep their facets: 10 predictors.

Disclosure: every number describes all complete cases of the organisation together
(responses with the outcome and every predictor); below k of them nothing is computed and
the count is not given. Sensitive instruments are never predictors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from surveys.db import Database
from surveys.errors import InputError
from surveys.users import UserInfo
from webapp.results.access import AccessDenied
from webapp.results.data import load_survey, load_wave, scale_id

__all__ = ["BOOT", "OUTCOMES", "ROLES", "SEED", "choose_predictors", "drivers", "wave_drivers"]

#: The outcome scales (instrument, scale) the research page explains.
OUTCOMES = (("work_experience", "intention_to_stay"), ("work_experience", "work_pleasure"))
#: Who may see the drivers (as the research pages).
ROLES = ("admin", "researcher")
#: Bootstrap replicates and seed of the intervals (a page must answer in seconds).
BOOT = 500
SEED = 1


def choose_predictors(
    groups: list[tuple[str, list[str]]], limit: int
) -> list[tuple[str, tuple[str, ...] | None]]:
    """Which instruments enter as their scales and which as one composite.

    Parameters
    ----------
    groups : list of (instrument id, scale ids)
        The climate instruments in survey order, each with its scales.
    limit : int
        The most predictors (exact LMG's limit).

    Returns
    -------
    list of (instrument id, scales or None)
        Per instrument, its scales (each a predictor) or None (one composite). While the
        predictors are more than ``limit``, the instrument with the most scales still split
        (the later one on a tie) becomes a composite (a single scale stays a scale).
    """
    split = {inst: len(scales) > 1 for inst, scales in groups}

    def count() -> int:
        return sum(len(scales) if split[inst] else 1 for inst, scales in groups)

    while count() > limit and any(split.values()):
        _size, _pos, inst = max(
            (len(scales), pos, inst) for pos, (inst, scales) in enumerate(groups) if split[inst]
        )
        split[inst] = False
    return [
        (inst, tuple(scales) if split[inst] or len(scales) == 1 else None)
        for inst, scales in groups
    ]


def wave_drivers(db: Database, slug: str, wave: str) -> dict[str, Any]:
    """The drivers of each outcome scale in a closed wave.

    Returns
    -------
    dict
        ``{"k", "predictors": [{"id", "kind": "instrument"|"scale", "instrument",
        "scale"}], "composites": [instrument ids entered as one composite],
        "max_predictors", "outcomes": [{"instrument", "scale", "id", "shown", "reason", "n",
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

    from engine.comparisons.drivers import MAX_PREDICTORS

    groups: list[tuple[str, list[str]]] = []
    for inst in definition.answer_instruments:
        if inst.sensitive or inst.id == "work_experience":
            continue
        scored = [s.id for s in inst.scales if s.scored and s.items]
        scored = [s for s in scored if scores(inst.id, s) is not None]
        if scored:
            groups.append((inst.id, scored))
    predictors: list[dict[str, Any]] = []
    columns: list[np.ndarray] = []
    composites = []
    for inst_id, chosen in choose_predictors(groups, MAX_PREDICTORS):
        if chosen is None:
            parts = [scores(inst_id, s) for s in dict(groups)[inst_id]]
            predictors.append(
                {"id": inst_id, "kind": "instrument", "instrument": inst_id, "scale": None}
            )
            columns.append(np.mean(np.column_stack(parts), axis=1))  # NaN if a scale is
            composites.append(inst_id)
            continue
        for scale in chosen:
            sid = scale_id(definition, inst_id, scale)
            predictors.append({"id": sid, "kind": "scale", "instrument": inst_id, "scale": scale})
            columns.append(scores(inst_id, scale))  # type: ignore[arg-type]
    out: dict[str, Any] = {
        "k": k,
        "predictors": predictors,
        "composites": composites,
        "max_predictors": MAX_PREDICTORS,
        "outcomes": [],
    }
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


def drivers(db: Database, slug: str, wave: str, user: UserInfo) -> dict[str, Any]:
    """:func:`wave_drivers` for the API, with ``"survey"`` and ``"wave"``: researchers and
    admins only (:class:`AccessDenied` otherwise); an open wave is an
    :class:`surveys.errors.InputError`, an unknown survey or wave :class:`NotFound`."""
    if user.role not in ROLES:
        raise AccessDenied("the drivers are for researchers and admins")
    return {"survey": slug, "wave": wave, **wave_drivers(db, slug, wave)}
