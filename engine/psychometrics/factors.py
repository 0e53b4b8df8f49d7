"""Factor structure of a set of items, as R's psych package computes it: sampling adequacy
(KMO), Bartlett's sphericity test, parallel analysis for the number of factors and
exploratory factor analysis (minres extraction, oblimin rotation).

All functions take a DataFrame of respondents x items with NaN for missing answers and, like
psych given raw data, work on pairwise-complete Pearson correlations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.psychometrics.extraction import (
    correlation_matrix,
    item_correlations,
    minres,
    order_and_sign,
    single_threaded_blas,
)
from engine.psychometrics.rotation import oblimin, varimax

__all__ = [
    "BartlettResult",
    "EFAResult",
    "KMOResult",
    "ParallelResult",
    "bartlett",
    "correlation_matrix",
    "efa",
    "kmo",
    "parallel_analysis",
]

ROTATIONS = ("oblimin", "varimax", "none")


@dataclass(frozen=True)
class KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy.

    Attributes
    ----------
    overall : float
        Overall MSA (psych's ``MSA``).
    per_item : dict of str to float
        Each item's MSA (psych's ``MSAi``).
    """

    overall: float
    per_item: dict[str, float]


@dataclass(frozen=True)
class BartlettResult:
    """Bartlett's test that the correlation matrix is an identity matrix."""

    chisq: float
    df: int
    p: float


@dataclass(frozen=True)
class ParallelResult:
    """Parallel analysis.

    Attributes
    ----------
    n_factors : int
        Number of leading observed eigenvalues above the simulated ones.
    observed : numpy.ndarray
        Eigenvalues of the reduced correlation matrix of the data (one-factor minres
        communalities on the diagonal), descending.
    simulated : numpy.ndarray
        The 95th percentile, over ``n_iter`` simulations, of the same eigenvalues for
        uncorrelated normal data of the same size.
    """

    n_factors: int
    observed: np.ndarray
    simulated: np.ndarray


@dataclass(frozen=True)
class EFAResult:
    """Exploratory factor analysis.

    Attributes
    ----------
    loadings : pandas.DataFrame
        Rotated pattern loadings, items x factors, ordered and signed as psych does; as in
        psych, a column keeps the label of the unrotated factor it came from (``MR2``,
        ``MR1``, ``MR3`` when rotation swapped the first two).
    communalities : pandas.Series
        Per item, ``diag(L Phi L')`` (psych's ``communality``).
    uniquenesses : pandas.Series
        ``1 - communalities``.
    phi : pandas.DataFrame
        Factor correlations; the identity for ``varimax`` and ``none``.
    eigenvalues : numpy.ndarray
        Eigenvalues of the correlation matrix with communalities on the diagonal
        (psych's ``values``).
    n_factors : int
    rotation : str
    method : str
    converged : bool
        False when the rotation did not converge (GPArotation would warn).
    """

    loadings: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    phi: pd.DataFrame
    eigenvalues: np.ndarray
    n_factors: int
    rotation: str
    method: str
    converged: bool = True


def _singular(r: np.ndarray) -> bool:
    """Undefined (NaN) or numerically singular correlation matrix (e.g. fewer respondents
    than items): KMO and Bartlett's test are then not computed."""
    if np.isnan(r).any():
        return True
    vals = np.linalg.eigvalsh(r)
    return bool(vals[0] <= 1e-10 * max(vals[-1], 1.0))


def kmo(data: pd.DataFrame, *, corr: pd.DataFrame | None = None) -> KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, as ``psych::KMO``.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents x items, NaN for missing answers.
    corr : pandas.DataFrame, optional
        ``correlation_matrix(data)``, computed once and shared between functions.

    Returns
    -------
    KMOResult
        Overall and per-item MSA; NaN when the correlation matrix is undefined (a constant
        item) or singular (psych then falls back to an image of R itself, which is not a
        meaningful MSA).

    Notes
    -----
    With ``R`` the pairwise-complete correlations and ``Q`` the partial correlations
    (``cov2cor(R^-1)``, sign aside), off-diagonal elements only::

        MSA   = sum r_ij^2 / (sum r_ij^2 + sum q_ij^2)
        MSA_j = sum_i r_ij^2 / (sum_i r_ij^2 + sum_i q_ij^2)

    References
    ----------
    Kaiser, H. F. (1970). A second generation little jiffy. Psychometrika, 35, 401-415.
    R: ``psych::KMO(data)``.
    """
    r, names, _ = item_correlations(data, corr)
    nan = KMOResult(float("nan"), dict.fromkeys(names, float("nan")))
    if _singular(r):
        return nan
    q = np.linalg.inv(r)
    d = np.sqrt(np.diag(q))
    q = q / np.outer(d, d)
    np.fill_diagonal(q, 0.0)
    r = r.copy()
    np.fill_diagonal(r, 0.0)
    r2, q2 = (r**2).sum(axis=0), (q**2).sum(axis=0)
    overall = float(r2.sum() / (r2.sum() + q2.sum()))
    per_item = {n: float(v) for n, v in zip(names, r2 / (r2 + q2), strict=True)}
    return KMOResult(overall, per_item)


def bartlett(data: pd.DataFrame, *, corr: pd.DataFrame | None = None) -> BartlettResult:
    """Bartlett's test of sphericity, as ``psych::cortest.bartlett(data)``.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents x items, NaN for missing answers.
    corr : pandas.DataFrame, optional
        ``correlation_matrix(data)``, computed once and shared between functions.

    Returns
    -------
    BartlettResult
        ``chisq``, ``df`` and the upper-tail ``p``; NaN statistics when the correlation
        matrix is undefined or singular (R gives an infinite or arbitrary chi-square).

    Notes
    -----
    ``chisq = -(n - 1 - (2p + 5) / 6) log|R|`` with ``df = p(p - 1) / 2``, ``R`` the
    pairwise-complete correlations and ``n`` the number of rows of ``data`` (psych's choice
    when it is given raw data, also with missing answers: respondents with some missing
    answers count in full).

    References
    ----------
    Bartlett, M. S. (1951). The effect of standardization on a chi-square approximation in
    factor analysis. Biometrika, 38, 337-344. R: ``psych::cortest.bartlett(data)``.
    """
    # chi-square upper tail: scipy.special's chdtrc is what scipy.stats.chi2.sf evaluates,
    # without the second of start-up that importing scipy.stats costs
    from scipy.special import chdtrc

    r, _, n = item_correlations(data, corr)
    p = r.shape[0]
    df = p * (p - 1) // 2
    if _singular(r):
        return BartlettResult(float("nan"), df, float("nan"))
    _, logdet = np.linalg.slogdet(r)
    stat = float(-logdet * (n - 1 - (2 * p + 5) / 6))
    # chi2.sf is 1 below the support (a negative statistic when n is tiny); chdtrc is NaN
    p_value = 1.0 if stat < 0 else float(chdtrc(df, stat))
    return BartlettResult(stat, df, p_value)


def _fa_values(r: np.ndarray) -> np.ndarray:
    """Eigenvalues of ``R`` with one-factor minres communalities on the diagonal."""
    load, _ = minres(r, 1)
    s = r.copy()
    np.fill_diagonal(s, (load**2).sum(axis=1))
    return np.linalg.eigvalsh(s)[::-1]


def _random_correlation(rng: np.random.Generator, n: int, p: int) -> np.ndarray:
    """Correlation matrix of ``n`` independent standard-normal observations of ``p``
    variables. For ``n > p`` the centred cross-product matrix is drawn directly as
    Wishart(n - 1, I) by Bartlett's decomposition, so the cost does not depend on ``n``."""
    if n - 1 < p:
        return np.atleast_2d(np.corrcoef(rng.standard_normal((n, p)), rowvar=False))
    a = np.tril(rng.standard_normal((p, p)), k=-1)
    a[np.diag_indices(p)] = np.sqrt(rng.chisquare(n - 1 - np.arange(p)))
    w = a @ a.T
    d = np.sqrt(np.diag(w))
    return w / np.outer(d, d)


def parallel_analysis(
    data: pd.DataFrame,
    n_iter: int = 20,
    seed: int = 0,
    *,
    corr: pd.DataFrame | None = None,
) -> ParallelResult:
    """Horn's parallel analysis for the number of factors, as
    ``psych::fa.parallel(data, fm = "minres", fa = "fa")$nfact``.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents x items, NaN for missing answers.
    n_iter : int, default 20
        Number of simulated data sets.
    seed : int, default 0
        Seed of the random generator (results are reproducible for a given seed).
    corr : pandas.DataFrame, optional
        ``correlation_matrix(data)``, computed once and shared between functions.

    Returns
    -------
    ParallelResult
        ``n_factors`` and the observed and simulated (95th percentile) eigenvalues.

    Notes
    -----
    The observed values are the eigenvalues of the pairwise-complete correlation matrix
    with the communalities of a one-factor minres solution on its diagonal (psych's
    ``fa(r, 1)$values``). Each simulation computes the same for ``n`` (= rows of ``data``)
    independent normal observations; the correlation matrix of such data is drawn directly
    from its Wishart distribution, which is exact and independent of ``n``. ``n_factors``
    is the number of leading observed eigenvalues that exceed the 95th percentile of the
    simulated ones (psych's ``quant = .95``). Being random, the simulated values differ from
    R's; the number of factors agrees whenever it is not on a knife edge.

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    Psychometrika, 30, 179-185. R: ``psych::fa.parallel``.
    """
    if isinstance(n_iter, bool) or not isinstance(n_iter, int | np.integer) or n_iter < 1:
        raise ValueError("n_iter must be a positive integer")
    r, _, n = item_correlations(data, corr)
    p = r.shape[0]
    if np.isnan(r).any():
        nan = np.full(p, np.nan)
        return ParallelResult(0, nan, nan)
    rng = np.random.default_rng(seed)
    with single_threaded_blas():
        observed = _fa_values(r)
        sims = np.array([_fa_values(_random_correlation(rng, n, p)) for _ in range(n_iter)])
    simulated = np.quantile(sims, 0.95, axis=0)
    above = observed > simulated
    n_factors = int(p if above.all() else np.argmin(above))
    return ParallelResult(n_factors, observed, simulated)


def efa(
    data: pd.DataFrame,
    n_factors: int,
    rotation: str = "oblimin",
    method: str = "minres",
    *,
    corr: pd.DataFrame | None = None,
) -> EFAResult:
    """Exploratory factor analysis as
    ``psych::fa(data, nfactors, fm = "minres", rotate = "oblimin")``.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents x items, NaN for missing answers.
    n_factors : int
        Number of factors, from 1 to the number of items - 1.
    rotation : {"oblimin", "varimax", "none"}, default "oblimin"
        ``oblimin`` is GPArotation's quartimin (gamma 0) from the unrotated solution;
        ``varimax`` is ``stats::varimax`` with Kaiser normalisation.
    method : {"minres"}, default "minres"
        Extraction method (only minres, psych's default, is offered).
    corr : pandas.DataFrame, optional
        ``correlation_matrix(data)``, computed once and shared between functions.

    Returns
    -------
    EFAResult
        Loadings, communalities, uniquenesses, factor correlations and eigenvalues; all
        NaN when the correlation matrix is undefined (a constant item).

    Notes
    -----
    Minres extraction (see ``engine.psychometrics.extraction.minres``), rotation, then psych's
    conventions: each factor is signed so that its loadings sum positive and factors are
    ordered by the variance they account for, ``diag(Phi L'L)``, largest first.
    Communalities are ``diag(L Phi L')``.

    References
    ----------
    Revelle, W. psych: Procedures for Psychological, Psychometric, and Personality Research.
    R: ``psych::fa``; ``GPArotation::oblimin``; ``stats::varimax``.
    """
    if rotation not in ROTATIONS:
        raise ValueError(f"rotation must be one of {', '.join(ROTATIONS)}; got {rotation!r}")
    if method != "minres":
        raise ValueError(f"method must be 'minres'; got {method!r}")
    r, names, _ = item_correlations(data, corr)
    p = r.shape[0]
    if (
        isinstance(n_factors, bool)
        or not isinstance(n_factors, int | np.integer)
        or not 1 <= n_factors < p
    ):
        raise ValueError(f"n_factors must be an integer from 1 to {p - 1}; got {n_factors!r}")
    cols = [f"MR{i + 1}" for i in range(n_factors)]
    if np.isnan(r).any():
        nan_load = pd.DataFrame(np.nan, index=names, columns=cols)
        nan_items = pd.Series(np.nan, index=names)
        return EFAResult(
            nan_load,
            nan_items,
            nan_items.copy(),
            pd.DataFrame(np.nan, index=cols, columns=cols),
            np.full(p, np.nan),
            int(n_factors),
            rotation,
            method,
            converged=False,
        )
    phi: np.ndarray | None = None
    converged = True
    with single_threaded_blas():
        unrotated, _ = minres(r, n_factors)
        load = unrotated
        if n_factors > 1 and rotation == "varimax":
            load = varimax(unrotated).loadings
        elif n_factors > 1 and rotation == "oblimin":
            rot = oblimin(unrotated)
            load, phi, converged = rot.loadings, rot.phi, rot.converged
    load, phi, order = order_and_sign(load, phi)
    cols = [f"MR{i + 1}" for i in order]  # psych's labels travel with the reordered factors
    if phi is None:
        phi = np.eye(n_factors)
    communality = (unrotated**2).sum(axis=1)
    s = r.copy()
    np.fill_diagonal(s, communality)
    return EFAResult(
        loadings=pd.DataFrame(load, index=names, columns=cols),
        communalities=pd.Series(communality, index=names),
        uniquenesses=pd.Series(1.0 - communality, index=names),
        phi=pd.DataFrame(phi, index=cols, columns=cols),
        eigenvalues=np.linalg.eigvalsh(s)[::-1],
        n_factors=int(n_factors),
        rotation=rotation,
        method=method,
        converged=converged,
    )
