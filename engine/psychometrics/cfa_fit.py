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

from collections.abc import Callable, Sequence
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
#: Newton steps that polish L-BFGS-B's point (each costs 2 gradients per parameter)
MAX_NEWTON = 10
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


def _jacobian(
    x: np.ndarray, structure: Structure, g: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group g's free parameters as low-rank derivatives of its moments.

    Every ``dSigma_i`` is ``c_i (a_i b_i' + b_i a_i')``: a loading ``lambda_jf`` has
    ``a = e_j``, ``b = (Lambda Phi)_f``; a factor covariance ``phi_kl`` has ``a = lambda_k``,
    ``b = lambda_l`` (c = 1/2 on the diagonal); a residual variance has ``a = b = e_j``,
    c = 1/2. ``dmu_i`` is the row ``D_i``. Returns (global index, A, B, c, D).
    """
    lam, phi, _, _, alpha = _unpack(x, structure, g)
    p = lam.shape[0]
    eye_p = np.eye(p)
    lam_phi = lam @ phi
    parts_idx, parts_a, parts_b, parts_c, parts_d = [], [], [], [], []

    def add(index: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> None:
        parts_idx.append(index)
        parts_a.append(a)
        parts_b.append(b)
        parts_c.append(c)
        parts_d.append(d)

    j, f = np.nonzero(structure.lam[g] >= 0)
    if len(j):
        d = np.zeros((len(j), p))
        d[np.arange(len(j)), j] = alpha[f]
        add(structure.lam[g][j, f], eye_p[j], lam_phi[:, f].T, np.ones(len(j)), d)
    k, f = np.nonzero(np.triu(structure.phi[g] >= 0))
    if len(k):
        c = np.where(k == f, 0.5, 1.0)
        add(structure.phi[g][k, f], lam[:, k].T, lam[:, f].T, c, np.zeros((len(k), p)))
    j = np.flatnonzero(structure.theta[g] >= 0)
    if len(j):
        add(structure.theta[g][j], eye_p[j], eye_p[j], np.full(len(j), 0.5), np.zeros((len(j), p)))
    j = np.flatnonzero(structure.nu[g] >= 0)
    if len(j):
        zero = np.zeros((len(j), p))
        add(structure.nu[g][j], zero, zero, np.zeros(len(j)), eye_p[j])
    f = np.flatnonzero(structure.alpha[g] >= 0)
    if len(f):
        zero = np.zeros((len(f), p))
        add(structure.alpha[g][f], zero, zero, np.zeros(len(f)), lam[:, f].T.copy())
    return (
        np.concatenate(parts_idx).astype(int),
        np.vstack(parts_a),
        np.vstack(parts_b),
        np.concatenate(parts_c),
        np.vstack(parts_d),
    )


def _derivatives(
    x: np.ndarray, structure: Structure, moments: Sequence[Moments], information: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Gradient of F and (with `information`) its expected Hessian, both in x's order.

    With ``W = Sigma^-1`` and ``d = mean - mu``: ``dF_g = tr(G dSigma) + h' dmu`` where
    ``G = W - W (S + d d') W`` and ``h = -2 W d``; the expected Hessian of F_g is
    ``tr(W dSigma_i W dSigma_j) + 2 dmu_i' W dmu_j``. With the low-rank derivatives of
    :func:`_jacobian`, ``tr(G dSigma_i) = 2 c_i a_i' G b_i`` and
    ``tr(W dSigma_i W dSigma_j) = 2 c_i c_j ((a_i'Wa_j)(b_i'Wb_j) + (a_i'Wb_j)(b_i'Wa_j))``:
    no p x p matrix per parameter.
    """
    q = structure.n_free
    grad = np.zeros(q)
    hess = np.zeros((q, q)) if information else None
    total_n = sum(m.n for m in moments)
    for g, mom in enumerate(moments):
        w_g = mom.n / total_n
        sigma, mu = _implied(x, structure, g)
        inv = np.linalg.inv(sigma)
        s_star = mom.cov
        h = np.zeros(sigma.shape[0])
        if structure.meanstructure:
            d = mom.mean - mu
            s_star = s_star + np.outer(d, d)
            h = -2 * inv @ d
        big_g = inv - inv @ s_star @ inv
        idx, a, b, c, dm = _jacobian(x, structure, g)
        local = 2 * c * np.einsum("ip,pq,iq->i", a, big_g, b) + dm @ h
        np.add.at(grad, idx, w_g * local)
        if hess is not None:
            aw, bw = a @ inv, b @ inv
            aa, bb, ab = aw @ a.T, bw @ b.T, aw @ b.T
            info = 2 * np.outer(c, c) * (aa * bb + ab * ab.T) + 2 * (dm @ inv @ dm.T)
            np.add.at(hess, (idx[:, None], idx[None, :]), w_g * info)
    return grad, hess


def fit_ml(
    moments: Sequence[Moments],
    structure: Structure,
    start: np.ndarray,
    max_iter: int = 300,
) -> MLFit:
    """Minimise the ML discrepancy: Fisher scoring with Levenberg-Marquardt damping from
    `start`; L-BFGS-B from `start`, polished by damped Newton steps, when scoring fails.

    Scoring runs while it converges at a useful rate (an order of magnitude of the Newton
    decrement per 10 steps after the first 40). It is converged when the Newton decrement
    ``g' H^-1 g`` (twice the fall of F a full step promises) is below
    :data:`TOL_DECREMENT` (``1e-15``: each estimate is then within about
    3e-8 / sqrt(its information) of the minimum), or below :data:`TOL_STALLED` when double
    precision allows no further fall, and the observed Hessian (central differences of the
    analytic gradient) is positive definite there: a minimum, not a saddle or a ridge.
    Where scoring slows down or stops (a nearly unidentified model, e.g. a factor variance
    that must cross 0 on the way to the Heywood case lavaan reports), L-BFGS-B from `start`
    (at most 2,000 iterations) takes over, followed by at most :data:`MAX_NEWTON` Newton
    steps on the observed Hessian, and is judged by the same rule. What meets neither is
    reported as not converged.
    """
    logdet_s = []
    for mom in moments:
        sign, logdet = np.linalg.slogdet(mom.cov)
        if sign <= 0:
            raise ValueError("a sample covariance matrix is not positive definite")
        logdet_s.append(float(logdet))

    def objective(x: np.ndarray) -> float:
        return _objective(x, structure, moments, logdet_s)

    def fisher(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _information(x, structure, moments)

    def newton(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _gradient(x, structure, moments), _hessian(x, structure, moments)

    x = np.asarray(start, dtype=float).copy()
    converged, iterations, optimizer = False, 0, SCORING
    if np.isfinite(objective(x)):
        x, status, iterations = _damped(x, objective, fisher, max_iter, watch_rate=True)
        converged = status == "converged" and _is_minimum(x, structure, moments)
    if not converged:
        optimizer = LBFGSB
        x, iterations = _lbfgsb(start, structure, moments, logdet_s)
        if np.isfinite(objective(x)):
            x, status, more = _damped(x, objective, newton, MAX_NEWTON, watch_rate=False)
            iterations += more
            converged = status == "converged" and _is_minimum(x, structure, moments)
    f = objective(x)
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


def _lbfgsb(
    start: np.ndarray,
    structure: Structure,
    moments: Sequence[Moments],
    logdet_s: Sequence[float],
) -> tuple[np.ndarray, int]:
    """The former optimiser: quasi-Newton from `start` (its point and iteration count)."""
    from scipy.optimize import minimize

    x0 = np.asarray(start, dtype=float)

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        f = _objective(x, structure, moments, logdet_s)
        if not np.isfinite(f):
            return 1e10, np.zeros_like(x)
        return f, _gradient(x, structure, moments)

    from threadpoolctl import threadpool_limits

    # scipy's own OpenBLAS may have been loaded after engine.psychometrics.extraction's
    # cached controller was made: limit it here (multi-threaded, each of L-BFGS-B's small
    # steps took 10 ms on a busy machine instead of 0.1 ms)
    with threadpool_limits(limits=1, user_api="blas"):
        res = minimize(
            fun,
            x0,
            jac=True,
            method="L-BFGS-B",
            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000, "maxcor": 20},
        )
    return res.x, int(res.nit)


def _damped(
    x: np.ndarray,
    objective: Callable[[np.ndarray], float],
    curvature: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    max_iter: int,
    watch_rate: bool,
) -> tuple[np.ndarray, str, int]:
    """Levenberg-Marquardt steps ``(H + mu I) delta = -g`` on the parameters scaled by
    ``sqrt(|diag H|)``; returns the point, ``"converged"``, ``"slow"`` (scoring's rate
    fell, with `watch_rate`) or ``"failed"``, and the number of steps."""
    f = objective(x)
    damping = 0.0
    history: list[float] = []
    for iteration in range(1, max_iter + 1):
        grad, hess = curvature(x)
        scale = np.sqrt(np.maximum(np.abs(np.diag(hess)), 1e-300))
        h_scaled = hess / np.outer(scale, scale)
        g_scaled = grad / scale
        decrement = _decrement(h_scaled, g_scaled)
        if decrement < TOL_DECREMENT:
            return x, "converged", iteration
        history.append(decrement)
        if watch_rate and iteration > 40 and history[-1] > 0.1 * history[-11]:
            return x, "slow", iteration
        accepted = stalled = False
        eye = np.eye(len(x))
        while damping <= 1e10:
            try:
                chol = np.linalg.cholesky(h_scaled + damping * eye)
            except np.linalg.LinAlgError:
                damping = max(10 * damping, 1e-6)
                continue
            step = -np.linalg.solve(chol.T, np.linalg.solve(chol, g_scaled)) / scale
            f_new = objective(x + step)
            if np.isfinite(f_new) and f_new <= f + 1e-15 * abs(f):
                stalled = f - f_new <= 1e-15 * abs(f)
                x, f = x + step, f_new
                damping = damping / 10 if damping > 1e-6 else 0.0
                accepted = True
                break
            damping = max(10 * damping, 1e-6)
        if not accepted or stalled:
            # at the floor of double precision F cannot fall any more: converged if a full
            # step promised almost nothing
            if decrement < TOL_STALLED:
                return x, "converged", iteration
            if not accepted:
                return x, "failed", iteration
    return x, "failed", max_iter


def _decrement(h_scaled: np.ndarray, g_scaled: np.ndarray) -> float:
    """``g' H^-1 g``, or inf when H is not positive definite."""
    try:
        chol = np.linalg.cholesky(h_scaled)
    except np.linalg.LinAlgError:
        return np.inf
    z = np.linalg.solve(chol, g_scaled)
    return float(z @ z)


def _gradient(x: np.ndarray, structure: Structure, moments: Sequence[Moments]) -> np.ndarray:
    """Gradient of F from whole matrices (no Jacobian): ``2 G Lambda Phi`` for the
    loadings, ``2 Lambda' G Lambda`` (diagonal once) for Phi, ``diag G`` for Theta, ``h`` for
    the intercepts and ``Lambda' h`` for the factor means (see :func:`_derivatives`)."""
    grad = np.zeros(structure.n_free)
    total_n = sum(m.n for m in moments)
    for g, mom in enumerate(moments):
        w_g = mom.n / total_n
        lam, phi, theta, nu, alpha = _unpack(x, structure, g)
        sigma = lam @ phi @ lam.T + np.diag(theta)
        inv = np.linalg.inv(sigma)
        s_star = mom.cov
        h = np.zeros(len(theta))
        if structure.meanstructure:
            d = mom.mean - nu - lam @ alpha
            s_star = s_star + np.outer(d, d)
            h = -2 * inv @ d
        big_g = inv - inv @ s_star @ inv
        g_lam = 2 * big_g @ lam @ phi + np.outer(h, alpha)
        g_phi = lam.T @ big_g @ lam
        g_phi = 2 * g_phi - np.diag(np.diag(g_phi))
        for index, values in (
            (structure.lam[g], g_lam),
            (np.triu(structure.phi[g] + 1) - 1, g_phi),
            (structure.theta[g], np.diag(big_g)),
            (structure.nu[g], h),
            (structure.alpha[g], lam.T @ h),
        ):
            free = index >= 0
            np.add.at(grad, index[free], w_g * values[free])
    return grad


def _hessian(x: np.ndarray, structure: Structure, moments: Sequence[Moments]) -> np.ndarray:
    """Observed Hessian of F: central differences of the analytic gradient."""
    q = len(x)
    steps = 1e-6 * np.maximum(np.abs(x), 1e-2)
    hess = np.empty((q, q))
    for i in range(q):
        up, down = x.copy(), x.copy()
        up[i] += steps[i]
        down[i] -= steps[i]
        hess[:, i] = (_gradient(up, structure, moments) - _gradient(down, structure, moments)) / (
            2 * steps[i]
        )
    return (hess + hess.T) / 2


def _is_minimum(x: np.ndarray, structure: Structure, moments: Sequence[Moments]) -> bool:
    """A positive definite observed Hessian: a strict local minimum of F."""
    hess = _hessian(x, structure, moments)
    scale = np.sqrt(np.maximum(np.abs(np.diag(hess)), 1e-300))
    return bool(np.linalg.eigvalsh(hess / np.outer(scale, scale))[0] > 1e-10)


def _information(
    x: np.ndarray, structure: Structure, moments: Sequence[Moments]
) -> tuple[np.ndarray, np.ndarray]:
    grad, hess = _derivatives(x, structure, moments, information=True)
    if hess is None:  # pragma: no cover - information=True always fills it
        raise RuntimeError("no information matrix")
    return grad, hess
