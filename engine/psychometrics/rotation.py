"""Factor rotations as R computes them: varimax (``stats::varimax``) and oblimin
(``GPArotation::oblimin``, the gradient-projection algorithm ``GPFoblq``).

These are the two rotations psych's ``fa()`` and ``schmid()``/``omega()`` use by default.
They are written out here (about 60 lines) rather than taken from factor_analyzer so that the
iteration, the start values and the convergence rule are R's own: an oblique rotation has
local optima and the one reached depends on those details.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Rotation", "oblimin", "varimax"]


@dataclass(frozen=True)
class Rotation:
    """Result of a rotation.

    Attributes
    ----------
    loadings : numpy.ndarray
        Rotated pattern loadings, items x factors.
    phi : numpy.ndarray
        Factor correlations (the identity for an orthogonal rotation).
    converged : bool
        Whether the algorithm met its convergence criterion.
    """

    loadings: np.ndarray
    phi: np.ndarray
    converged: bool


def varimax(loadings: np.ndarray, normalize: bool = True, eps: float = 1e-5) -> Rotation:
    """Varimax rotation exactly as R's ``stats::varimax``.

    Parameters
    ----------
    loadings : numpy.ndarray
        Unrotated loadings, items x factors.
    normalize : bool, default True
        Kaiser normalisation (rows scaled to unit length before rotating).
    eps : float, default 1e-5
        Stop when the criterion grows by less than a factor ``1 + eps``.

    Returns
    -------
    Rotation
        Rotated loadings; ``phi`` is the identity.

    Notes
    -----
    Kaiser's SVD iteration: ``B = X'(Z^3 - Z diag(1'Z^2)/p)``, ``T = U V'`` from
    ``svd(B)``, until ``sum(d)`` stops growing (at most 1000 iterations).

    References
    ----------
    Kaiser, H. F. (1958). The varimax criterion for analytic rotation in factor analysis.
    Psychometrika, 23, 187-200. R: ``stats::varimax``.
    """
    x = np.array(loadings, dtype=float)
    if x.ndim != 2:
        raise ValueError("loadings must be a two-dimensional array")
    p, nc = x.shape
    if nc < 2:
        return Rotation(x, np.eye(nc), True)
    sc = np.sqrt((x**2).sum(axis=1)) if normalize else np.ones(p)
    sc = np.where(sc > 0, sc, 1.0)
    x = x / sc[:, None]
    tt = np.eye(nc)
    d = 0.0
    converged = False
    for _ in range(1000):
        z = x @ tt
        b = x.T @ (z**3 - z * (z**2).sum(axis=0) / p)
        u, s, vt = np.linalg.svd(b)
        tt = u @ vt
        d_past, d = d, s.sum()
        if d < d_past * (1 + eps):
            converged = True
            break
    z = (x @ tt) * sc[:, None]
    return Rotation(z, np.eye(nc), converged)


def _vgq_oblimin(lam: np.ndarray, gam: float) -> tuple[np.ndarray, float]:
    """Oblimin criterion and its gradient, as ``GPArotation:::vgQ.oblimin``."""
    k = lam.shape[1]
    x = (lam**2) @ (1.0 - np.eye(k))
    if gam != 0:
        p = lam.shape[0]
        x = (np.eye(p) - gam / p) @ x
    return lam * x, float((lam**2 * x).sum() / 4)


def oblimin(
    loadings: np.ndarray, gam: float = 0.0, eps: float = 1e-5, maxit: int = 1000
) -> Rotation:
    """Oblimin rotation as ``GPArotation::oblimin`` (``GPFoblq``, ``normalize = FALSE``).

    Parameters
    ----------
    loadings : numpy.ndarray
        Unrotated loadings, items x factors (at least two factors).
    gam : float, default 0
        Oblimin's gamma; 0 is quartimin, psych's and GPArotation's default.
    eps : float, default 1e-5
        Convergence when the norm of the projected gradient is below ``eps``.
    maxit : int, default 1000
        Maximum number of iterations.

    Returns
    -------
    Rotation
        Pattern loadings ``A T'^-1`` and factor correlations ``Phi = T'T``.

    Notes
    -----
    Criterion ``Q(L) = sum(L^2 * (L^2 N)) / 4`` with ``N = 11' - I``; gradient-projection
    iteration of Jennrich (2002) starting at ``T = I``, step doubling then halving
    (Armijo rule, up to 10 halvings), exactly as GPArotation 2022.10.

    References
    ----------
    Jennrich, R. I. (2002). A simple general method for oblique rotation. Psychometrika, 67,
    7-19. Bernaards, C. A., & Jennrich, R. I. (2005). Gradient projection algorithms and
    software for arbitrary rotation criteria. Educational and Psychological Measurement, 65,
    676-696. R: ``GPArotation::oblimin``.
    """
    a = np.array(loadings, dtype=float)
    if a.ndim != 2 or a.shape[1] < 2:
        raise ValueError("loadings must be items x factors with at least two factors")
    tmat = np.eye(a.shape[1])
    al = 1.0
    lam = a.copy()
    gq, f = _vgq_oblimin(lam, gam)
    g = -(lam.T @ gq @ np.eye(a.shape[1])).T
    converged = False
    for _ in range(maxit + 1):
        gp = g - tmat * (tmat * g).sum(axis=0)
        s = float(np.sqrt((gp**2).sum()))
        if s < eps:
            converged = True
            break
        al *= 2
        for _ in range(11):
            x = tmat - al * gp
            tmatt = x / np.sqrt((x**2).sum(axis=0))
            inv_t = np.linalg.inv(tmatt)
            lam = a @ inv_t.T
            gq, f_new = _vgq_oblimin(lam, gam)
            if f - f_new > 0.5 * s**2 * al:
                break
            al /= 2
        tmat = tmatt
        f = f_new
        g = -(lam.T @ gq @ inv_t).T
    return Rotation(lam, tmat.T @ tmat, converged)
