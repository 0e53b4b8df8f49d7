"""R² of every subset of predictors, and LMG from them (the all-subsets formula).

The exact computation behind :mod:`engine.comparisons.drivers`: the R² of each subset from
the correlation matrix (:math:`R^2_S = r_S' R_{SS}^{-1} r_S`), solved in batches of one
subset size, and each predictor's R² increment weighted over the subsets without it.
2**p subsets: limited to :data:`MAX_PREDICTORS` predictors.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["MAX_PREDICTORS", "lmg", "subset_r2"]

#: Predictors beyond which the exact all-subsets computation is refused (2**12 subsets).
MAX_PREDICTORS = 12


@dataclass(frozen=True)
class _Layout:
    """Index arrays for p predictors, computed once per p: the subsets of each size (bit
    masks, and the predictors in each), and per predictor the subsets without it with
    their LMG weights."""

    by_size: tuple[tuple[np.ndarray, np.ndarray], ...]
    without: tuple[tuple[np.ndarray, np.ndarray], ...]


@functools.lru_cache(maxsize=MAX_PREDICTORS)
def _layout(p: int) -> _Layout:
    masks = np.arange(2**p)
    bits = (masks[:, None] >> np.arange(p)) & 1
    sizes = bits.sum(axis=1)
    by_size = []
    for size in range(1, p + 1):
        chosen = masks[sizes == size]
        by_size.append((chosen, np.nonzero(bits[chosen])[1].reshape(len(chosen), size)))
    weight = np.array([math.factorial(s) * math.factorial(p - 1 - s) for s in range(p)])
    weight = weight / math.factorial(p)
    without = []
    for j in range(p):
        rest = masks[bits[:, j] == 0]
        without.append((rest, weight[sizes[rest]]))
    return _Layout(tuple(by_size), tuple(without))


def subset_r2(corr: Any) -> np.ndarray:
    """R² of the outcome on every subset of the predictors, from a correlation matrix.

    Parameters
    ----------
    corr : array_like, shape (p + 1, p + 1)
        Correlations of the outcome (row and column 0) and the p predictors.

    Returns
    -------
    ndarray, shape (2**p,)
        Element ``m`` is the R² on the predictors whose bits are set in ``m`` (bit ``j``
        for predictor ``j``); element 0 is 0.

    Raises
    ------
    ValueError
        When `corr` is not square, holds a non-finite value, or a subset of predictors
        is singular (perfectly collinear).

    Notes
    -----
    :math:`R^2_S = r_S' R_{SS}^{-1} r_S` with :math:`R_{SS}` the predictors' correlations
    and :math:`r_S` their correlations with the outcome: ``summary(lm(y ~ X_S))$r.squared``
    in R. Subsets of one size are solved in one batch.
    """
    c = np.asarray(corr, dtype="float64")
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] < 2:
        raise ValueError(f"corr must be a square matrix of at least 2 x 2, got {c.shape}")
    if not np.isfinite(c).all():
        raise ValueError("corr holds a non-finite value")
    p = c.shape[0] - 1
    if p > MAX_PREDICTORS:
        raise ValueError(f"at most {MAX_PREDICTORS} predictors, got {p}")
    rxx, rxy = c[1:, 1:], c[1:, 0]
    # every subset of a positive definite matrix is positive definite: check the whole once
    if np.linalg.eigvalsh(rxx)[0] < 1e-10:
        raise ValueError("the predictors are perfectly collinear")
    out = np.zeros(2**p)
    for chosen, idx in _layout(p).by_size:
        sub = rxx[idx[:, :, None], idx[:, None, :]]
        r = rxy[idx]
        beta = np.linalg.solve(sub, r[:, :, None])[:, :, 0]
        out[chosen] = (beta * r).sum(axis=1)
    return out


def lmg(r2: Any) -> np.ndarray:
    """LMG of each predictor from the R² of every subset (see :func:`subset_r2`).

    Parameters
    ----------
    r2 : array_like, shape (2**p,)
        R² per subset, indexed by bit mask.

    Returns
    -------
    ndarray, shape (p,)
        The LMGs; they add up to ``r2[-1]``.

    Notes
    -----
    :math:`LMG_j = \\sum_{S \\not\\ni j} \\frac{|S|!\\,(p - 1 - |S|)!}{p!}
    (R^2_{S \\cup j} - R^2_S)`: the increment averaged over all p! orderings, the
    all-subsets form of ``relaimpo::calc.relimp(fit, type = "lmg")``.
    """
    values = np.asarray(r2, dtype="float64")
    p = values.size.bit_length() - 1
    if values.ndim != 1 or not 1 <= p <= MAX_PREDICTORS or 2**p != values.size:
        raise ValueError(f"r2 must hold 2**p values for p >= 1, got {values.size}")
    layout = _layout(p)
    out = np.empty(p)
    for j, (without, weight) in enumerate(layout.without):
        out[j] = (weight * (values[without | (1 << j)] - values[without])).sum()
    return out
