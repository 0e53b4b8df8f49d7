"""Change between two waves: the scale's mean in one round against another.

*Did things change since the last round?* Anonymous waves cannot be paired (no respondent
carries an id across waves), so the two waves are independent samples: Welch's interval of
the difference, its p and Hedges' g, for the whole data and optionally per unit. Which
waves and units may be shown (both waves at k) is decided by the caller; this module only
computes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.comparisons.welch import Welch, welch

__all__ = ["WaveChange", "change_words", "unit_changes", "wave_change"]


@dataclass(frozen=True)
class WaveChange:
    """The change of one scale from one wave to the next.

    Attributes
    ----------
    welch : Welch
        ``first`` is the later wave, ``second`` the earlier; ``difference`` is later minus
        earlier.
    words : str
        "higher than in the earlier wave", "lower than in the earlier wave" or "not
        distinguishable from no change" (marked only when the interval excludes 0).
    """

    welch: Welch
    words: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.welch.second.as_dict(),
            "to": self.welch.first.as_dict(),
            **self.welch.as_dict(),
            "excludes_zero": self.welch.excludes_zero,
            "words": self.words,
        }


def change_words(result: Welch) -> str:
    """The change in words, marked only when the interval excludes 0."""
    excludes = result.excludes_zero
    if excludes is None:
        return "not computed"
    if not excludes:
        return "not distinguishable from no change"
    if (result.difference or 0) > 0:
        return "higher than in the earlier wave"
    return "lower than in the earlier wave"


def wave_change(before: Any, after: Any, confidence: float = 0.95) -> WaveChange:
    """Change from the scores of one wave (`before`) to the next (`after`).

    Parameters
    ----------
    before, after : array_like
        Scale scores of the two waves; NaN (no score) is left out.
    confidence : float
        Coverage of the interval, in (0, 1). Default 0.95.

    Returns
    -------
    WaveChange

    Notes
    -----
    The waves are independent samples: R's ``t.test(after, before, var.equal = FALSE)``
    (difference after minus before, Welch-Satterthwaite df) and Hedges' g with
    :math:`J = 1 - 3/(4(n_1+n_2)-9)`; see :func:`engine.comparisons.welch.welch`. No
    multiplicity adjustment: each scale's change answers its own question.

    References
    ----------
    Welch (1947); Hedges & Olkin (1985).
    """
    result = welch(after, before, confidence)
    return WaveChange(result, change_words(result))


def unit_changes(
    scores: Any,
    wave: Any,
    unit: Any,
    before: str,
    after: str,
    *,
    include: Collection[str] | None = None,
    confidence: float = 0.95,
) -> dict[str, WaveChange]:
    """Change from wave `before` to wave `after` within each unit.

    Parameters
    ----------
    scores : array_like
        Scale score per respondent (NaN: none).
    wave, unit : array_like
        Wave and unit label per respondent, aligned with `scores`; respondents with a
        missing unit are in no unit.
    before, after : str
        The two wave labels.
    include : collection of str, optional
        Units to compare (default: every unit with a respondent in either wave).
    confidence : float
        Coverage of the intervals, in (0, 1). Default 0.95.

    Returns
    -------
    dict of str to WaveChange
        Per unit, in sorted order; see :func:`wave_change`.
    """
    try:
        values = np.asarray(scores, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"scores must be numeric: {exc}") from exc
    waves = pd.Series(np.asarray(wave, dtype=object)).astype(str).to_numpy()
    units = pd.Series(np.asarray(unit, dtype=object))
    if not len(values) == len(waves) == len(units):
        raise ValueError("scores, wave and unit must have the same length")
    if before == after:
        raise ValueError(f"before and after must be two different waves, got {before!r} twice")
    known = units.notna().to_numpy() & (units.astype(str).str.strip() != "").to_numpy()
    side = np.where(waves == before, 0, np.where(waves == after, 1, -1))
    keep = known & (side >= 0)
    codes, uniques = pd.factorize(units[keep].astype(str), sort=True)
    kept_values, kept_side = values[keep], side[keep]
    wanted = set(include) if include is not None else None
    out = {}
    order = np.argsort(codes, kind="stable")  # respondents grouped by unit, once
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    for i, label in enumerate(uniques):
        if wanted is not None and label not in wanted:
            continue
        rows = order[bounds[i] : bounds[i + 1]]
        unit_values, unit_side = kept_values[rows], kept_side[rows]
        out[str(label)] = wave_change(
            unit_values[unit_side == 0], unit_values[unit_side == 1], confidence
        )
    return out
