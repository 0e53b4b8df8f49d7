"""Polychoric correlations of ordinal items, as ``psych::polychoric`` computes them.

Every pair's maximum-likelihood correlation is found at once: the contingency tables come
from one ``bincount`` per pair and the bivariate normal cell probabilities from Owen's T
function, evaluated for all pairs in each step of a vectorised golden-section search.

Here: the result, the public functions and the per-pair thresholds; the tables are counted
in :mod:`engine.psychometrics.polychoric_tables`, the likelihood is searched in
:mod:`engine.psychometrics.polychoric_likelihood`.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.psychometrics.polychoric_likelihood import maximise
from engine.psychometrics.polychoric_tables import (
    MAX_PATTERNS,
    category_codes,
    pair_tables,
    pattern_counts,
    tabulate,
)
from engine.psychometrics.scoring import as_numeric_frame

__all__ = ["PolychoricResult", "polychoric", "polychoric_many"]

# Answer patterns counted at once (engine.psychometrics.polychoric_tables); tests lower it to
# force the pairwise route.
_MAX_PATTERNS = MAX_PATTERNS


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


def _pair_thresholds(
    table: np.ndarray, total: float, correct: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int] | None:
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
        rho = maximise(*(np.concatenate([g[2][k] for g in group]) for k in range(3)))
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


def _polychoric_steps(
    data: pd.DataFrame, correct: float, smooth: bool
) -> Generator[tuple[np.ndarray, ...], np.ndarray, PolychoricResult]:
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
    codes, lo, hi, n_values = category_codes(values)
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
    index = codes[:, good]  # int8: a small copy; every count casts its blocks to intp
    index -= int(low - np.nanmin(lo))  # 0-based category of the varying items
    index[index < 0] = size  # missing answers: one extra category, dropped below

    p = good.size
    # item thresholds from each item's own answers (psych: tabulate with nbins = nvalues)
    freq = np.zeros((p, n_values))
    patterns = pattern_counts(index, size + 1, _MAX_PATTERNS)
    freq[:, :size] = tabulate(index, size + 1, patterns)[:, :size]
    freq /= freq.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        item_tau = ndtri(np.minimum(np.cumsum(freq, axis=1), 1.0))[:, : n_values - 1]
    tau.iloc[good] = item_tau

    first, second = np.triu_indices(p, k=1)
    tables = pair_tables(index, first, second, size, patterns)

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
