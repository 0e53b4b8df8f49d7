"""Statistics of one released cell: n, mean, sd, 95% CI, favourable share, distribution.

Called only for cells that disclosure control released; a withheld cell is
:func:`withheld`, with every number None.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.psychometrics.scoring import favourable_share
from webapp.results.data import Measure

__all__ = ["DIGITS", "cell", "cell_at", "favourable_top", "withheld"]

#: Decimals of released means, SDs, intervals and shares.
DIGITS = 4


def favourable_top(points: tuple[int, ...]) -> int:
    """Points counted as favourable: the top two (agree, fully agree) from 4 points up."""
    return 2 if len(points) >= 4 else 1


def _round(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), DIGITS)


def _bounded_ci(mean: float, half: float, points: tuple[int, ...]) -> list | None:
    """``mean +/- half`` clipped to the scale's ends ``[min(points), max(points)]``."""
    if not math.isfinite(half):
        return None
    low, high = float(min(points)), float(max(points))
    return [_round(max(mean - half, low)), _round(min(mean + half, high))]


def withheld(reason: str) -> dict[str, Any]:
    """A suppressed cell: "fewer than k" or hidden to protect another group; no numbers."""
    return {
        "n": None,
        "suppressed": True,
        "reason": reason,
        "mean": None,
        "sd": None,
        "ci": None,
        "favourable": None,
        "distribution": None,
    }


def cell(measure: Measure, mask: np.ndarray, confidence: float = 0.95) -> dict[str, Any]:
    """The statistics of ``measure`` over the responses in ``mask`` (a released cell).

    Notes
    -----
    For an item, mean and sd (n - 1) of its answers. For a scale, ``mean``, ``favourable``
    and ``distribution`` pool the answers to its items (reverse-keyed items recoded, so
    favourable is always the agreeing end) of the respondents counted in n, and ``sd`` is
    the sd of their scale scores (the spread between people). The mean is the pooled
    answers' mean, not the mean of the scale scores: the two differ only when someone with
    a valid score skipped an item, and then (items' sums x their n) minus (mean of scores x
    n x number of items) would be a weighted sum of exactly those few people's answers
    (issue 14, path 3). Pooled, every number of a scale's cell except n and sd is the
    sum of its items' numbers (:mod:`webapp.results.measures`: the items count the same
    respondents). The interval is ``mean +/- t(1 - (1 - confidence) / 2, n - 1) * sd /
    sqrt(n)``, cut at the ends of the response scale (a mean of answers from 1 to 5 cannot
    lie outside 1-5; the page says so); ``distribution`` maps each response code to its share.
    """
    return cell_at(measure, np.flatnonzero(mask), confidence)


def cell_at(measure: Measure, rows: np.ndarray, confidence: float = 0.95) -> dict[str, Any]:
    """:func:`cell` over the responses at positions ``rows`` (ascending).

    The same numbers as ``cell(measure, mask)`` for ``rows = np.flatnonzero(mask)``: the
    same responses in the same order, taken by position, so a small unit costs little in a
    large wave.
    """
    from scipy.special import stdtrit

    selected = rows[measure.valid[rows]]
    n = int(selected.size)
    out: dict[str, Any] = {"n": n, "suppressed": False, "reason": None}
    answers = measure.answers[selected] if measure.answers is not None else np.empty((0, 0))
    pooled = answers[~np.isnan(answers)]
    points = measure.points
    if measure.ordinal and measure.scores is not None and n > 0:
        scores = measure.scores[selected]
        # a scale's mean pools its items' answers, as its distribution does: the sum of
        # its items' numbers, never a number about the respondents who skipped some items
        mean = float(pooled.mean() if measure.kind == "scale" else scores.mean())
        sd = float(scores.std(ddof=1)) if n > 1 else float("nan")
        half = float(stdtrit(n - 1, 1 - (1 - confidence) / 2)) * sd / math.sqrt(n)
        favourable_values = pooled
        if measure.kind == "item" and measure.reverse:
            favourable_values = min(points) + max(points) - pooled
        out.update(
            mean=_round(mean),
            sd=_round(sd),
            ci=_bounded_ci(mean, half, points),
            favourable=_round(
                favourable_share(favourable_values, max(points), favourable_top(points))
            ),
        )
    else:
        out.update(mean=None, sd=None, ci=None, favourable=None)
    total = pooled.size
    out["distribution"] = {
        str(code): _round(np.count_nonzero(pooled == code) / total) if total else None
        for code in points
    }
    return out
