"""The maximum-likelihood fit behind :func:`engine.psychometrics.cfa.cfa` and
:func:`engine.psychometrics.invariance.invariance`: one or more groups, optional mean
structure, loadings and intercepts optionally equal across groups.

Why Fisher scoring with a Levenberg-Marquardt safeguard rather than a quasi-Newton method:
the ML discrepancy of a covariance structure has an expected Hessian (the Fisher information
of the implied moments) that costs one p x p product per parameter, so each step is a Newton
step in all but name. It needs 5-30 steps where L-BFGS-B needs thousands, it is invariant to
the units of the items, and it stops on the Newton decrement (how much the objective can
still fall), not on a gradient whose size depends on those units. On data without factor
structure L-BFGS-B stalled on a flat ridge and called a point there converged; scoring either
reaches the stationary point lavaan reports or says it did not converge.

lavaan's starting values (``start = "default"``, lav_start.R): loadings from the fabin3
estimator per factor (Hagglund, 1982; ``lav_cfa_1fac_fabin``, the analytic three-indicator
solution for factors of two or three items), factor variances 0.05, factor covariances 0,
residual variances half the sample variances, intercepts the sample means, factor means 0.
Variances are not bounded: a negative variance (a Heywood case) is a solution lavaan reports
too. When scoring fails (no descent from the start), the quasi-Newton optimiser L-BFGS-B
from scipy takes over from the same start; :attr:`MLFit.optimizer` says which one answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "LBFGSB",
    "SCORING",
    "MLFit",
    "Moments",
    "Structure",
    "fit_ml",
    "fixed_loadings",
]

SCORING = "Fisher scoring"
#: Newton decrement below which scoring has converged
TOL_DECREMENT = 1e-15
#: ... or below which it has converged when no step lowers F any more (rounding)
TOL_STALLED = 1e-12
LBFGSB = "L-BFGS-B"


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
    means are not modelled.
    """

    lam: list[np.ndarray]
    phi: list[np.ndarray]
    theta: list[np.ndarray]
    nu: list[np.ndarray]
    alpha: list[np.ndarray]
    markers: list[int]
    meanstructure: bool
    n_free: int


@dataclass(frozen=True)
class MLFit:
    """Estimates per group and the minimum of ``F = sum_g (n_g / N) F_g``."""

    converged: bool
    optimizer: str
    iterations: int
    fmin: float
    lam: list[np.ndarray]
    phi: list[np.ndarray]
    theta: list[np.ndarray]
    nu: list[np.ndarray]
    alpha: list[np.ndarray]
    sigma: list[np.ndarray]
    mu: list[np.ndarray]


def fixed_loadings(structure: Structure, g: int) -> np.ndarray:
    """Group g's loadings with only the fixed values: 1 at each marker, 0 elsewhere."""
    lam = np.zeros(structure.lam[g].shape)
    for f, j in enumerate(structure.markers):
        lam[j, f] = 1.0
    return lam


def _unpack(x: np.ndarray, structure: Structure, g: int) -> tuple[np.ndarray, ...]:
    def fill(index: np.ndarray, base: np.ndarray) -> np.ndarray:
        out = base.copy()
        free = index >= 0
        out[free] = x[index[free]]
        return out

    lam = fill(structure.lam[g], fixed_loadings(structure, g))
    phi = fill(structure.phi[g], np.zeros(structure.phi[g].shape))
    theta = fill(structure.theta[g], np.zeros(structure.theta[g].shape))
    nu = fill(structure.nu[g], np.zeros(structure.nu[g].shape))
    alpha = fill(structure.alpha[g], np.zeros(structure.alpha[g].shape))
    return lam, phi, theta, nu, alpha


def _implied(x: np.ndarray, structure: Structure, g: int) -> tuple[np.ndarray, np.ndarray]:
    lam, phi, theta, nu, alpha = _unpack(x, structure, g)
    return lam @ phi @ lam.T + np.diag(theta), nu + lam @ alpha


def _objective(
    x: np.ndarray, structure: Structure, moments: Sequence[Moments], logdet_s: Sequence[float]
) -> float:
    total_n = sum(m.n for m in moments)
    f = 0.0
    for g, mom in enumerate(moments):
        sigma, mu = _implied(x, structure, g)
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


def _derivatives(
    x: np.ndarray, structure: Structure, moments: Sequence[Moments], information: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Gradient of F and (with `information`) its expected Hessian, both in x's order.

    With ``W = Sigma^-1`` and ``d = mean - mu``: ``dF_g = tr(G dSigma) + h' dmu`` where
    ``G = W - W (S + d d') W`` and ``h = -2 W d``; the expected Hessian of F_g is
    ``tr(W dSigma_i W dSigma_j) + 2 dmu_i' W dmu_j``.
    """
    q = structure.n_free
    grad = np.zeros(q)
    hess = np.zeros((q, q)) if information else None
    total_n = sum(m.n for m in moments)
    for g, mom in enumerate(moments):
        w_g = mom.n / total_n
        lam, phi, _, _, alpha = _unpack(x, structure, g)
        sigma, mu = _implied(x, structure, g)
        p = lam.shape[0]
        inv = np.linalg.inv(sigma)
        s_star = mom.cov
        h = np.zeros(p)
        if structure.meanstructure:
            d = mom.mean - mu
            s_star = s_star + np.outer(d, d)
            h = -2 * inv @ d
        big_g = inv - inv @ s_star @ inv
        lam_phi = lam @ phi
        # Local Jacobian: one dSigma (p x p) and dmu (p) per free entry of this group.
        index: list[int] = []
        d_sigma: list[np.ndarray] = []
        d_mu: list[np.ndarray] = []
        gl = 2 * big_g @ lam_phi
        for j, f in zip(*np.nonzero(structure.lam[g] >= 0), strict=True):
            index.append(int(structure.lam[g][j, f]))
            grad[index[-1]] += w_g * (gl[j, f] + h[j] * alpha[f])
            if information:
                a = np.zeros((p, p))
                a[j, :] = lam_phi[:, f]
                d_sigma.append(a + a.T)
                e = np.zeros(p)
                e[j] = alpha[f]
                d_mu.append(e)
        lgl = lam.T @ big_g @ lam
        for k, f in zip(*np.nonzero(np.triu(structure.phi[g] >= 0)), strict=True):
            index.append(int(structure.phi[g][k, f]))
            grad[index[-1]] += w_g * (lgl[k, f] if k == f else 2 * lgl[k, f])
            if information:
                a = np.outer(lam[:, k], lam[:, f])
                d_sigma.append(a if k == f else a + a.T)
                d_mu.append(np.zeros(p))
        for j in np.flatnonzero(structure.theta[g] >= 0):
            index.append(int(structure.theta[g][j]))
            grad[index[-1]] += w_g * big_g[j, j]
            if information:
                a = np.zeros((p, p))
                a[j, j] = 1.0
                d_sigma.append(a)
                d_mu.append(np.zeros(p))
        for j in np.flatnonzero(structure.nu[g] >= 0):
            index.append(int(structure.nu[g][j]))
            grad[index[-1]] += w_g * h[j]
            if information:
                d_sigma.append(np.zeros((p, p)))
                e = np.zeros(p)
                e[j] = 1.0
                d_mu.append(e)
        lh = lam.T @ h
        for f in np.flatnonzero(structure.alpha[g] >= 0):
            index.append(int(structure.alpha[g][f]))
            grad[index[-1]] += w_g * lh[f]
            if information:
                d_sigma.append(np.zeros((p, p)))
                d_mu.append(lam[:, f].copy())
        if hess is not None and index:
            b = inv @ np.asarray(d_sigma)  # (q_g, p, p): W dSigma_i
            flat = b.reshape(len(index), -1)
            local = flat @ np.transpose(b, (0, 2, 1)).reshape(len(index), -1).T
            dm = np.asarray(d_mu)
            local += 2 * dm @ inv @ dm.T
            idx = np.asarray(index)
            np.add.at(hess, (idx[:, None], idx[None, :]), w_g * local)
    return grad, hess


def fit_ml(
    moments: Sequence[Moments],
    structure: Structure,
    start: np.ndarray,
    max_iter: int = 500,
) -> MLFit:
    """Minimise the ML discrepancy by Fisher scoring with Levenberg-Marquardt damping.

    Converged when the Newton decrement ``g' H^-1 g`` (twice the fall of F a full step
    promises) is below :data:`TOL_DECREMENT` (``1e-15``: each estimate is then within
    about 3e-8 / sqrt(its information) of the minimum), or below :data:`TOL_STALLED`
    when double precision allows no further fall, with a positive definite expected
    Hessian. L-BFGS-B from `start` takes over when scoring finds no descent or runs out of
    iterations.
    """
    logdet_s = []
    for mom in moments:
        sign, logdet = np.linalg.slogdet(mom.cov)
        if sign <= 0:
            raise ValueError("a sample covariance matrix is not positive definite")
        logdet_s.append(float(logdet))
    x = np.asarray(start, dtype=float).copy()
    f = _objective(x, structure, moments, logdet_s)
    damping = 0.0
    converged = False
    iterations = 0
    if np.isfinite(f):
        for iterations in range(1, max_iter + 1):  # noqa: B007 - reported
            grad, hess = _information(x, structure, moments)
            scale = np.sqrt(np.maximum(np.diag(hess), 1e-300))
            h_scaled = hess / np.outer(scale, scale)
            g_scaled = grad / scale
            try:
                decrement = float(g_scaled @ np.linalg.solve(h_scaled, g_scaled))
            except np.linalg.LinAlgError:
                decrement = np.inf
            if 0 <= decrement < TOL_DECREMENT:
                converged = _positive_definite(h_scaled)
                break
            accepted = stalled = False
            while damping <= 1e8:
                try:
                    step = -np.linalg.solve(h_scaled + damping * np.eye(len(x)), g_scaled) / scale
                except np.linalg.LinAlgError:
                    damping = max(10 * damping, 1e-6)
                    continue
                f_new = _objective(x + step, structure, moments, logdet_s)
                if np.isfinite(f_new) and f_new <= f + 1e-15 * abs(f):
                    stalled = f - f_new <= 1e-15 * abs(f)
                    x, f = x + step, f_new
                    damping = damping / 10 if damping > 1e-6 else 0.0
                    accepted = True
                    break
                damping = max(10 * damping, 1e-6)
            if not accepted or stalled:
                # at the floor of double precision F cannot fall any more: converged if a
                # full step promised almost nothing
                converged = 0 <= decrement < TOL_STALLED and _positive_definite(h_scaled)
                if converged or not accepted:
                    break
    optimizer = SCORING
    if not converged:
        optimizer = LBFGSB
        x, f, converged, iterations = _lbfgsb(start, structure, moments, logdet_s)
    groups = range(len(moments))
    parts = [_unpack(x, structure, g) for g in groups]
    implied = [_implied(x, structure, g) for g in groups]
    return MLFit(
        converged,
        optimizer,
        iterations,
        f,
        [part[0] for part in parts],
        [part[1] for part in parts],
        [part[2] for part in parts],
        [part[3] for part in parts],
        [part[4] for part in parts],
        [s_g for s_g, _ in implied],
        [mu_g for _, mu_g in implied],
    )


def _positive_definite(h: np.ndarray) -> bool:
    return bool(np.linalg.eigvalsh(h)[0] > 1e-12)


def _lbfgsb(
    start: np.ndarray,
    structure: Structure,
    moments: Sequence[Moments],
    logdet_s: Sequence[float],
) -> tuple[np.ndarray, float, bool, int]:
    """The former optimiser: quasi-Newton from `start`, converged when the gradient of F
    (on the items' own scale) is below 1e-4 after scaling by the parameters' information."""
    from scipy.optimize import minimize

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        f = _objective(x, structure, moments, logdet_s)
        if not np.isfinite(f):
            return 1e10, np.zeros_like(x)
        grad, _ = _derivatives(x, structure, moments, information=False)
        return f, grad

    res = minimize(
        fun,
        np.asarray(start, dtype=float),
        jac=True,
        method="L-BFGS-B",
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10000, "maxcor": 20},
    )
    f = _objective(res.x, structure, moments, logdet_s)
    if not np.isfinite(f):
        return res.x, f, False, int(res.nit)
    grad, hess = _information(res.x, structure, moments)
    scale = np.sqrt(np.maximum(np.diag(hess), 1e-300))
    g_scaled = grad / scale
    try:
        decrement = float(g_scaled @ np.linalg.solve(hess / np.outer(scale, scale), g_scaled))
    except np.linalg.LinAlgError:
        decrement = np.inf
    return res.x, f, bool(0 <= decrement < 1e-10), int(res.nit)


def _information(
    x: np.ndarray, structure: Structure, moments: Sequence[Moments]
) -> tuple[np.ndarray, np.ndarray]:
    grad, hess = _derivatives(x, structure, moments, information=True)
    if hess is None:  # pragma: no cover - information=True always fills it
        raise RuntimeError("no information matrix")
    return grad, hess
