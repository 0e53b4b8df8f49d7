"""Drivers: the relative importance of each climate scale for an outcome (LMG).

*Which climate scales matter most for whether people want to stay?* The R² of a linear
regression of the outcome on all scales, split over the scales by LMG (Lindeman, Merenda
and Gold 1980), also called general dominance (Azen and Budescu 2003): each scale's R²
increment when it enters the model, averaged over every order of entering the scales.
The LMGs add up to R² (their shares to 1); they describe association, not cause.

Written here rather than taken from a library: the PyPI packages for it (dominance-analysis,
relativeimp; last released 2023 and 2019) are little maintained, and the formula is short.
The R² of every subset of predictors comes from the correlation matrix
(:math:`R^2_S = r_S' R_{SS}^{-1} r_S`, :mod:`engine.comparisons.lmg`) in batched solves,
not from refitting; the bootstrap resamples respondents (cases) with a seeded generator.

Disclosure is the caller's: every number here describes all ``n`` complete cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.comparisons.lmg import MAX_PREDICTORS, lmg, subset_r2

__all__ = ["MAX_PREDICTORS", "Driver", "Drivers", "lmg", "relative_importance", "subset_r2"]


@dataclass(frozen=True)
class Driver:
    """One predictor's relative importance.

    Attributes
    ----------
    name : str
    lmg : float or None
        Its LMG: the average R² increment over all orderings (the LMGs add up to R²).
    share : float or None
        ``lmg / r2``, the share of the explained variance (relaimpo's ``rela = TRUE``).
    lmg_ci, share_ci : tuple of (float or None)
        Percentile bootstrap intervals, ``(None, None)`` without a bootstrap.
    r : float or None
        Its correlation with the outcome (on the complete cases).
    rank : int or None
        1 for the largest LMG.
    """

    name: str
    lmg: float | None
    share: float | None
    lmg_ci: tuple[float | None, float | None]
    share_ci: tuple[float | None, float | None]
    r: float | None
    rank: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "lmg": self.lmg,
            "share": self.share,
            "lmg_ci": list(self.lmg_ci),
            "share_ci": list(self.share_ci),
            "r": self.r,
            "rank": self.rank,
        }


@dataclass(frozen=True)
class Drivers:
    """The relative importance of every predictor for one outcome.

    Attributes
    ----------
    n : int
        Complete cases (listwise: outcome and every predictor present).
    r2 : float or None
        R² of the regression on all predictors.
    r2_ci : tuple of (float or None)
        Its percentile bootstrap interval.
    drivers : tuple of Driver
        In the order of the predictors given.
    confidence : float
    boot : int
        Bootstrap replicates drawn.
    seed : int
    notes : tuple of str
        Why a None is None, and replicates that could not be used.
    """

    n: int
    r2: float | None
    r2_ci: tuple[float | None, float | None]
    drivers: tuple[Driver, ...]
    confidence: float
    boot: int
    seed: int
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "r2": self.r2,
            "r2_ci": list(self.r2_ci),
            "confidence": self.confidence,
            "boot": self.boot,
            "seed": self.seed,
            "drivers": {d.name: d.as_dict() for d in self.drivers},
        }


def _lmg_of(data: np.ndarray) -> tuple[float, np.ndarray]:
    """R² and LMGs of column 0 on the other columns of complete `data` (ValueError when
    the predictors are collinear)."""
    r2 = subset_r2(np.corrcoef(data, rowvar=False))
    return float(r2[-1]), lmg(r2)


def _replicate(
    columns: np.ndarray, draw: np.ndarray, scale: np.ndarray
) -> tuple[float, np.ndarray]:
    """R² and LMGs of one bootstrap replicate: the rows `draw` of the complete data, given
    as `columns` (its transpose minus the column means, contiguous), from moments weighted
    by each row's count rather than a copy of the rows. ValueError when a column is constant
    in the replicate (variance below 1e-12 of `scale`, the full data's) or the predictors
    are collinear."""
    n = columns.shape[1]
    weight = np.bincount(draw, minlength=n).astype("float64")
    mean = columns @ weight / n
    cov = (columns * weight) @ columns.T / n - np.outer(mean, mean)
    var = np.diag(cov)
    if (var <= 1e-12 * scale).any():
        raise ValueError("a constant column")
    sd = np.sqrt(var)
    r2 = subset_r2(cov / np.outer(sd, sd))
    return float(r2[-1]), lmg(r2)


def _interval(draws: np.ndarray, confidence: float) -> list[tuple[float | None, float | None]]:
    if draws.shape[0] == 0:
        return [(None, None)] * draws.shape[1]
    tail = (1 - confidence) / 2
    lo, hi = np.quantile(draws, [tail, 1 - tail], axis=0)
    return [(float(a), float(b)) for a, b in zip(lo, hi, strict=True)]


def relative_importance(
    outcome: Any,
    predictors: Any,
    names: Sequence[str],
    *,
    boot: int = 1000,
    seed: int = 1,
    confidence: float = 0.95,
) -> Drivers:
    """LMG relative importance of each predictor for `outcome`, with bootstrap intervals.

    Parameters
    ----------
    outcome : array_like, shape (n,)
        The outcome per respondent; NaN is missing.
    predictors : array_like, shape (n, p)
        The predictors (scale scores) per respondent; NaN is missing.
    names : sequence of str
        The p predictors' names.
    boot : int
        Bootstrap replicates (respondents drawn with replacement); 0 for none. Default 1000.
    seed : int
        Seed of the bootstrap's generator (``numpy.random.default_rng``). Default 1.
    confidence : float
        Coverage of the percentile intervals, in (0, 1). Default 0.95.

    Returns
    -------
    Drivers
        On the complete cases (listwise). When the LMGs cannot be computed (fewer complete
        cases than predictors + 2, a constant predictor or outcome, collinear predictors)
        every number is None with the reason in ``notes``. Bootstrap replicates in which a
        column is constant or the predictors are collinear are left out and counted in
        ``notes``; with fewer than half of them usable there are no intervals.

    Raises
    ------
    ValueError
        On misshapen input, an infinite value, more than :data:`MAX_PREDICTORS`
        predictors, duplicate names, or a bad `boot`, `seed` or `confidence`.

    Notes
    -----
    R² and the LMGs as in :func:`subset_r2` and :func:`lmg`: R's
    ``relaimpo::calc.relimp(lm(y ~ ., data), type = "lmg", rela = FALSE)`` (the LMG) and
    ``rela = TRUE`` (the share, LMG / R²). The intervals are percentile intervals of the
    bootstrap replicates (``numpy.quantile``, R's type 7), as ``relaimpo::boot.relimp``
    with ``booteval.relimp(type = "perc")`` computes them, though from other random draws.

    References
    ----------
    Lindeman, R. H., Merenda, P. F., & Gold, R. Z. (1980). *Introduction to bivariate and
    multivariate analysis*. Scott, Foresman.
    Azen, R., & Budescu, D. V. (2003). The dominance analysis approach for comparing
    predictors in multiple regression. *Psychological Methods*, 8, 129-148.
    Grömping, U. (2006). Relative importance for linear regression in R: the package
    relaimpo. *Journal of Statistical Software*, 17(1), 1-27.
    """
    y = _as_float(outcome, "outcome")
    x = _as_float(predictors, "predictors")
    if y.ndim != 1:
        raise ValueError(f"outcome must be one-dimensional, got {y.ndim} dimensions")
    if x.ndim != 2 or x.shape[0] != y.shape[0]:
        raise ValueError(f"predictors must be an (n, p) array with n = {y.size}, got {x.shape}")
    p = x.shape[1]
    names = [str(name) for name in names]
    if len(names) != p or len(set(names)) != p:
        raise ValueError(f"names must be {p} distinct names, got {names!r}")
    if p < 1:
        raise ValueError("predictors must hold at least one column")
    if p > MAX_PREDICTORS:
        raise ValueError(
            f"{p} predictors: the exact LMG uses all 2**p subsets and is limited to "
            f"{MAX_PREDICTORS} predictors"
        )
    if isinstance(boot, bool) or not isinstance(boot, int) or boot < 0:
        raise ValueError(f"boot must be a whole number >= 0, got {boot!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    data = np.column_stack([y, x])
    data = data[~np.isnan(data).any(axis=1)]
    n = data.shape[0]
    empty = Drivers(
        n,
        None,
        (None, None),
        tuple(Driver(nm, None, None, (None, None), (None, None), None, None) for nm in names),
        float(confidence),
        boot,
        seed,
    )
    if n < p + 2:
        return _noted(empty, f"{n} complete cases for {p} predictors: at least {p + 2} needed")
    constant = [
        nm for nm, sd in zip(["outcome", *names], data.std(axis=0), strict=True) if sd == 0
    ]
    if constant:
        return _noted(empty, f"no variation in {', '.join(constant)}: no R², no LMG")
    try:
        r2, values = _lmg_of(data)
    except ValueError as exc:
        return _noted(empty, f"{exc}: no R², no LMG")
    r = np.corrcoef(data, rowvar=False)[0, 1:]
    notes: list[str] = []
    draws = np.empty((0, 2 * p + 1))
    if boot:
        rng = np.random.default_rng(seed)
        columns = np.ascontiguousarray((data - data.mean(axis=0)).T)
        scale = columns.var(axis=1)
        rows = []
        failed = 0
        for _ in range(boot):
            try:
                b_r2, b_lmg = _replicate(columns, rng.integers(0, n, size=n), scale)
            except ValueError:
                failed += 1
                continue
            share = b_lmg / b_r2 if b_r2 > 0 else np.full(p, np.nan)
            rows.append(np.concatenate([[b_r2], b_lmg, share]))
        draws = np.array(rows).reshape(-1, 2 * p + 1)
        if failed:
            notes.append(
                f"{failed} of {boot} bootstrap replicates had a constant column or collinear"
                " predictors and were left out"
            )
        if draws.shape[0] < boot / 2:
            notes.append("fewer than half of the bootstrap replicates were usable: no intervals")
            draws = draws[:0]
        if np.isnan(draws).any():
            notes.append("a bootstrap replicate with R² = 0 has no shares: no share intervals")
    ci = _interval(np.nan_to_num(draws, nan=0.0), confidence)
    has_share = not np.isnan(draws).any() and r2 > 0
    order = np.argsort(-values, kind="stable")
    rank = np.empty(p, dtype=int)
    rank[order] = np.arange(1, p + 1)
    drivers = tuple(
        Driver(
            names[j],
            float(values[j]),
            float(values[j] / r2) if r2 > 0 else None,
            ci[1 + j],
            ci[1 + p + j] if has_share else (None, None),
            float(r[j]),
            int(rank[j]),
        )
        for j in range(p)
    )
    if r2 <= 0:
        notes.append("R² is 0: no shares")
    return Drivers(n, r2, ci[0], drivers, float(confidence), boot, seed, tuple(notes))


def _noted(result: Drivers, note: str) -> Drivers:
    from dataclasses import replace

    return replace(result, notes=(*result.notes, note))


def _as_float(values: Any, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if np.isinf(array).any():
        raise ValueError(f"{name} holds an infinite value")
    return array
