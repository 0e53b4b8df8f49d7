"""Two independent samples: Welch's interval and test, and Hedges' g.

The one computation every comparison in this package shares: a gap between a group and the
rest (:mod:`engine.comparisons.groups`) and a change between two anonymous waves
(:mod:`engine.comparisons.waves`) are both two independent samples of scale scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Sample", "Welch", "describe", "welch"]


@dataclass(frozen=True)
class Sample:
    """n, mean and SD (n - 1 denominator) of one sample; None where it cannot be computed."""

    n: int
    mean: float | None
    sd: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "mean": self.mean, "sd": self.sd}


@dataclass(frozen=True)
class Welch:
    """The difference ``first - second`` with Welch's 95% interval, test and Hedges' g.

    Attributes
    ----------
    first, second : Sample
    difference : float or None
        ``mean(first) - mean(second)``.
    se, df, t, p : float or None
        Welch's standard error, Satterthwaite degrees of freedom, t statistic and two-sided p.
    ci : tuple of (float or None)
        The `confidence` interval of the difference, ``(None, None)`` when it cannot be
        computed.
    g : float or None
        Hedges' g (pooled SD, small-sample corrected).
    confidence : float
    notes : tuple of str
        Why a None is None (a sample of one, no variation).
    """

    first: Sample
    second: Sample
    difference: float | None
    se: float | None
    df: float | None
    t: float | None
    p: float | None
    ci: tuple[float | None, float | None]
    g: float | None
    confidence: float
    notes: tuple[str, ...] = ()

    @property
    def excludes_zero(self) -> bool | None:
        """True when the interval lies on one side of 0; None without an interval."""
        lo, hi = self.ci
        if lo is None or hi is None:
            return None
        return lo > 0 or hi < 0

    def as_dict(self) -> dict[str, Any]:
        """The numbers as plain JSON-ready values (without the two samples)."""
        return {
            "difference": self.difference,
            "se": self.se,
            "df": self.df,
            "t": self.t,
            "p": self.p,
            "ci": list(self.ci),
            "g": self.g,
        }


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _as_scores(values: Any, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got {array.ndim} dimensions")
    if np.isinf(array).any():
        raise ValueError(f"{name} holds an infinite value")
    return array[~np.isnan(array)]


def describe(values: Any, name: str = "values") -> Sample:
    """n, mean and SD of the non-missing `values` (NaN is missing)."""
    array = _as_scores(values, name)
    n = int(array.size)
    mean = float(array.mean()) if n else None
    sd = float(array.std(ddof=1)) if n >= 2 else None
    return Sample(n, mean, sd)


def welch(first: Any, second: Any, confidence: float = 0.95) -> Welch:
    """Welch's two-sample comparison of `first` with `second`, and Hedges' g.

    Parameters
    ----------
    first, second : array_like
        Scores of two independent samples; NaN is missing and left out.
    confidence : float
        Coverage of the interval, in (0, 1). Default 0.95.

    Returns
    -------
    Welch
        Numbers that cannot be computed are None with a reason in ``notes``: a sample with
        fewer than 2 scores has no SD (no test, no g); two samples without any variation
        have no standard error (R's ``t.test`` stops with "data are essentially constant").

    Notes
    -----
    With :math:`v_i = s_i^2 / n_i`: :math:`SE = \\sqrt{v_1 + v_2}`,
    :math:`df = (v_1 + v_2)^2 / (v_1^2/(n_1-1) + v_2^2/(n_2-1))` (Welch-Satterthwaite),
    :math:`t = (\\bar x_1 - \\bar x_2)/SE`, two-sided p from Student's t with df, and the
    interval :math:`\\bar x_1 - \\bar x_2 \\pm t_{1-\\alpha/2, df} SE`: R's
    ``t.test(first, second, var.equal = FALSE, conf.level = confidence)``.
    Hedges' g is :math:`J d` with :math:`d = (\\bar x_1 - \\bar x_2) / s_p`, the pooled SD
    :math:`s_p = \\sqrt{((n_1-1)s_1^2 + (n_2-1)s_2^2)/(n_1+n_2-2)}` and
    :math:`J = 1 - 3/(4(n_1+n_2) - 9)` (Hedges & Olkin 1985, eq. 5.10), as
    ``effectsize::hedges_g`` without its exact gamma-function correction.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. *Biometrika*, 34, 28-35.
    Hedges, L. V., & Olkin, I. (1985). *Statistical methods for meta-analysis*. Academic Press.
    """
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    a, b = _as_scores(first, "first"), _as_scores(second, "second")
    sa, sb = describe(a), describe(b)
    notes: list[str] = []
    diff = sa.mean - sb.mean if sa.mean is not None and sb.mean is not None else None
    empty = Welch(sa, sb, diff, None, None, None, None, (None, None), None, confidence)
    if sa.sd is None or sb.sd is None:
        small = [name for name, s in (("first", sa), ("second", sb)) if s.sd is None]
        notes.append(f"fewer than 2 scores in the {' and '.join(small)} sample: no SD, no test")
        return _with_notes(empty, notes)
    diff = float(a.mean() - b.mean())  # both samples have n >= 2
    va, vb = sa.sd**2 / sa.n, sb.sd**2 / sb.n
    pooled = math.sqrt(((sa.n - 1) * sa.sd**2 + (sb.n - 1) * sb.sd**2) / (sa.n + sb.n - 2))
    g = None
    if pooled > 0:
        g = (1 - 3 / (4 * (sa.n + sb.n) - 9)) * diff / pooled
    else:
        notes.append("no variation in either sample: no standardised difference")
    if va + vb == 0:
        notes.append("no variation in either sample: no standard error, no test")
        return _with_notes(
            Welch(sa, sb, diff, None, None, None, None, (None, None), g, confidence), notes
        )
    # Student's t from scipy.special (what scipy.stats.t uses), a fraction of its import time
    from scipy.special import stdtr, stdtrit

    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (sa.n - 1) + vb**2 / (sb.n - 1))
    t = diff / se
    p = float(2 * stdtr(df, -abs(t)))
    half = float(stdtrit(df, 0.5 + confidence / 2)) * se
    return Welch(
        sa,
        sb,
        diff,
        se,
        df,
        t,
        p,
        (_finite(diff - half), _finite(diff + half)),
        g,
        confidence,
        tuple(notes),
    )


def _with_notes(result: Welch, notes: list[str]) -> Welch:
    from dataclasses import replace

    return replace(result, notes=tuple(notes))
