"""The polychoric likelihood and its maximisation, for every item pair at once.

The bivariate normal probability of each cell of a pair's table comes from Owen's T
function; :func:`maximise` runs one vectorised golden-section search (as R's ``optimize``,
which ``psych::polychoric`` calls) over the correlations of all pairs together, with the
thresholds held fixed. Used by :mod:`engine.psychometrics.polychoric`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NegLogLik", "bvn_cdf", "maximise"]

_GOLDEN = (3.0 - np.sqrt(5.0)) / 2.0


def bvn_cdf(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """P(X <= h, Y <= k) for standard bivariate normal with correlation r (|r| < 1).

    Owen's T route: Phi2 = (Phi(h) + Phi(k))/2 - T(h, a_h) - T(k, a_k) - [hk < 0 or
    (hk = 0 and h + k < 0)]/2, with a_h = (k - r h) / (h sqrt(1 - r^2)). Infinite limits are
    handled through the marginals.
    """
    from scipy.special import ndtr, owens_t

    h, k, r = np.broadcast_arrays(h, k, r)
    out = np.empty(h.shape)
    finite = np.isfinite(h) & np.isfinite(k)
    hf, kf, rf = h[finite], k[finite], r[finite]
    # the formula divides by h and k: move exact zeros off the axis (the CDF is smooth)
    hf = np.where(hf == 0.0, 1e-13, hf)
    kf = np.where(kf == 0.0, 1e-13, kf)
    s = np.sqrt((1.0 - rf) * (1.0 + rf))
    value = 0.5 * (ndtr(hf) + ndtr(kf))
    value -= owens_t(hf, (kf - rf * hf) / (hf * s))
    value -= owens_t(kf, (hf - rf * kf) / (kf * s))
    value -= 0.5 * ((hf * kf) < 0)
    out[finite] = value
    # infinite limits: F(-inf, .) = 0, F(inf, k) = Phi(k), F(h, inf) = Phi(h)
    hi, ki = h[~finite], k[~finite]
    edge = np.where(hi == np.inf, ndtr(ki), np.where(ki == np.inf, ndtr(hi), 0.0))
    edge = np.where((hi == -np.inf) | (ki == -np.inf), 0.0, edge)
    out[~finite] = edge
    return np.clip(out, 0.0, 1.0)


class NegLogLik:
    """Negative log-likelihood of every pair's table as a function of the pairs' rho.

    The thresholds stay fixed during the search, so everything but the two Owen's T terms of
    :func:`bvn_cdf` is computed once here (the same operations in the same order, so the
    values are those of ``bvn_cdf``); each call then costs a dozen array operations.
    """

    def __init__(self, tables: np.ndarray, row_cuts: np.ndarray, col_cuts: np.ndarray) -> None:
        from scipy.special import ndtr, owens_t

        self._owens_t = owens_t
        pairs = row_cuts.shape[0]
        inf = np.full((pairs, 1), np.inf)
        rows = np.concatenate([-inf, row_cuts, inf], axis=1)  # (pairs, K+1)
        cols = np.concatenate([-inf, col_cuts, inf], axis=1)
        h, k = np.broadcast_arrays(rows[:, :, None], cols[:, None, :])
        finite = np.isfinite(h) & np.isfinite(k)
        self._finite = finite
        self._pair = np.broadcast_to(np.arange(pairs)[:, None, None], h.shape)[finite]
        hf, kf = h[finite], k[finite]
        # the formula divides by h and k: move exact zeros off the axis (the CDF is smooth)
        self._h = np.where(hf == 0.0, 1e-13, hf)
        self._k = np.where(kf == 0.0, 1e-13, kf)
        self._base = 0.5 * (ndtr(self._h) + ndtr(self._k))
        self._cross = 0.5 * ((self._h * self._k) < 0)
        hi, ki = h[~finite], k[~finite]
        edge = np.where(hi == np.inf, ndtr(ki), np.where(ki == np.inf, ndtr(hi), 0.0))
        edge = np.where((hi == -np.inf) | (ki == -np.inf), 0.0, edge)
        self._grid = np.empty(h.shape)
        self._grid[~finite] = edge
        self._tables = tables

    def __call__(self, rho: np.ndarray) -> np.ndarray:
        owens_t, hf, kf = self._owens_t, self._h, self._k
        rf = rho[self._pair]
        s = np.sqrt((1.0 - rf) * (1.0 + rf))
        value = self._base - owens_t(hf, (kf - rf * hf) / (hf * s))
        value -= owens_t(kf, (hf - rf * kf) / (kf * s))
        value -= self._cross
        grid = self._grid.copy()
        grid[self._finite] = value
        np.clip(grid, 0.0, 1.0, out=grid)
        probs = np.diff(np.diff(grid, axis=1), axis=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            logp = np.where(probs > 0, np.log(np.where(probs > 0, probs, 1.0)), 0.0)
        return -(self._tables * logp).sum(axis=(1, 2))


def maximise(tables: np.ndarray, row_cuts: np.ndarray, col_cuts: np.ndarray) -> np.ndarray:
    """Golden-section search on (-1, 1) for every pair at once (as R's optimize).

    Returns the correlations (pairs,) that minimise :class:`NegLogLik`; 45 steps narrow each
    interval below 1e-9.
    """
    pairs = tables.shape[0]
    neg_loglik = NegLogLik(tables, row_cuts, col_cuts)
    lo, hi = np.full(pairs, -1.0), np.full(pairs, 1.0)
    a = lo + _GOLDEN * (hi - lo)
    b = hi - _GOLDEN * (hi - lo)
    fa = neg_loglik(a)
    fb = neg_loglik(b)
    for _ in range(45):  # 2 * 0.618^45 < 1e-9; flatness limits rho to ~1e-8 anyway
        left = fa <= fb  # minimum in [lo, b]
        hi = np.where(left, b, hi)
        lo = np.where(left, lo, a)
        new = np.where(left, lo + _GOLDEN * (hi - lo), hi - _GOLDEN * (hi - lo))
        fnew = neg_loglik(new)
        a, b, fa, fb = (
            np.where(left, new, b),
            np.where(left, a, new),
            np.where(left, fnew, fb),
            np.where(left, fa, fnew),
        )
    return (lo + hi) / 2.0
