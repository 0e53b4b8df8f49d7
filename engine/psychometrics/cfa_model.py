"""The model behind :mod:`engine.psychometrics.cfa_fit`: sample moments, which parameters
are free (lavaan's parameter table as index arrays), the implied moments and the ML
discrepancy ``F = sum_g (n_g / N) F_g``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Moments", "Structure", "fixed_loadings", "implied", "objective", "unpack"]


@dataclass(frozen=True)
class Moments:
    """Sample moments of one group: ``n``, covariance with divisor n, mean."""

    n: int
    cov: np.ndarray
    mean: np.ndarray


@dataclass(frozen=True)
class Structure:
    """Which parameters are free: each entry is the index of a free parameter or -1.

    ``lam[g]`` (p x m), ``phi[g]`` (m x m, symmetric), ``theta[g]`` (p), ``nu[g]`` (p) and
    ``alpha[g]`` (m) for each group g; two groups sharing an index share the parameter (an
    equality constraint). Fixed loadings are 1 at the marker and 0 elsewhere; fixed means
    and intercepts are 0. Without a mean structure ``nu`` and ``alpha`` are all -1 and the
    means are not modelled. ``factor_signs`` (standardised factors, no markers: see
    :mod:`engine.psychometrics.cfa_rescale`) fixes each factor variance at +1 or -1; empty,
    fixed factor variances are 0 (there are none in lavaan's marker parametrisation).
    """

    lam: list[np.ndarray]
    phi: list[np.ndarray]
    theta: list[np.ndarray]
    nu: list[np.ndarray]
    alpha: list[np.ndarray]
    markers: list[int]
    meanstructure: bool
    n_free: int
    factor_signs: tuple[float, ...] = ()


def fixed_loadings(structure: Structure, g: int) -> np.ndarray:
    """Group g's loadings with only the fixed values: 1 at each marker, 0 elsewhere."""
    lam = np.zeros(structure.lam[g].shape)
    for f, j in enumerate(structure.markers):
        lam[j, f] = 1.0
    return lam


def unpack(x: np.ndarray, structure: Structure, g: int) -> tuple[np.ndarray, ...]:
    def fill(index: np.ndarray, base: np.ndarray) -> np.ndarray:
        out = base.copy()
        free = index >= 0
        out[free] = x[index[free]]
        return out

    lam = fill(structure.lam[g], fixed_loadings(structure, g))
    signs = structure.factor_signs
    phi_fixed = (
        np.diag(np.asarray(signs, dtype=float)) if signs else np.zeros(structure.phi[g].shape)
    )
    phi = fill(structure.phi[g], phi_fixed)
    theta = fill(structure.theta[g], np.zeros(structure.theta[g].shape))
    nu = fill(structure.nu[g], np.zeros(structure.nu[g].shape))
    alpha = fill(structure.alpha[g], np.zeros(structure.alpha[g].shape))
    return lam, phi, theta, nu, alpha


def implied(x: np.ndarray, structure: Structure, g: int) -> tuple[np.ndarray, np.ndarray]:
    lam, phi, theta, nu, alpha = unpack(x, structure, g)
    return lam @ phi @ lam.T + np.diag(theta), nu + lam @ alpha


def objective(
    x: np.ndarray, structure: Structure, moments: Sequence[Moments], logdet_s: Sequence[float]
) -> float:
    total_n = sum(m.n for m in moments)
    f = 0.0
    for g, mom in enumerate(moments):
        sigma, mu = implied(x, structure, g)
        try:
            chol = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return np.inf
        p = sigma.shape[0]
        inv = np.linalg.inv(sigma)
        fg = 2 * np.log(np.diag(chol)).sum() + np.sum(inv * mom.cov) - logdet_s[g] - p
        if structure.meanstructure:
            d = mom.mean - mu
            fg += d @ inv @ d
        f += mom.n / total_n * fg
    return float(f)
