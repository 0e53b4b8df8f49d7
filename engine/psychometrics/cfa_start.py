"""lavaan's parameter table and starting values for the ML fit of
:mod:`engine.psychometrics.cfa_fit` (lav_partable.R defaults, lav_start.R ``"default"``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.psychometrics.cfa_model import Moments, Structure, fixed_loadings

__all__ = ["build_structure", "lavaan_start"]


def _fabin(s: np.ndarray) -> np.ndarray:
    """lavaan's ``lav_cfa_1fac_fabin(s, lambda_only = TRUE, method = "fabin3")``: the
    marker-scaled loadings of a one-factor model, bounded as lavaan bounds them."""
    nvar = s.shape[0]
    if nvar < 4:
        return _three_indicators(s)
    lam = np.ones(nvar)
    for i in range(1, nvar):
        others = [k for k in range(nvar) if k not in (0, i)]
        s23, s31 = s[i, others], s[others, 0]
        try:
            tmp = np.linalg.solve(s[np.ix_(others, others)], s31)
            lam[i] = (s23 @ tmp) / (s31 @ tmp)
        except np.linalg.LinAlgError:
            lam[i] = (s23 @ s31) / (s31 @ s31)
    lower_psi = 0.1 * s[0, 0]  # lavaan assumes the marker's reliability is at least 0.1
    for i in range(1, nvar):
        bound = np.sqrt(s[i, i] / lower_psi)
        lam[i] = min(max(-bound, lam[i]), bound)
    return lam


def _three_indicators(s: np.ndarray) -> np.ndarray:
    """lavaan's ``lav_cfa_1fac_3ind``: loadings of a one-factor model with 2 or 3 items
    (2 items: a third is made up from their mean variance and covariance)."""
    nvar = s.shape[0]
    if nvar == 1:
        return np.ones(1)
    if nvar == 2:
        extra = np.array([np.mean(np.diag(s)), s[1, 0]])
        s = np.block([[s, extra[:, None]], [extra[None, :], np.array([[np.max(np.diag(s))]])]])
    s21, s31, s32 = s[1, 0], s[2, 0], s[2, 1]
    if s21 * s31 * s32 < 0:  # a negative triad: lavaan starts from unit loadings
        return np.ones(nvar)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.array([1.0, s32 / s31, s32 / s21])
    lower_psi = 0.1 * s[0, 0]
    for i in (1, 2):
        bound = np.sqrt(s[i, i] / lower_psi)
        lam[i] = min(max(-bound, lam[i]), bound)
    lam[~np.isfinite(lam)] = 1.0
    return lam[:nvar]


def lavaan_start(
    moments: Sequence[Moments], structure: Structure, pattern: np.ndarray
) -> np.ndarray:
    """lavaan's default starting values (see the module docstring) for `structure`; a
    parameter shared by several groups starts at its value in the first of them."""
    x = np.full(structure.n_free, np.nan)

    def put(index: np.ndarray, values: np.ndarray) -> None:
        free = (index >= 0) & np.isnan(x[np.where(index >= 0, index, 0)])
        x[index[free]] = values[free]

    m = pattern.shape[1]
    for g, mom in enumerate(moments):
        lam = fixed_loadings(structure, g)
        for f in range(m):
            # the marker first, as in the model
            idx = np.flatnonzero(pattern[:, f])
            idx = np.concatenate([[structure.markers[f]], idx[idx != structure.markers[f]]])
            values = _fabin(mom.cov[np.ix_(idx, idx)])
            values[~np.isfinite(values)] = 1.0
            lam[idx, f] = values
        put(structure.lam[g], lam)
        put(structure.phi[g], np.eye(m) * 0.05)
        put(structure.theta[g], 0.5 * np.diag(mom.cov))
        put(structure.nu[g], mom.mean)
        put(structure.alpha[g], np.zeros(m))
    x[np.isnan(x)] = 0.5  # lavaan too replaces what is left
    return x


def build_structure(
    pattern: np.ndarray,
    markers: Sequence[int],
    n_groups: int = 1,
    meanstructure: bool = False,
    equal: frozenset[str] = frozenset(),
) -> Structure:
    """lavaan's parameter table for a CFA: marker loadings fixed at 1, the other loadings,
    factor (co)variances and residual variances free in every group; with a mean structure,
    intercepts free and factor means fixed at 0. ``equal`` holds lavaan's ``group.equal``
    words: ``"loadings"`` shares each loading across groups, ``"intercepts"`` shares each
    intercept and frees the factor means of every group but the first."""
    unknown = set(equal) - {"loadings", "intercepts"}
    if unknown:
        raise ValueError(f"equal: unknown constraint(s) {', '.join(sorted(unknown))}")
    if "intercepts" in equal and not meanstructure:
        raise ValueError("equal: intercepts need a mean structure")
    p, m = pattern.shape
    counter = iter(range(10**9))
    free_lam = pattern.copy()
    for f, j in enumerate(markers):
        free_lam[j, f] = False

    def new(mask: np.ndarray) -> np.ndarray:
        out = np.full(mask.shape, -1)
        for pos in zip(*np.nonzero(mask), strict=True):
            out[pos] = next(counter)
        return out

    lam: list[np.ndarray] = []
    phi: list[np.ndarray] = []
    theta: list[np.ndarray] = []
    nu: list[np.ndarray] = []
    alpha: list[np.ndarray] = []
    for g in range(n_groups):
        lam.append(lam[0] if g and "loadings" in equal else new(free_lam))
        upper = new(np.triu(np.ones((m, m), dtype=bool)))
        phi.append(np.where(upper >= 0, upper, upper.T))
        theta.append(new(np.ones(p, dtype=bool)))
        if not meanstructure:
            nu.append(np.full(p, -1))
            alpha.append(np.full(m, -1))
            continue
        nu.append(nu[0] if g and "intercepts" in equal else new(np.ones(p, dtype=bool)))
        alpha.append(new(np.full(m, g > 0 and "intercepts" in equal)))
    n_free = next(counter)
    return Structure(lam, phi, theta, nu, alpha, list(markers), meanstructure, n_free)
