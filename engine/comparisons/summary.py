"""Welch's comparison from the numbers of two released cells: n, mean and SD.

The dashboards show cells (n, mean, SD of one group of responses) that disclosure control
has released; a change between two waves, or a gap between a group and the rest, computed
from those numbers alone tells nothing that the two cells do not already tell. This module
gives :func:`engine.comparisons.welch.welch`'s result from the summaries instead of the
scores.
"""

from __future__ import annotations

import math

from engine.comparisons.welch import Sample, Welch

__all__ = ["welch_summary"]


def _check(sample: Sample, name: str) -> None:
    if not isinstance(sample, Sample):
        raise ValueError(f"{name} must be a Sample, got {type(sample).__name__}")
    if isinstance(sample.n, bool) or not isinstance(sample.n, int) or sample.n < 0:
        raise ValueError(f"{name}.n must be a count >= 0, got {sample.n!r}")
    for field in ("mean", "sd"):
        value = getattr(sample, field)
        if value is not None and not math.isfinite(value):
            raise ValueError(f"{name}.{field} must be finite or None, got {value!r}")
    if sample.sd is not None and sample.sd < 0:
        raise ValueError(f"{name}.sd must be >= 0, got {sample.sd!r}")


def welch_summary(first: Sample, second: Sample, confidence: float = 0.95) -> Welch:
    """Welch's comparison of ``first`` with ``second`` given only their n, mean and SD.

    Parameters
    ----------
    first, second : Sample
        n, mean and SD (n - 1 denominator) of two independent samples.
    confidence : float
        Coverage of the interval, in (0, 1). Default 0.95.

    Returns
    -------
    Welch
        As :func:`engine.comparisons.welch.welch` on the samples themselves: difference
        ``first - second``, SE, df, t, p, interval and Hedges' g; None with a note where a
        sample has fewer than 2 responses or neither varies.

    Notes
    -----
    With :math:`v_i = s_i^2 / n_i`: :math:`SE = \\sqrt{v_1 + v_2}`, Welch-Satterthwaite
    :math:`df = (v_1 + v_2)^2 / (v_1^2/(n_1-1) + v_2^2/(n_2-1))`, the interval
    :math:`\\bar x_1 - \\bar x_2 \\pm t_{1-\\alpha/2, df} SE`, and Hedges' g
    :math:`J (\\bar x_1 - \\bar x_2) / s_p` with :math:`J = 1 - 3/(4(n_1+n_2) - 9)`: the
    numbers of R's ``t.test(x, y, var.equal = FALSE)`` on the samples behind the summaries
    (tests/reference/summary_welch.R).

    References
    ----------
    Welch, B. L. (1947). *Biometrika*, 34, 28-35. Hedges, L. V., & Olkin, I. (1985).
    *Statistical methods for meta-analysis*. Academic Press.
    """
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    _check(first, "first")
    _check(second, "second")
    diff = first.mean - second.mean if first.mean is not None and second.mean is not None else None
    if diff is None or first.sd is None or second.sd is None or first.n < 2 or second.n < 2:
        note = "fewer than 2 responses or no SD in a sample: no test"
        return Welch(first, second, diff, None, None, None, None, (None, None), None,
                     confidence, (note,))  # fmt: skip
    va, vb = first.sd**2 / first.n, second.sd**2 / second.n
    n1, n2 = first.n, second.n
    pooled = math.sqrt(((n1 - 1) * first.sd**2 + (n2 - 1) * second.sd**2) / (n1 + n2 - 2))
    notes: list[str] = []
    g = (1 - 3 / (4 * (n1 + n2) - 9)) * diff / pooled if pooled > 0 else None
    if va + vb == 0:
        notes.append("no variation in either sample: no standard error, no test")
        return Welch(first, second, diff, None, None, None, None, (None, None), g,
                     confidence, tuple(notes))  # fmt: skip
    from scipy.special import stdtr, stdtrit

    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (n1 - 1) + vb**2 / (n2 - 1))
    t = diff / se
    p = float(2 * stdtr(df, -abs(t)))
    half = float(stdtrit(df, 0.5 + confidence / 2)) * se
    return Welch(first, second, diff, se, df, t, p, (diff - half, diff + half), g, confidence,
                 tuple(notes))  # fmt: skip
