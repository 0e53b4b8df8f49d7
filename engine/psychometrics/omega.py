"""McDonald's omega (total and hierarchical) as ``psych::omega`` computes it: a
Schmid-Leiman transformation of a minres + oblimin factor solution; and the composite
reliability of a confirmatory model's factors (``semTools::compRelSEM``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.psychometrics.extraction import (
    item_correlations,
    minres,
    order_and_sign,
    single_threaded_blas,
)
from engine.psychometrics.rotation import oblimin, varimax

__all__ = ["OmegaResult", "composite_reliability", "omega", "schmid_leiman"]


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's omega.

    Attributes
    ----------
    hierarchical : float
        omega_h: the share of total-score variance due to the general factor. With
        ``n_factors = 1`` this is psych's value ``(sum g)^2 / sum(R)`` for the single
        factor, which psych reports with a warning that it is not meaningful.
    total : float
        omega_t (psych's ``omega.tot``): the share of total-score variance due to all
        common factors.
    n_factors : int
        Number of group factors.
    g_loadings : dict of str to float
        Each item's loading on the general factor, after psych's sign flipping.
    reversed_items : tuple of str
        Items psych would flip (negative general-factor loading) before summing.
    """

    hierarchical: float
    total: float
    n_factors: int
    g_loadings: dict[str, float]
    reversed_items: tuple[str, ...]


def schmid_leiman(r: np.ndarray, n_factors: int) -> tuple[np.ndarray, np.ndarray]:
    """Schmid-Leiman general-factor loadings and uniquenesses, as ``psych::schmid``.

    Parameters
    ----------
    r : numpy.ndarray
        Correlation matrix, items x items.
    n_factors : int
        Number of group factors.

    Returns
    -------
    g : numpy.ndarray
        Loadings on the general factor (before sign flipping).
    u2 : numpy.ndarray
        Uniquenesses ``1 - h2``, ``h2`` the communalities of the ``n_factors`` solution.

    Notes
    -----
    psych's route: minres with ``n_factors`` factors, varimax (signed and ordered as psych
    does), then ``GPArotation::oblimin`` from that start giving pattern ``F`` and factor
    correlations ``Phi``. The loadings ``a`` of the factors on a general factor are the
    one-factor minres loadings of ``Phi`` for three or more factors; for two factors
    ``a = (sqrt|phi12|, sign(phi12) sqrt|phi12|)`` (psych's ``option = "equal"``); for one
    factor ``a = 1``. Then ``g = F a``.
    """
    unrotated, _ = minres(r, n_factors)
    orth = unrotated
    if n_factors > 1:
        orth, _, _ = order_and_sign(varimax(unrotated).loadings, None)
    h2 = (orth**2).sum(axis=1)
    if n_factors == 1:
        return orth[:, 0], np.diag(r) - h2
    rot = oblimin(orth)
    fload, phi = rot.loadings, rot.phi
    if n_factors == 2:
        c = phi[0, 1]
        gload = np.array([np.sqrt(abs(c)), np.sign(c) * np.sqrt(abs(c))])
    else:
        gload = minres(phi, 1)[0][:, 0]
    return fload @ gload, np.diag(r) - h2


def omega(data: pd.DataFrame, n_factors: int, *, corr: pd.DataFrame | None = None) -> OmegaResult:
    """McDonald's omega hierarchical and total, as ``psych::omega(data, nfactors)``.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents x items, NaN for missing answers. Reverse-keyed items may be recoded or
        not: like psych (``flip = TRUE``), items with a negative general-factor loading are
        reversed before the sums, so both give the same omega.
    n_factors : int
        Number of group factors, from 1 to the number of items - 1. With 1, ``total`` is a
        single scale's omega total (psych's ``omega(x, nfactors = 1)$omega.tot``).
    corr : pandas.DataFrame, optional
        ``engine.psychometrics.factors.correlation_matrix(data)``, computed once and shared.

    Returns
    -------
    OmegaResult
        NaN values when the correlation matrix is undefined (a constant item).

    Notes
    -----
    With ``R`` the pairwise-complete correlation matrix, ``g`` the Schmid-Leiman
    general-factor loadings (see :func:`schmid_leiman`), ``u2`` the uniquenesses and ``k``
    the vector of signs of ``g`` (``R_k = diag(k) R diag(k)``)::

        omega_h = (sum |g|)^2 / sum(R_k)
        omega_t = (sum(R_k) - sum(u2)) / sum(R_k)

    References
    ----------
    McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum.
    Zinbarg, R. E., Revelle, W., Yovel, I., & Li, W. (2005). Cronbach's alpha, Revelle's
    beta, and McDonald's omega_h. Psychometrika, 70, 123-133. R: ``psych::omega``,
    ``psych::schmid``.
    """
    r, names, _ = item_correlations(data, corr)
    p = len(names)
    if (
        isinstance(n_factors, bool)
        or not isinstance(n_factors, int | np.integer)
        or not 1 <= n_factors < p
    ):
        raise ValueError(f"n_factors must be an integer from 1 to {p - 1}; got {n_factors!r}")
    if np.isnan(r).any():
        return OmegaResult(float("nan"), float("nan"), int(n_factors), {}, ())
    with single_threaded_blas():
        g, u2 = schmid_leiman(r, int(n_factors))
    key = np.where(g < 0, -1.0, 1.0)
    vt = float((r * np.outer(key, key)).sum())
    g = g * key
    hierarchical = float(g.sum() ** 2 / vt)
    total = float((vt - u2.sum()) / vt)
    return OmegaResult(
        hierarchical=hierarchical,
        total=total,
        n_factors=int(n_factors),
        g_loadings={n: float(v) for n, v in zip(names, g, strict=True)},
        reversed_items=tuple(n for n, k in zip(names, key, strict=True) if k < 0),
    )


def composite_reliability(
    loadings: np.ndarray, phi: np.ndarray, s: np.ndarray, pattern: np.ndarray
) -> np.ndarray:
    """Model-based (composite) reliability of each factor's unit-weighted sum of items.

    Parameters
    ----------
    loadings : ndarray of shape (p, m)
        Unstandardised loadings, in the items' own units.
    phi : ndarray of shape (m, m)
        Factor covariance matrix.
    s : ndarray of shape (p, p)
        Observed covariance matrix of the items (divisor N, the one the model was fitted to).
    pattern : ndarray of bool, shape (p, m)
        Which item loads on which factor.

    Returns
    -------
    ndarray of shape (m,)
        Per factor; NaN for a factor with fewer than two items.

    Notes
    -----
    For factor *f* with items *I*: :math:`\\omega_f = (\\sum_{i \\in I} \\lambda_{if})^2
    \\phi_{ff} / \\sum_{i, j \\in I} s_{ij}`, the share of the observed variance of the sum
    of its items that the factor explains ("omega" of Bentler, 2009, with the observed total
    variance in the denominator). Matches ``semTools::compRelSEM(fit)`` with its defaults
    (``obs.var = TRUE``, ``tau.eq = FALSE``) on a ``lavaan::cfa`` fit of continuous items.
    Unlike psych's ``omega_total`` (an exploratory one-factor fit of each scale alone), it
    comes from the confirmatory model of all scales together, on its listwise sample.

    References
    ----------
    Bentler, P. M. (2009). Alpha, dimension-free, and model-based internal consistency
    reliability. Psychometrika, 74, 137-143. Jorgensen, T. D. et al. semTools:
    ``compRelSEM``.
    """
    loadings, phi, s = np.asarray(loadings), np.asarray(phi), np.asarray(s)
    pattern = np.asarray(pattern, dtype=bool)
    if loadings.shape != pattern.shape or s.shape != (pattern.shape[0],) * 2:
        raise ValueError("loadings, phi, s and pattern must describe the same items")
    out = np.full(pattern.shape[1], np.nan)
    for f in range(pattern.shape[1]):
        idx = np.flatnonzero(pattern[:, f])
        if idx.size < 2:
            continue
        total = s[np.ix_(idx, idx)].sum()
        out[f] = loadings[idx, f].sum() ** 2 * phi[f, f] / total if total > 0 else np.nan
    return out
