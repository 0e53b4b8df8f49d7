"""Polychoric correlations of ordinal items, as ``psych::polychoric`` computes them.

Every pair's maximum-likelihood correlation is found at once: the contingency tables come
from one ``bincount`` per pair and the bivariate normal cell probabilities from Owen's T
function, evaluated for all pairs in each step of a vectorised golden-section search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.scoring import as_numeric_frame

__all__ = ["PolychoricResult", "polychoric", "polychoric_many"]

_MAX_CATEGORIES = 8  # psych::polychoric(max.cat = 8)
_GOLDEN = (3.0 - np.sqrt(5.0)) / 2.0


@dataclass(frozen=True, eq=False)
class PolychoricResult:
    """Polychoric correlation matrix and thresholds.

    Attributes
    ----------
    rho : DataFrame
        Item x item correlations (unit diagonal); NaN rows/columns for items without
        variance, which psych drops.
    tau : DataFrame
        Thresholds per item (rows) between consecutive categories (columns ``1..K-1``),
        on the standard normal scale; ``-inf``/``inf`` for unused end categories.
    global_thresholds : bool
        True when each pair used the items' own thresholds (psych's default); False when
        the items have unequal numbers of categories and each pair's table gave its own.
    smoothed : bool
        True when the matrix was not positive definite and was smoothed
        (``psych::cor.smooth``).
    n_corrected : int
        Pairs whose empty cells got the continuity correction (only without global
        thresholds; psych's warning counts the same).
    """

    rho: pd.DataFrame
    tau: pd.DataFrame
    global_thresholds: bool
    smoothed: bool
    n_corrected: int


def _bvn_cdf(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
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


class _NegLogLik:
    """Negative log-likelihood of every pair's table as a function of the pairs' rho.

    The thresholds stay fixed during the search, so everything but the two Owen's T terms of
    :func:`_bvn_cdf` is computed once here (the same operations in the same order, so the
    values are those of ``_bvn_cdf``); each call then costs a dozen array operations.
    """

    def __init__(self, tables: np.ndarray, row_cuts: np.ndarray, col_cuts: np.ndarray):
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


def _maximise(tables: np.ndarray, row_cuts: np.ndarray, col_cuts: np.ndarray) -> np.ndarray:
    """Golden-section search on (-1, 1) for every pair at once (as R's optimize)."""
    pairs = tables.shape[0]
    neg_loglik = _NegLogLik(tables, row_cuts, col_cuts)
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


def _smooth(matrix: np.ndarray) -> tuple[np.ndarray, bool]:
    """psych::cor.smooth: lift eigenvalues below 1e-12 to 1e-10, rescale, back to a
    correlation matrix."""
    values, vectors = np.linalg.eigh(matrix)
    if values.min() >= np.finfo(float).eps:
        return matrix, False
    values = np.where(values < 1e-12, 1e-10, values)
    values *= matrix.shape[0] / values.sum()
    smoothed = (vectors * values) @ vectors.T
    scale = np.sqrt(np.diag(smoothed))
    return smoothed / np.outer(scale, scale), True


def _pair_thresholds(table: np.ndarray, total: float, correct: float):
    """Non-global branch of psych's polyc: drop empty rows/columns, correct zero cells,
    thresholds from the pair's own margins; padded to the full K categories."""
    size = table.shape[0]
    tab = table / total
    rows, cols = tab.sum(axis=1) > 0, tab.sum(axis=0) > 0
    tab = tab[rows][:, cols]
    fixed = 0
    if min(tab.shape) < 2:
        return None
    if correct > 0 and (tab == 0).any():
        fixed = 1
        tab = np.where(tab == 0, correct / total, tab)
    from scipy.special import ndtri

    with np.errstate(invalid="ignore"):
        rc = ndtri(np.cumsum(tab.sum(axis=1))[:-1])
        cc = ndtri(np.cumsum(tab.sum(axis=0))[:-1])
    padded = np.zeros((size, size))
    padded[: tab.shape[0], : tab.shape[1]] = tab
    row_cuts = np.full(size - 1, np.inf)
    col_cuts = np.full(size - 1, np.inf)
    row_cuts[: rc.size] = rc
    col_cuts[: cc.size] = cc
    return padded, row_cuts, col_cuts, fixed


def _category_codes(values: np.ndarray):
    """Integer category codes of `values` (n, p) as int8, 0 = the smallest answer of any
    column and -1 = missing, with each column's lowest and highest answer (NaN when it has
    none) and the number of categories; codes None when nothing was answered.

    Raises ValueError for non-integer answers or more than 8 categories (in that order).
    """
    lo = np.fmin.reduce(values, axis=0) if values.size else np.full(values.shape[1], np.nan)
    hi = np.fmax.reduce(values, axis=0) if values.size else np.full(values.shape[1], np.nan)
    if np.isnan(lo).all():
        return None, lo, hi, 0
    low, high = float(np.nanmin(lo)), float(np.nanmax(hi))
    codes = None
    if high - low < 127 and low == np.round(low):
        shifted = values - low
        np.copyto(shifted, -1.0, where=np.isnan(shifted))  # missing: -1 (answers are >= 0)
        codes = shifted.astype(np.int8)
        integer = bool(np.array_equal(codes, shifted))
    else:
        observed = values[~np.isnan(values)]
        integer = bool(np.all(observed == np.round(observed)))
    if not integer:
        raise ValueError("data must hold integer category codes")
    n_values = int(high - low) + 1
    if n_values > _MAX_CATEGORIES:
        raise ValueError(
            f"data has {n_values} categories; polychoric allows at most {_MAX_CATEGORIES}"
        )
    return codes, lo, hi, n_values


_CHUNK_CELLS = 1 << 22  # cells per bincount block: bounded memory for a million rows
_MAX_PATTERNS = 1 << 18  # answer patterns of a scale counted at once (6^5 = 7,776 for 5 items)


def _pattern_counts(index: np.ndarray, levels: int) -> np.ndarray | None:
    """Counts of every answer pattern, shape (levels,) * p, from codes 0 .. levels - 1 in
    `index` (n, p): one ``bincount`` of a mixed-radix code per row. Every item's and every
    pair's table is a margin of it. None when there are too many patterns."""
    p = index.shape[1]
    if levels**p > _MAX_PATTERNS:
        return None
    code = np.zeros(index.shape[0], dtype=np.intp)
    for j in range(p):  # item 0 is the most significant digit
        code *= levels
        code += index[:, j]
    return np.bincount(code, minlength=levels**p).reshape((levels,) * p)


def _margin(patterns: np.ndarray, keep: tuple[int, ...]) -> np.ndarray:
    """Counts over the items `keep` (ascending) only: the other axes summed out."""
    return patterns.sum(axis=tuple(a for a in range(patterns.ndim) if a not in keep))


def _tabulate(index: np.ndarray, levels: int, patterns: np.ndarray | None = None) -> np.ndarray:
    """Counts (k, levels) of the codes 0 .. levels - 1 in each column of `index` (n, k):
    margins of `patterns` when given, else one ``bincount`` per block of rows over all
    columns, each column offset into its own slot."""
    k = index.shape[1]
    if patterns is not None:
        return np.stack([_margin(patterns, (j,)) for j in range(k)]).reshape(k, levels)
    offsets = np.arange(k, dtype=np.intp) * levels
    counts = np.zeros(k * levels, dtype=np.intp)
    step = max(1, _CHUNK_CELLS // max(k, 1))
    for start in range(0, index.shape[0], step):
        block = index[start : start + step] + offsets
        counts += np.bincount(block.ravel(order="K"), minlength=k * levels)
    return counts.reshape(k, levels)


def _pair_tables(
    index: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    size: int,
    patterns: np.ndarray | None = None,
) -> np.ndarray:
    """Contingency tables (pairs, size, size) of the item pairs (first[k] < second[k]) on
    0-based codes with ``size`` = missing; the missing row and column (rows where either
    item is unanswered) are dropped. Margins of `patterns` when given, else one
    ``bincount`` per block of rows over all pairs."""
    levels = size + 1
    pairs = first.size
    if patterns is not None:
        tables = np.zeros((pairs, levels, levels), dtype=np.intp)
        for k, (i, j) in enumerate(zip(first, second, strict=True)):
            tables[k] = _margin(patterns, (int(i), int(j)))
        return tables[:, :size, :size].astype(np.float64)
    offsets = np.arange(pairs, dtype=np.intp) * (levels * levels)
    counts = np.zeros(pairs * levels * levels, dtype=np.intp)
    step = max(1, _CHUNK_CELLS // max(pairs, 1))
    for start in range(0, index.shape[0], step):
        block = index[start : start + step]
        cells = block[:, first] * levels + block[:, second] + offsets
        counts += np.bincount(cells.ravel(order="K"), minlength=pairs * levels * levels)
    tables = counts.reshape(pairs, levels, levels)[:, :size, :size]
    return tables.astype(np.float64)


def polychoric(data: pd.DataFrame, correct: float = 0.5, smooth: bool = True) -> PolychoricResult:
    """Polychoric correlations between ordinal items.

    Parameters
    ----------
    data : DataFrame
        Respondents in rows, items in columns, answers as integer codes (at most 8
        categories over all items), missing answers NaN; each pair uses the rows where
        both are answered.
    correct : float
        Continuity correction added (as a count) to empty cells when thresholds are not
        global. Default 0.5, as psych.
    smooth : bool
        Smooth a non-positive-definite result (``psych::cor.smooth``). Default True.

    Returns
    -------
    PolychoricResult

    Raises
    ------
    ValueError
        If `data` is not numeric, holds non-integer codes or more than 8 categories, or
        `correct` is negative.

    Notes
    -----
    Codes are shifted so the smallest observed answer is category 1. Thresholds of item
    *i* are :math:`\\tau_{ic} = \\Phi^{-1}(\\sum_{c' \\le c} p_{ic'})` from its own answers.
    For each pair the correlation maximises
    :math:`\\sum_{a,b} n_{ab} \\log \\pi_{ab}(\\rho)`, with :math:`\\pi_{ab}` the bivariate
    normal probability of the rectangle between consecutive thresholds (cells with
    :math:`\\pi \\le 0` are skipped, as psych does). When the items do not all reach the
    same top category psych switches to per-pair thresholds from the pair's table, after
    dropping empty rows and columns and replacing empty cells by `correct`/*n*; the engine
    does the same. Matches ``psych::polychoric(x)`` (``global = TRUE``, ``correct = 0.5``,
    ``smooth = TRUE``); psych's own optimiser stops at about 1e-4, the engine at about 1e-8 (the
    limit of a search on function values).
    Items without variance are dropped by psych; here they get NaN.

    References
    ----------
    Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation
    coefficient. Psychometrika, 44, 443-460.
    Revelle, W. psych: ``polychoric``, ``cor.smooth``.
    """
    return polychoric_many([data], correct, smooth)[0]


_BATCH_ERRORS = (ValueError, ArithmeticError, np.linalg.LinAlgError)


def polychoric_many(
    frames: Sequence[pd.DataFrame],
    correct: float = 0.5,
    smooth: bool = True,
    *,
    return_exceptions: bool = False,
) -> list[Any]:
    """:func:`polychoric` of several item sets (e.g. every scale of a survey) at once.

    Each result is exactly what ``polychoric(frame, correct, smooth)`` gives; the
    maximum-likelihood searches of all frames with tables of the same size run as one
    vectorised search (the searches' cost is per step, not per pair).

    Parameters
    ----------
    frames : sequence of DataFrame
        Item sets, each as `data` of :func:`polychoric`.
    correct, smooth
        As in :func:`polychoric`.
    return_exceptions : bool
        When True, a frame whose correlations cannot be computed (ValueError,
        ArithmeticError, LinAlgError) gets that exception in the list instead of a result;
        when False (default) the first such exception is raised.

    Returns
    -------
    list of PolychoricResult (or exceptions)
    """
    results: list[Any] = [None] * len(frames)
    waiting: dict[int, list[tuple[int, Any, tuple[np.ndarray, ...]]]] = {}
    for at, frame in enumerate(frames):
        steps = _polychoric_steps(frame, correct, smooth)
        try:
            problem = next(steps)
        except StopIteration as done:
            results[at] = done.value
        except _BATCH_ERRORS as exc:
            if not return_exceptions:
                raise
            results[at] = exc
        else:
            waiting.setdefault(problem[0].shape[1], []).append((at, steps, problem))
    for group in waiting.values():
        rho = _maximise(*(np.concatenate([g[2][k] for g in group]) for k in range(3)))
        bounds = np.cumsum([0] + [g[2][0].shape[0] for g in group])
        for (at, steps, _), lo, hi in zip(group, bounds[:-1], bounds[1:], strict=True):
            try:
                steps.send(rho[lo:hi])
            except StopIteration as done:
                results[at] = done.value
            except _BATCH_ERRORS as exc:
                if not return_exceptions:
                    raise
                results[at] = exc
            else:  # pragma: no cover - the generator yields once
                raise RuntimeError("polychoric steps yielded twice")
    return results


def _polychoric_steps(data: pd.DataFrame, correct: float, smooth: bool):
    """:func:`polychoric` as a generator: it yields the search problem (tables scaled to
    proportions, row and column thresholds of the estimable pairs), is sent their rho,
    and returns the PolychoricResult (at once, without yielding, when nothing is to be
    searched)."""
    from scipy.special import ndtri

    frame = as_numeric_frame(data)
    if not (np.isfinite(correct) and correct >= 0):
        raise ValueError(f"correct must be a non-negative number, got {correct}")
    columns = list(frame.columns)
    values = frame.to_numpy()
    codes, lo, hi, n_values = _category_codes(values)
    nan_rho = pd.DataFrame(np.nan, index=columns, columns=columns)
    if codes is None:
        return PolychoricResult(nan_rho, pd.DataFrame(index=columns), True, False, 0)

    good = np.flatnonzero(lo < hi)  # psych drops items without variance (one answer value)
    tau_columns = list(range(1, n_values))
    tau = pd.DataFrame(np.nan, index=columns, columns=tau_columns)
    if good.size == 0:
        return PolychoricResult(nan_rho, tau, True, False, 0)
    # categories 1..; psych shifts by the global minimum (here: of the items that vary)
    low = lo[good].min()
    item_max = hi[good] - low + 1
    use_global = bool(item_max.min() == item_max.max())
    size = int(item_max.max())  # categories in the tables (psych: gmaxx)
    index = codes[:, good].astype(np.intp)
    index -= int(low - np.nanmin(lo))  # 0-based category of the varying items
    index[index < 0] = size  # missing answers: one extra category, dropped below

    p = good.size
    # item thresholds from each item's own answers (psych: tabulate with nbins = nvalues)
    freq = np.zeros((p, n_values))
    patterns = _pattern_counts(index, size + 1)
    freq[:, :size] = _tabulate(index, size + 1, patterns)[:, :size]
    freq /= freq.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        item_tau = ndtri(np.minimum(np.cumsum(freq, axis=1), 1.0))[:, : n_values - 1]
    tau.iloc[good] = item_tau

    first, second = np.triu_indices(p, k=1)
    tables = _pair_tables(index, first, second, size, patterns)

    totals = tables.sum(axis=(1, 2))
    estimable = totals > 0
    n_corrected = 0
    if use_global:
        row_cuts = item_tau[first][:, : size - 1]
        col_cuts = item_tau[second][:, : size - 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled = tables / totals[:, None, None]
    else:
        scaled = np.zeros_like(tables)
        row_cuts = np.full((first.size, size - 1), np.inf)
        col_cuts = np.full((first.size, size - 1), np.inf)
        for at in np.flatnonzero(estimable):
            prepared = _pair_thresholds(tables[at], totals[at], correct)
            if prepared is None:
                estimable[at] = False
                continue
            scaled[at], row_cuts[at], col_cuts[at], fixed = prepared
            n_corrected += fixed
        estimable &= ~np.isnan(row_cuts).any(axis=1) & ~np.isnan(col_cuts).any(axis=1)

    rho_pairs = np.full(first.size, np.nan)
    if estimable.any():
        rho_pairs[estimable] = yield scaled[estimable], row_cuts[estimable], col_cuts[estimable]
    matrix = np.eye(p)
    matrix[first, second] = rho_pairs
    matrix[second, first] = rho_pairs
    smoothed = False
    if smooth and np.isfinite(matrix).all():
        matrix, smoothed = _smooth(matrix)

    rho = nan_rho.copy()
    rho.iloc[good, good] = matrix
    return PolychoricResult(
        rho=rho,
        tau=tau,
        global_thresholds=use_global,
        smoothed=smoothed,
        n_corrected=n_corrected,
    )
