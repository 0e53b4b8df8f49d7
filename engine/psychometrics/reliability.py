"""Reliability of a scale: Cronbach's alpha with its Feldt interval, item statistics,
and ordinal alpha on polychoric correlations.

Omega (total, hierarchical) lives in ``engine.psychometrics.omega``.

Why not ``pingouin.cronbach_alpha``: it returns alpha and its interval only (no standardised
alpha, corrected item-total correlations or alpha if an item is dropped, all of which come
from the same covariance matrix here), and importing pingouin imports ``scipy.stats``,
which ``samen analyze`` avoids at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.psychometrics.scoring import as_number, as_numeric_frame

__all__ = [
    "AlphaResult",
    "cronbach_alpha",
    "ordinal_alpha",
    "ordinal_alphas",
    "pairwise_covariance",
    "standard_error_of_measurement",
]

_NAN = float("nan")
_ITEM_COLUMNS = ["n", "mean", "sd", "r_drop", "alpha_if_dropped"]


@dataclass(frozen=True, eq=False)
class AlphaResult:
    """Cronbach's alpha and item statistics of one scale (``psych::alpha``).

    Attributes
    ----------
    alpha : float
        Raw alpha from the covariances (psych ``raw_alpha``).
    std_alpha : float
        Standardised alpha from the correlations (psych ``std.alpha``).
    ci : tuple of float
        Feldt confidence interval ``(lo, hi)`` (``psych::alpha.ci``).
    n : int
        Respondents who answered at least one item.
    mean, sd : float
        Mean and standard deviation of the respondents' mean item score.
    sem : float
        Standard error of measurement, ``sd * sqrt(1 - alpha)``.
    items : DataFrame
        Index = item; columns ``n``, ``mean``, ``sd``, ``r_drop`` (corrected item-total
        correlation) and ``alpha_if_dropped``.
    """

    alpha: float
    std_alpha: float
    ci: tuple[float, float]
    n: int
    mean: float
    sd: float
    sem: float
    items: pd.DataFrame


def pairwise_covariance(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Covariance matrix from pairwise-complete observations, as ``cov(x, use = "pairwise")``.

    Parameters
    ----------
    values : ndarray of shape (n, p)
        Data with NaN for missing values.

    Returns
    -------
    cov : ndarray of shape (p, p)
        Covariances; NaN where a pair has fewer than two complete rows.
    counts : ndarray of shape (p, p)
        Number of complete rows per pair.

    Notes
    -----
    For items *i*, *j* with :math:`n_{ij}` rows where both are present,
    :math:`c_{ij} = (\\sum x_i x_j - \\sum x_i \\sum x_j / n_{ij}) / (n_{ij} - 1)`, every sum
    over those rows; computed for all pairs at once with three matrix products (after
    centring each column at its mean, for accuracy). O(n p^2).
    """
    values = np.asarray(values, dtype="float64")
    present = ~np.isnan(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(present, values, 0.0).sum(axis=0) / present.sum(axis=0)
    centre = np.where(np.isnan(centre), 0.0, centre)
    return _pairwise_centred(np.where(present, values - centre, 0.0), present)


def _pairwise_centred(filled: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise covariances from data centred near the column means, zeros where missing."""
    p = filled.shape[1]
    if present.all():
        counts = np.full((p, p), float(filled.shape[0]))
        sums = np.broadcast_to(filled.sum(axis=0)[:, None], (p, p))
    else:
        mask = present.astype("float64")
        counts = mask.T @ mask
        sums = filled.T @ mask  # sums[i, j] = sum of x_i over rows where i and j are present
    products = filled.T @ filled
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (products - sums * sums.T / counts) / (counts - 1)
    cov[counts < 2] = np.nan
    return cov, counts


#: Rows per block of :func:`_alpha_moments`: its temporaries (a block of a scale's items)
#: stay small and are reused by the allocator, not mapped fresh page by page per scale.
_ROWS = 65_536


def _alpha_moments(
    values: np.ndarray,
) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sums behind :func:`cronbach_alpha`, in one pass over blocks of rows (bounded
    memory for a million respondents): respondents with an answer, items, answers per item,
    item means and SDs, the mean item score of each respondent with an answer, and the
    pairwise-complete covariance matrix (NaN with fewer than two respondents).

    The sums are taken about the item means of the first block (as
    ``engine.psychometrics.extraction.pairwise_correlation`` does): the covariances are
    the same about any centre, and one near the means keeps them accurate."""
    rows, p = values.shape
    answered = np.zeros(p, dtype=np.int64)
    scores = np.empty(rows)
    keep = np.empty(rows, dtype=bool)
    squares = np.zeros(p)
    counts = np.zeros((p, p))
    sums = np.zeros((p, p))  # sums[i, j]: of x_i - centre_i over rows where i and j are present
    products = np.zeros((p, p))
    centre = np.zeros(p)
    with np.errstate(invalid="ignore", divide="ignore"):
        for start in range(0, rows, _ROWS):
            block = values[start : start + _ROWS]
            missing = np.isnan(block)
            present = ~missing
            filled = np.where(present, block, 0.0)
            row_count = present.sum(axis=1)
            keep[start : start + _ROWS] = row_count > 0
            scores[start : start + _ROWS] = filled.sum(axis=1) / row_count
            if start == 0:
                seen = present.sum(axis=0)
                centre = np.where(seen > 0, filled.sum(axis=0) / seen, 0.0)
            answered += present.sum(axis=0)
            centred = filled - centre
            np.copyto(centred, 0.0, where=missing)  # zeros where missing
            squares += (centred**2).sum(axis=0)
            products += centred.T @ centred
            if not missing.any():
                counts += block.shape[0]
                sums += centred.sum(axis=0)[:, None]
                continue
            mask = present.astype("float64")
            counts += mask.T @ mask
            sums += centred.T @ mask
        shift = np.diag(sums) / answered  # item mean - centre
        item_mean = centre + shift
        item_sd = np.sqrt((squares - answered * shift**2) / (answered - 1))
        item_sd = np.where(answered > 1, item_sd, np.nan)
        cov = (products - sums * sums.T / counts) / (counts - 1)
    cov[counts < 2] = np.nan
    n = int(np.count_nonzero(keep))
    if n < rows:
        scores = scores[keep]
    return n, p, answered, item_mean, item_sd, scores, cov


def _alpha_from_cov(cov: np.ndarray) -> float:
    p = cov.shape[0]
    total = cov.sum()
    return p / (p - 1) * (1.0 - np.trace(cov) / total)


def _finite(value):
    """NaN where a value is infinite (a ratio with a zero denominator)."""
    array = np.where(np.isfinite(value), value, np.nan)
    return float(array) if array.ndim == 0 else array


def _feldt(alpha: float, n: int, p: int, confidence: float) -> tuple[float, float]:
    from scipy.special import fdtri  # F quantile; lighter to import than scipy.stats

    if not np.isfinite(alpha) or n < 2 or p < 2:
        return (_NAN, _NAN)
    dfn, dfd = n - 1, (n - 1) * (p - 1)
    tail = (1.0 - confidence) / 2.0
    lo = 1.0 - (1.0 - alpha) * fdtri(dfn, dfd, 1.0 - tail)
    hi = 1.0 - (1.0 - alpha) * fdtri(dfn, dfd, tail)
    return (float(lo), float(hi))


def cronbach_alpha(data: pd.DataFrame, confidence: float = 0.95) -> AlphaResult:
    """Cronbach's alpha, its Feldt confidence interval and item statistics.

    Parameters
    ----------
    data : DataFrame
        Respondents in rows, one scale's items in columns (already reverse-keyed), missing
        answers NaN. Rows without any answer are ignored.
    confidence : float
        Coverage of the confidence interval, in (0, 1). Default 0.95.

    Returns
    -------
    AlphaResult
        With fewer than two items, or an item without variance, the alpha fields,
        ``sem``, ``r_drop`` and ``alpha_if_dropped`` are NaN (no exception); means and
        standard deviations are still given.

    Notes
    -----
    With :math:`C` the pairwise-complete covariance matrix of the *p* items and :math:`R`
    the matching correlation matrix:

    * alpha :math:`= \\frac{p}{p-1}(1 - \\operatorname{tr} C / \\mathbf{1}'C\\mathbf{1})`,
      std_alpha :math:`= \\frac{p}{p-1}(1 - p / \\mathbf{1}'R\\mathbf{1})`;
    * Feldt interval :math:`1 - (1-\\alpha) F_{1-a/2}` to :math:`1 - (1-\\alpha) F_{a/2}`
      with :math:`F` on :math:`(n-1, (n-1)(p-1))` degrees of freedom, :math:`a = 1 -`
      `confidence`;
    * r_drop :math:`_i = (\\mathbf{1}'C_{\\cdot i} - c_{ii}) / \\sqrt{c_{ii}\\,
      \\mathbf{1}'C_{-i,-i}\\mathbf{1}}`; alpha_if_dropped is alpha of :math:`C_{-i,-i}`
      (NaN for a two-item scale, where one item is left; psych prints
      :math:`c_{12}/c_{jj}` there);
    * mean and sd are those of the respondents' mean item score (``rowMeans(x, na.rm =
      TRUE)``), sem :math:`= sd\\sqrt{1-\\alpha}`.

    Matches ``psych::alpha(x)`` (``raw_alpha``, ``std.alpha``, ``$feldt``, ``mean``,
    ``sd``, ``item.stats$r.drop``, ``alpha.drop$raw_alpha``) on the same rows; psych counts
    all rows in *n*, including rows without any answer, which the engine drops first.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16, 297-334.
    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. Applied Psychological Measurement, 11, 93-103.
    Revelle, W. psych: ``alpha``, ``alpha.ci``.
    """
    frame = as_numeric_frame(data)
    if not 0 < as_number(confidence, "confidence") < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if frame.shape[1] == 0:
        raise ValueError("data has no item columns")
    values = frame.to_numpy()
    n, p, answered, item_mean, item_sd, scores, cov = _alpha_moments(values)
    mean = float(scores.mean()) if n else _NAN
    sd = float(scores.std(ddof=1)) if n > 1 else _NAN

    r_drop = np.full(p, np.nan)
    if_dropped = np.full(p, np.nan)
    alpha = std_alpha = _NAN
    diag = np.diag(cov)
    if p >= 2 and np.isfinite(cov).all() and (diag > 0).all():
        corr = cov / np.sqrt(np.outer(diag, diag))
        total = cov.sum()
        col = cov.sum(axis=0)
        rest = total - 2.0 * col + diag  # 1'C_{-i,-i}1
        # a zero total (perfectly opposed items) would divide by zero: NaN, not -inf
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha = _finite(_alpha_from_cov(cov))
            std_alpha = _finite(p / (p - 1) * (1.0 - p / corr.sum()))
            r_drop = _finite((col - diag) / np.sqrt(diag * rest))
            if p > 2:
                if_dropped = _finite((p - 1) / (p - 2) * (1.0 - (diag.sum() - diag) / rest))

    items = pd.DataFrame(
        {
            "n": answered.astype("int64"),
            "mean": item_mean,
            "sd": item_sd,
            "r_drop": r_drop,
            "alpha_if_dropped": if_dropped,
        },
        index=pd.Index(frame.columns, name="item"),
        columns=_ITEM_COLUMNS,
    )
    sem = sd * np.sqrt(1.0 - alpha) if np.isfinite(alpha) and alpha <= 1 else _NAN
    return AlphaResult(
        alpha=alpha,
        std_alpha=std_alpha,
        ci=_feldt(alpha, n, p, confidence),
        n=int(n),
        mean=mean,
        sd=sd,
        sem=float(sem),
        items=items,
    )


def standard_error_of_measurement(sd: float, reliability: float) -> float:
    """Standard error of measurement of a score with standard deviation `sd`.

    Parameters
    ----------
    sd : float
        Standard deviation of the scores (non-negative), the one reported beside them.
    reliability : float
        Reliability of the scores (e.g. alpha), at most 1.

    Returns
    -------
    float
        :math:`sd\\sqrt{1 - reliability}`; NaN when either is NaN or the reliability is
        above 1 (no real square root). A negative reliability gives a value above `sd`.

    Notes
    -----
    Classical test theory: observed variance = true variance + error variance, and the
    reliability is the true share, so the error SD is :math:`sd\\sqrt{1-r}` (Lord & Novick,
    1968). Use the SD of the same scores whose reliability is given: the report passes
    its scale SD (valid scale scores), so SEM and SD in one row describe the same scores.
    """
    sd, reliability = as_number(sd, "sd"), as_number(reliability, "reliability")
    if sd < 0:
        raise ValueError(f"sd must be non-negative, got {sd}")
    if not (np.isfinite(sd) and np.isfinite(reliability)) or reliability > 1:
        return _NAN
    return float(sd * np.sqrt(1.0 - reliability))


def ordinal_alpha(data: pd.DataFrame) -> float:
    """Ordinal alpha: alpha on the polychoric correlations of the items.

    Parameters
    ----------
    data : DataFrame
        Respondents in rows, one scale's items in columns (already reverse-keyed), answers
        coded as consecutive integers (at most 8 categories), missing answers NaN.

    Returns
    -------
    float
        NaN with fewer than two items, an item without variance, or a polychoric
        correlation that cannot be estimated.

    Notes
    -----
    :math:`\\alpha_{ord} = \\frac{p}{p-1}(1 - p / \\mathbf{1}'P\\mathbf{1})` with :math:`P`
    the polychoric correlation matrix; matches
    ``psych::alpha(psych::polychoric(x)$rho)$total$raw_alpha``.

    References
    ----------
    Zumbo, B. D., Gadermann, A. M., & Zeisser, C. (2007). Ordinal versions of coefficients
    alpha and theta for Likert rating scales. Journal of Modern Applied Statistical
    Methods, 6, 21-29.
    """
    result = ordinal_alphas([data])[0]
    if isinstance(result, Exception):
        raise result
    return result


def ordinal_alphas(frames: Sequence[pd.DataFrame]) -> list[float | Exception]:
    """:func:`ordinal_alpha` of several scales, their polychoric searches run together.

    Parameters
    ----------
    frames : sequence of DataFrame
        One scale's items per frame, as `data` of :func:`ordinal_alpha`.

    Returns
    -------
    list
        Per frame the ordinal alpha, or the exception (ValueError, ArithmeticError,
        LinAlgError) that :func:`ordinal_alpha` would raise for it.
    """
    from engine.psychometrics.polychoric import polychoric_many

    out: list[float | Exception] = [_NAN] * len(frames)
    todo: list[int] = []
    checked: list[pd.DataFrame] = []
    for at, data in enumerate(frames):
        try:
            frame = as_numeric_frame(data)
        except ValueError as exc:
            out[at] = exc
            continue
        values = frame.to_numpy()
        if frame.shape[1] < 2 or len(values) < 2:
            continue
        # an item varies (sd > 0) when it has two different answers; fmin/fmax skip NaN
        if not (np.fmin.reduce(values, axis=0) < np.fmax.reduce(values, axis=0)).all():
            continue
        todo.append(at)
        checked.append(frame)
    for at, frame, res in zip(
        todo, checked, polychoric_many(checked, return_exceptions=True), strict=True
    ):
        if isinstance(res, Exception):
            out[at] = res
            continue
        rho = res.rho.to_numpy()
        p = frame.shape[1]
        out[at] = float(p / (p - 1) * (1.0 - p / rho.sum())) if np.isfinite(rho).all() else _NAN
    return out
