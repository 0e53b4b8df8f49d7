"""Standard errors, z tests and confidence intervals of a CFA's unstandardised estimates, as
``lavaan::parameterEstimates(fit)`` gives them with lavaan's defaults for ML on complete
data (``se = "standard"``, ``information = "expected"``, ``h1.information = "structured"``,
``likelihood = "normal"``).

Written here rather than taken from a library: the expected information is the matrix the
Fisher-scoring fit of :mod:`engine.psychometrics.cfa_fit` already builds
(:func:`engine.psychometrics.cfa_derivatives.information`), so the standard errors cost one
``q x q`` inverse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine.psychometrics.cfa_derivatives import information
from engine.psychometrics.cfa_model import Moments, Structure, unpack

__all__ = ["ParameterEstimate", "parameter_estimates", "vcov"]


@dataclass(frozen=True)
class ParameterEstimate:
    """One row of ``lavaan::parameterEstimates``: ``lhs op rhs`` with ``op`` ``"=~"`` (a
    loading) or ``"~~"`` (a variance or covariance). A fixed parameter (a marker loading) has
    ``se`` 0, ``z`` and ``p`` NaN and its interval ``[est, est]``, as in lavaan."""

    lhs: str
    op: str
    rhs: str
    est: float
    se: float
    z: float
    p: float
    ci: tuple[float, float]


def vcov(x: np.ndarray, structure: Structure, moments: Sequence[Moments]) -> np.ndarray:
    """Covariance matrix of the free parameters, ``lavaan::vcov(fit)``.

    Parameters
    ----------
    x : numpy.ndarray
        The free parameters at the ML minimum (:attr:`engine.psychometrics.cfa_fit.MLFit.x`).
    structure, moments
        The model and the sample moments it was fitted to.

    Returns
    -------
    numpy.ndarray
        ``(N E)^-1`` with ``E`` lavaan's expected information per respondent; NaN when E is
        singular (a model not identified at ``x``).

    Notes
    -----
    lavaan's discrepancy is half the engine's ``F`` (``F_ML = (log|Sigma| + tr(S Sigma^-1) -
    log|S| - p) / 2``), and its expected information of one respondent is the expected
    Hessian of ``F_ML``: ``E_ij = tr(W dSigma_i W dSigma_j) / 2`` with ``W = Sigma^-1`` at the
    estimates, summed over groups with weights ``n_g / N``. So ``vcov = (N H / 2)^-1`` with
    ``H`` the expected Hessian of ``F``. R: ``lavaan::lavInspect(fit, "vcov")``.
    """
    if structure.n_free == 0:
        return np.zeros((0, 0))
    total_n = sum(m.n for m in moments)
    _, hess = information(np.asarray(x, dtype=float), structure, moments)
    try:
        return np.linalg.inv(total_n * hess / 2)
    except np.linalg.LinAlgError:
        return np.full(hess.shape, np.nan)


def parameter_estimates(
    x: np.ndarray,
    structure: Structure,
    moments: Sequence[Moments],
    items: Sequence[str],
    model: Mapping[str, Sequence[str]],
    confidence: float = 0.95,
) -> tuple[ParameterEstimate, ...]:
    """Estimates with standard errors, z, p and Wald intervals of a one-group CFA.

    Parameters
    ----------
    x, structure, moments
        As :func:`vcov`; one group.
    items : sequence of str
        Names of the structure's rows.
    model : mapping of str to sequence of str
        ``{factor: [items]}`` as given to :func:`engine.psychometrics.cfa.cfa` (the
        structure's columns, and lavaan's order of the loadings).
    confidence : float
        Level of the intervals (lavaan's ``level``), in (0, 1).

    Returns
    -------
    tuple of ParameterEstimate
        In lavaan's order: the loadings factor by factor (markers included), the residual
        variances, then the factor variances and covariances.

    Notes
    -----
    ``se = sqrt(diag(vcov))``, ``z = est / se``, ``p = 2 (1 - Phi(|z|))``, interval
    ``est -+ Phi^-1((1 + level) / 2) se``. R: ``lavaan::parameterEstimates(fit, level =)``.
    """
    from scipy.special import ndtr, ndtri

    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    if len(structure.lam) != 1:
        raise ValueError("structure: parameter_estimates takes a one-group model")
    lam, phi, theta, _, _ = unpack(np.asarray(x, dtype=float), structure, 0)
    factors = [str(f) for f in model]
    position = {str(item): j for j, item in enumerate(items)}
    if lam.shape != (len(items), len(factors)) or any(
        str(item) not in position for its in model.values() for item in its
    ):
        raise ValueError("items and model must name the structure's rows and columns")
    with np.errstate(invalid="ignore"):
        se_free = np.sqrt(np.diag(vcov(x, structure, moments)))
    quantile = float(ndtri((1 + confidence) / 2))

    def row(lhs: str, op: str, rhs: str, est: float, index: int) -> ParameterEstimate:
        if index < 0:  # fixed: lavaan's se 0, z and p NA
            return ParameterEstimate(lhs, op, rhs, est, 0.0, np.nan, np.nan, (est, est))
        se = float(se_free[index])
        z = est / se if se > 0 else np.nan
        p = float(2 * ndtr(-abs(z))) if np.isfinite(z) else np.nan
        return ParameterEstimate(
            lhs, op, rhs, est, se, z, p, (est - quantile * se, est + quantile * se)
        )

    rows = []
    for f, (factor, its) in enumerate(zip(factors, model.values(), strict=True)):
        for item in its:
            j = position[str(item)]
            rows.append(
                row(factor, "=~", str(item), float(lam[j, f]), int(structure.lam[0][j, f]))
            )
    for j, item in enumerate(items):
        rows.append(row(item, "~~", item, float(theta[j]), int(structure.theta[0][j])))
    m = len(factors)
    pairs = [(k, k) for k in range(m)] + [(k, j) for k in range(m) for j in range(k + 1, m)]
    for k, j in pairs:
        rows.append(
            row(factors[k], "~~", factors[j], float(phi[k, j]), int(structure.phi[0][k, j]))
        )
    return tuple(rows)
