"""Standardised factors for :mod:`engine.psychometrics.cfa_fit`: the same model without
marker items, to carry Fisher scoring past a factor variance that tends to 0.

With marker items (lavaan's parametrisation) a factor whose variance tends to 0 while its
items still covary has loadings that tend to infinity: ``phi_ff -> 0``, ``lambda -> inf``
with ``lambda^2 phi_ff`` finite. On data with little factor structure scoring then walks
towards infinity and never converges, although lavaan reports a finite solution (often
with a negative factor variance, a Heywood case). With standardised factors,
``Sigma = L Psi L' + Theta`` with every loading free and ``psi_ff`` fixed at +1 or -1 (the
sign of the marker solution's variance), the same point has ``L = lambda sqrt(|phi_ff|)``:
the marker loading ``L_mf = sqrt(|phi_ff|)`` tends to 0, which is an ordinary point here,
and scoring can pass it. Back in lavaan's parametrisation ``lambda = L / L_mf`` and
``phi_fg = L_mf L_mg psi_fg``; the two describe the same implied covariance matrix, so a
minimum of one with every ``L_mf != 0`` is a minimum of the other.

One group without equality constraints only (a multi-group model with equal loadings is not
equal-loadings any more after rescaling each group by its own marker loadings).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.psychometrics.cfa_model import Structure, unpack

__all__ = ["can_rescale", "from_standardised", "standardised", "to_standardised"]


def can_rescale(structure: Structure) -> bool:
    """Whether :func:`standardised` applies: one group, marker parametrisation."""
    return len(structure.lam) == 1 and not structure.factor_signs and bool(structure.markers)


def standardised(structure: Structure, signs: np.ndarray) -> Structure:
    """The same one-group model with standardised factors: every loading of the pattern
    free (markers too), factor variances fixed at `signs` (+1 or -1), the factor
    covariances, residual variances and intercepts free as before."""
    if not can_rescale(structure):
        raise ValueError("structure: only a one-group model with marker items can be rescaled")
    lam = structure.lam[0].copy()
    q = structure.n_free
    for f, j in enumerate(structure.markers):
        lam[j, f] = q
        q += 1
    phi = structure.phi[0].copy()
    np.fill_diagonal(phi, -1)
    # renumber so the free parameters are 0 .. n-1 again
    used = np.unique(np.concatenate([a[a >= 0].ravel() for a in (lam, phi, *_rest(structure))]))
    order = {int(old): new for new, old in enumerate(used)}
    renumber = np.vectorize(lambda i: order.get(int(i), -1), otypes=[int])
    lam, phi = renumber(lam), renumber(phi)
    theta, nu, alpha = (renumber(a) for a in _rest(structure))
    return replace(
        structure,
        lam=[lam],
        phi=[phi],
        theta=[theta],
        nu=[nu],
        alpha=[alpha],
        markers=[],
        n_free=len(used),
        factor_signs=tuple(float(s) for s in signs),
    )


def _rest(structure: Structure) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return structure.theta[0], structure.nu[0], structure.alpha[0]


def _pack(structure: Structure, parts: tuple[np.ndarray, ...]) -> np.ndarray:
    x = np.zeros(structure.n_free)
    indices = (structure.lam[0], structure.phi[0], *_rest(structure))
    for index, values in zip(indices, parts, strict=True):
        free = index >= 0
        x[index[free]] = values[free]
    return x


def to_standardised(x: np.ndarray, marker: Structure) -> tuple[np.ndarray, Structure]:
    """A point of the marker model as the same implied moments with standardised factors
    (a factor variance of exactly 0 is taken as a tiny positive one)."""
    lam, phi, theta, nu, alpha = unpack(x, marker, 0)
    variances = np.diag(phi)
    signs = np.where(variances < 0, -1.0, 1.0)
    root = np.sqrt(np.maximum(np.abs(variances), 1e-12))
    std = standardised(marker, signs)
    psi = phi / np.outer(root, root)
    np.fill_diagonal(psi, signs)
    return _pack(std, (lam * root, psi, theta, nu, alpha * root)), std


def from_standardised(
    x: np.ndarray, std: Structure, marker: Structure
) -> tuple[np.ndarray, np.ndarray]:
    """A point of the standardised model in lavaan's marker parametrisation, and the
    marker loadings ``L_mf`` it divided by (NaN estimates where one is 0)."""
    loadings, psi, theta, nu, alpha = unpack(x, std, 0)
    root = np.array([loadings[j, f] for f, j in enumerate(marker.markers)])
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = loadings / root
        phi = psi * np.outer(root, root)
        alpha = alpha / root
    return _pack(marker, (lam, phi, theta, nu, alpha)), root
