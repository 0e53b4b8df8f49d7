"""Confirmatory factor analysis with lavaan's defaults (``lavaan::cfa(model, data)``).

Why our own ML fit rather than semopy: semopy computes RMSEA with N - 1 and SRMR in a way
that differs from lavaan, takes about 2 s to import, and fits from the raw data. A CFA with
maximum likelihood only needs the sample covariance matrix, so the whole fit is an
optimisation over at most a few hundred parameters on a p x p matrix: well under a second
for 100,000 respondents x 40 items, and the fit indices follow lavaan's formulas exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from engine.psychometrics.cfa_fit import RESCALED, SCORING, MLFit
from engine.psychometrics.cfa_se import ParameterEstimate, parameter_estimates
from engine.psychometrics.extraction import single_threaded_blas

__all__ = ["CFAResult", "FitIndices", "cfa", "fit_indices"]


@dataclass(frozen=True)
class CFAResult:
    """Fit of a confirmatory factor model (lavaan's names in brackets).

    Attributes
    ----------
    n : int
        Respondents used (complete on the model's items; ``nobs``).
    chisq, df, p : float, int, float
        Model chi-square ``N * F_ML`` (``chisq``), degrees of freedom, p-value (``pvalue``).
    cfi, tli : float
        Comparative fit index and Tucker-Lewis index against the independence model.
    rmsea : float
        Root mean square error of approximation (with N).
    rmsea_ci : tuple of float
        Its 90% confidence interval (``rmsea.ci.lower``, ``rmsea.ci.upper``).
    srmr : float
        Standardised root mean square residual (``srmr``, Bentler's definition).
    loadings : dict
        ``{factor: {item: std.all loading}}``.
    phi : dict
        ``{factor: {factor: correlation}}`` between the factors (std.all).
    baseline_chisq : float
        Chi-square of the independence model (``baseline.chisq``).
    baseline_df : int
    converged : bool
        Whether the optimiser converged; fit values are NaN when it did not.
    negative_variances : tuple of str
        Factors whose estimated variance is negative (a Heywood case); their std.all
        loadings and correlations are NaN, as lavaan gives NA.
    composite_reliability : dict
        ``{factor: reliability}`` of the sum of each factor's items, from the fitted model
        (:func:`engine.psychometrics.omega.composite_reliability`, ``semTools::compRelSEM``);
        factors with one item are left out.
    optimizer : str
        Which optimiser answered: ``"Fisher scoring"``; ``"Fisher scoring with
        standardised factors"`` when scoring in lavaan's marker parametrisation walked a
        factor variance to 0 and the restart without markers found lavaan's solution
        (:mod:`engine.psychometrics.cfa_rescale`); or, when both failed, ``"BFGS"``
        (:mod:`engine.psychometrics.cfa_fit`).
    notes : tuple of str
        How the fit went, in words (optimiser, iterations, convergence).
    parameters : tuple of ParameterEstimate
        The unstandardised estimates with their standard errors, z, p and 95% intervals
        (``lavaan::parameterEstimates(fit)``, :mod:`engine.psychometrics.cfa_se`); empty
        when the fit did not converge.
    """

    n: int
    chisq: float
    df: int
    p: float
    cfi: float
    tli: float
    rmsea: float
    rmsea_ci: tuple[float, float]
    srmr: float
    loadings: dict[str, dict[str, float]]
    phi: dict[str, dict[str, float]]
    baseline_chisq: float
    baseline_df: int
    converged: bool
    negative_variances: tuple[str, ...] = ()
    composite_reliability: dict[str, float] = field(default_factory=dict)
    optimizer: str = ""
    notes: tuple[str, ...] = ()
    parameters: tuple[ParameterEstimate, ...] = ()


def _validate(data: pd.DataFrame, model: Mapping[str, Sequence[str]]) -> list[str]:
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data must be a pandas DataFrame (respondents x items)")
    if not isinstance(model, Mapping) or not model:
        raise ValueError("model must be a non-empty mapping {factor: [items]}")
    items: list[str] = []
    for factor, its in model.items():
        if isinstance(its, str) or not isinstance(its, Sequence) or len(its) == 0:
            raise ValueError(f"model: factor {factor!r} needs a non-empty list of items")
        if len(set(its)) != len(its):
            raise ValueError(f"model: factor {factor!r} lists an item twice")
        for item in its:
            if item not in data.columns:
                raise ValueError(f"model: item {item!r} of factor {factor!r} is not in data")
            if item not in items:
                items.append(item)
    if len(items) < 3:
        raise ValueError("model needs at least 3 items")
    return items


def _complete_case_covariance(x: np.ndarray, chunk: int = 65_536) -> tuple[int, np.ndarray]:
    """Number of complete rows and their covariance matrix with divisor N (lavaan's
    sample statistics under listwise deletion), accumulated over row blocks so that memory
    stays bounded for a million respondents."""
    p = x.shape[1]
    n, total, cross = 0, np.zeros(p), np.zeros((p, p))
    centre: np.ndarray | None = None
    with single_threaded_blas():
        for start in range(0, x.shape[0], chunk):
            block = x[start : start + chunk]
            block = block[~np.isnan(block).any(axis=1)]
            if block.shape[0] == 0:
                continue
            if centre is None:
                centre = block.mean(axis=0)
            block = block - centre
            n += block.shape[0]
            total += block.sum(axis=0)
            cross += block.T @ block
    if n == 0:
        return 0, np.full((p, p), np.nan)
    mean = total / n
    return n, cross / n - np.outer(mean, mean)


def _rmsea_ci(x2: float, df: int, n: int) -> tuple[float, float]:
    """lavaan's ``lav_fit_rmsea_ci``: noncentrality bounds by root finding on the
    noncentral chi-square distribution function, level 0.90."""
    from scipy.optimize import brentq
    from scipy.special import chdtr, chndtr  # what scipy.stats chi2.cdf / ncx2.cdf evaluate

    def cdf(lam: float) -> float:
        with np.errstate(over="ignore"):  # as ncx2.cdf (scipy gh-17432)
            return float(chdtr(df, x2) if lam <= 0 else chndtr(x2, df, lam))

    if df < 1:
        return 0.0, 0.0
    if cdf(0.0) < 0.95:
        lower = 0.0
    else:
        lower = np.sqrt(brentq(lambda lam: cdf(lam) - 0.95, 0.0, x2) / (n * df))
    n_rmsea = max(n, 4 * x2)
    if cdf(n_rmsea) > 0.05 or cdf(0.0) < 0.05:
        upper = 0.0
    else:
        upper = np.sqrt(brentq(lambda lam: cdf(lam) - 0.05, 0.0, n_rmsea) / (n * df))
    return float(lower), float(upper)


def cfa(data: pd.DataFrame, model: Mapping[str, Sequence[str]]) -> CFAResult:
    """Confirmatory factor analysis as ``lavaan::cfa(model, data)`` with its defaults.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents x items, NaN for missing answers. Columns not in ``model`` are ignored.
    model : mapping of str to sequence of str
        ``{factor: [items]}``, lavaan's ``factor =~ item1 + item2 + ...``. An item may load
        on more than one factor.

    Returns
    -------
    CFAResult
        NaN fit values when the model cannot be fitted (too few complete respondents, a
        constant item, no convergence).

    Notes
    -----
    lavaan's defaults: maximum likelihood on the covariance matrix ``S`` (divisor N) of
    the respondents complete on the model's items (listwise deletion); the first item of
    each factor has its loading fixed to 1 (marker variable); factor variances and
    covariances, the other loadings and the residual variances are free. With
    ``Sigma = Lambda Phi Lambda' + Theta``::

        F_ML  = log|Sigma| + tr(S Sigma^-1) - log|S| - p,   chisq = N F_ML
        df    = p(p + 1)/2 - free parameters
        CFI   = 1 - max(chisq - df, 0) / max(chisq - df, chisq_0 - df_0, 0)
        TLI   = (chisq_0/df_0 - chisq/df) / (chisq_0/df_0 - 1)
        RMSEA = sqrt(max(chisq/df - 1, 0) / N)

    with the independence model ``Sigma_0 = diag(S)`` (``chisq_0``, ``df_0 = p(p-1)/2``).
    The RMSEA interval inverts the noncentral chi-square distribution (0.05, 0.95).
    SRMR is lavaan's ``srmr`` (Bentler): the root mean square of
    ``(s_ij - sigma_ij) / sqrt(s_ii s_jj)`` over the ``p(p+1)/2`` elements with
    ``i >= j``. Loadings and factor correlations are lavaan's ``std.all``.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2). R: ``lavaan::cfa``, ``lavaan::fitMeasures``,
    ``lavaan::standardizedSolution(type = "std.all")``.
    """
    from engine.psychometrics.cfa_fit import Moments, fit_ml
    from engine.psychometrics.cfa_start import build_structure, lavaan_start

    items = _validate(data, model)
    factors = [str(f) for f in model]
    try:
        x = data[items].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError("data must hold numbers (NaN for missing answers)") from exc
    n, s = _complete_case_covariance(x)
    p = x.shape[1]
    m = len(factors)
    pattern = np.zeros((p, m), dtype=bool)
    markers = []
    for f, its in enumerate(model.values()):
        for item in its:
            pattern[items.index(item), f] = True
        markers.append(items.index(its[0]))
    structure = build_structure(pattern, markers)
    df = p * (p + 1) // 2 - structure.n_free
    nan = float("nan")
    empty = CFAResult(
        n, nan, df, nan, nan, nan, nan, (nan, nan), nan, {}, {}, nan, p * (p - 1) // 2, False
    )
    if n <= p or np.any(np.diag(s) <= 0):
        return empty
    sign_s, logdet_s = np.linalg.slogdet(s)
    if sign_s <= 0:
        return empty
    moments = [Moments(n, s, np.zeros(p))]
    with single_threaded_blas():
        fit = fit_ml(moments, structure, lavaan_start(moments, structure, pattern))
    if not fit.converged:
        return replace(empty, optimizer=fit.optimizer, notes=_notes(fit))
    f_min = fit.fmin
    lam, phi, sigma = fit.lam[0], fit.phi[0], fit.sigma[0]

    x2 = max(n * f_min, 0.0)
    x2_0 = float(n * (np.log(np.diag(s)).sum() - logdet_s))
    df_0 = p * (p - 1) // 2
    indices = fit_indices(x2, df, x2_0, df_0, n)
    sd = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(sd, sd)
    srmr = float(np.sqrt(np.mean(resid[np.tril_indices(p)] ** 2)))

    # A negative factor variance (Heywood case) has no standard deviation: its std.all
    # loadings and correlations are NaN, quietly, as lavaan leaves them NA.
    variances = np.diag(phi)
    sd_factor = np.sqrt(np.where(variances >= 0, variances, np.nan))
    with np.errstate(invalid="ignore"):
        std = lam * sd_factor / np.sqrt(np.diag(sigma))[:, None]
        cor = phi / np.outer(sd_factor, sd_factor)
    loadings = {
        f: {str(item): float(std[items.index(item), k]) for item in its}
        for k, (f, its) in enumerate(zip(factors, model.values(), strict=True))
    }
    phi_out = {
        f: {g: float(cor[k, j]) for j, g in enumerate(factors)} for k, f in enumerate(factors)
    }
    # Back to the items' own units (S and Lambda scaled by their SDs) for the composites.
    from engine.psychometrics.omega import composite_reliability

    reliability = composite_reliability(lam, phi, s, pattern)
    parameters = (
        parameter_estimates(fit.x, structure, moments, items, model) if fit.x is not None else ()
    )
    return CFAResult(
        n=n,
        chisq=float(x2),
        df=df,
        p=indices.p,
        cfi=indices.cfi,
        tli=indices.tli,
        rmsea=indices.rmsea,
        rmsea_ci=indices.rmsea_ci,
        srmr=srmr,
        loadings=loadings,
        phi=phi_out,
        baseline_chisq=x2_0,
        baseline_df=df_0,
        converged=True,
        negative_variances=tuple(f for f, v in zip(factors, variances, strict=True) if v < 0),
        composite_reliability={
            f: float(r) for f, r in zip(factors, reliability, strict=True) if np.isfinite(r)
        },
        optimizer=fit.optimizer,
        notes=_notes(fit),
        parameters=parameters,
    )


def _notes(fit: MLFit) -> tuple[str, ...]:
    if fit.converged:
        how = f"converged in {fit.iterations} iterations"
    else:
        how = f"did not converge (stopped after {fit.iterations} iterations)"
    if fit.optimizer == SCORING:
        fallback = ""
    elif fit.optimizer == RESCALED:
        fallback = " (a factor variance tended to 0 with marker items)"
    else:
        fallback = ", after Fisher scoring failed"
    return (f"ML fit by {fit.optimizer}{fallback}: {how}",)


@dataclass(frozen=True)
class FitIndices:
    """p-value, CFI, TLI, RMSEA and its 90% interval of a model chi-square."""

    p: float
    cfi: float
    tli: float
    rmsea: float
    rmsea_ci: tuple[float, float]


def fit_indices(
    x2: float, df: int, x2_0: float, df_0: int, n: int, n_groups: int = 1
) -> FitIndices:
    """lavaan's ``fitMeasures`` from the model and baseline chi-squares (ML, N).

    With G groups the RMSEA and its interval are multiplied by ``sqrt(G)`` (Steiger, 1998),
    as lavaan does (``lav_fit_rmsea``); N is the total over the groups.
    """
    from scipy.special import chdtrc  # chi2.sf without importing scipy.stats (~1 s)

    nan = float("nan")
    t1 = max(x2 - df, 0.0)
    t2 = max(x2 - df, x2_0 - df_0, 0.0)
    cfi = 1.0 if t1 == 0 and t2 == 0 else 1.0 - t1 / t2
    if df > 0:
        a, b = x2_0 / df_0 - x2 / df, x2_0 / df_0 - 1.0
        tli = 1.0 if a < 0 and b < 0 else a / b
        rmsea = float(np.sqrt(max(x2 / n / df - 1.0 / n, 0.0)) * np.sqrt(n_groups))
        pval = float(chdtrc(df, x2))  # x2 >= 0
    else:
        # lavaan: a saturated model (df 0) has TLI 1 and RMSEA 0 (CI 0, 0); no p-value.
        tli, rmsea, pval = (1.0, 0.0, nan) if df == 0 else (nan, nan, nan)
    lower, upper = _rmsea_ci(x2, df, n)
    root_g = float(np.sqrt(n_groups))
    return FitIndices(pval, float(cfi), float(tli), rmsea, (lower * root_g, upper * root_g))
