"""The maximum-likelihood fit behind :func:`engine.psychometrics.cfa.cfa` and
:func:`engine.comparisons.invariance.invariance`: one or more groups, optional mean
structure, loadings and intercepts optionally equal across groups.

Why Fisher scoring with a Levenberg-Marquardt safeguard rather than a quasi-Newton method:
the ML discrepancy of a covariance structure has an expected Hessian (the Fisher information
of the implied moments) that costs one p x p product per parameter, so each step is a Newton
step in all but name. It needs 5-30 steps where L-BFGS-B needs thousands, it is invariant to
the units of the items, and it stops on the Newton decrement (how much the objective can
still fall), not on a gradient whose size depends on those units. On data without factor
structure L-BFGS-B stalled on a flat ridge and called a point there converged; now a point is
converged only where the observed Hessian is positive definite (a minimum), and what is not
is reported as not converged.

lavaan's starting values (``start = "default"``, lav_start.R): loadings from the fabin3
estimator per factor (Hagglund, 1982; ``lav_cfa_1fac_fabin``, the analytic three-indicator
solution for factors of two or three items), factor variances 0.05, factor covariances 0,
residual variances half the sample variances, intercepts the sample means, factor means 0.
Variances are not bounded: a negative variance (a Heywood case) is a solution lavaan reports
too. When scoring in lavaan's marker parametrisation fails (typically a factor variance
walking to 0 while its loadings grow without bound), a one-group model restarts scoring from
that point with standardised factors (:mod:`engine.psychometrics.cfa_rescale`), where that
edge is an ordinary point, and polishes the answer back in lavaan's parametrisation. When
that fails too, the quasi-Newton optimiser BFGS takes over from lavaan's start, on
lavaan's parameter scaling (:func:`_bfgs`: on data with several local minima it lands
where lavaan's nlminb lands); :attr:`MLFit.optimizer` says which one answered.
:mod:`engine.psychometrics.cfa_model` holds the model and its discrepancy,
:mod:`engine.psychometrics.cfa_derivatives` its derivatives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.psychometrics.cfa_derivatives import gradient, hessian, information
from engine.psychometrics.cfa_model import (
    Moments,
    Structure,
    fixed_loadings,
    implied,
    objective,
    unpack,
)
from engine.psychometrics.cfa_rescale import can_rescale, from_standardised, to_standardised

__all__ = [
    "BFGS",
    "RESCALED",
    "SCORING",
    "MLFit",
    "Moments",
    "Structure",
    "fit_ml",
    "fixed_loadings",
]

SCORING = "Fisher scoring"
RESCALED = "Fisher scoring with standardised factors"
#: Newton decrement below which scoring has converged
TOL_DECREMENT = 1e-15
#: ... or below which it has converged when no step lowers F any more (rounding)
TOL_STALLED = 1e-12
#: Newton steps that polish BFGS's point (each costs 2 gradients per parameter)
MAX_NEWTON = 5
#: scoring steps in lavaan's parametrisation after the standardised-factor restart
MAX_POLISH = 20
#: a restart's solution is refused when a factor's variance is below this share of its
#: marker item's variance (the marker loadings are then > ~100 times the marker's: the
#: edge where lavaan's parametrisation breaks down; measured on tests/reference/cfa_noise)
MIN_FACTOR_SHARE = 1e-4
#: BFGS iterations when scoring fails (each ~0.4 ms at 40 items). noise17 needs 280; the
#: pure-noise fixtures it does not fit in 500, scipy's BFGS did not fit in 2,000 either
#: (tests/reference/cfa_noise.R, measured)
MAX_BFGS = 500
#: BFGS stops when no element of the chi-square's gradient (scaled parameters) exceeds this
#: (at N = 150, scipy's default gtol 1e-5 on F), and the Newton polish takes over
GTOL_CHISQ = 1.5e-3
BFGS = "BFGS"


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
    #: the free parameters at the end (:mod:`engine.psychometrics.cfa_se` reads them)
    x: np.ndarray | None = None


def fit_ml(
    moments: Sequence[Moments],
    structure: Structure,
    start: np.ndarray,
    max_iter: int = 300,
) -> MLFit:
    """Minimise the ML discrepancy: Fisher scoring with Levenberg-Marquardt damping from
    `start`; BFGS from `start` with lavaan's parameter scaling, polished by damped Newton
    steps, when scoring fails.

    Scoring runs while it converges at a useful rate (an order of magnitude of the Newton
    decrement per 10 steps after the first 40). It is converged when the Newton decrement
    ``g' H^-1 g`` (twice the fall of F a full step promises) is below
    :data:`TOL_DECREMENT` (``1e-15``: each estimate is then within about
    3e-8 / sqrt(its information) of the minimum), or below :data:`TOL_STALLED` when double
    precision allows no further fall, and the observed Hessian (central differences of the
    analytic gradient) is positive definite there: a minimum, not a saddle or a ridge.
    Where scoring slows down or stops (a nearly unidentified model, e.g. a factor variance
    that must cross 0 on the way to the Heywood case lavaan reports), one-group models first
    restart scoring with standardised factors from where it stopped (:func:`_rescaled`;
    optimiser :data:`RESCALED`); then BFGS from `start` in lavaan's scaling
    (at most :data:`MAX_BFGS` iterations, :func:`_bfgs`) takes over, followed by at most
    :data:`MAX_NEWTON` Newton steps on the observed Hessian, and is judged by the same
    rule. What meets neither is reported as not converged.
    """
    logdet_s = []
    for mom in moments:
        sign, logdet = np.linalg.slogdet(mom.cov)
        if sign <= 0:
            raise ValueError("a sample covariance matrix is not positive definite")
        logdet_s.append(float(logdet))

    def value(x: np.ndarray) -> float:
        return objective(x, structure, moments, logdet_s)

    def fisher(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return information(x, structure, moments)

    def newton(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return gradient(x, structure, moments), hessian(x, structure, moments)

    x = np.asarray(start, dtype=float).copy()
    converged, iterations, optimizer = False, 0, SCORING
    if np.isfinite(value(x)):
        x, status, iterations = _damped(x, value, fisher, max_iter, watch_rate=True)
        converged = status == "converged" and _is_minimum(x, structure, moments)
        if not converged and can_rescale(structure):
            found, more = _rescaled(x, structure, moments, logdet_s, max_iter)
            iterations += more
            if found is not None:
                x, converged, optimizer = found, True, RESCALED
    if not converged:
        optimizer = BFGS
        x, iterations, stopped = _bfgs(start, structure, moments, logdet_s)
        if stopped and np.isfinite(value(x)):
            x, status, more = _damped(x, value, newton, MAX_NEWTON, watch_rate=False)
            iterations += more
            converged = status == "converged" and _is_minimum(x, structure, moments)
    f = value(x)
    groups = range(len(moments))
    parts = [unpack(x, structure, g) for g in groups]
    moments_hat = [implied(x, structure, g) for g in groups]
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
        [s_g for s_g, _ in moments_hat],
        [mu_g for _, mu_g in moments_hat],
        x,
    )


def _rescaled(
    x: np.ndarray,
    structure: Structure,
    moments: Sequence[Moments],
    logdet_s: Sequence[float],
    max_iter: int,
) -> tuple[np.ndarray | None, int]:
    """Scoring on from `x` with standardised factors (:mod:`engine.psychometrics.cfa_rescale`),
    then back in lavaan's parametrisation and polished there: the minimum, or None when
    either scoring does not converge or the point is not a minimum; and the steps taken."""
    x_std, std = to_standardised(x, structure)

    def value_std(z: np.ndarray) -> float:
        return objective(z, std, moments, logdet_s)

    def fisher_std(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return information(z, std, moments)

    if not np.isfinite(value_std(x_std)):
        return None, 0
    x_std, status, iterations = _damped(x_std, value_std, fisher_std, max_iter, watch_rate=True)
    if status != "converged":
        return None, iterations
    back, root = from_standardised(x_std, std, structure)
    marker_var = np.array([m.cov[j, j] for m in moments[:1] for j in structure.markers])
    if not np.all(np.isfinite(back)) or np.any(root**2 < MIN_FACTOR_SHARE * marker_var):
        # a factor variance at 0: in lavaan's parametrisation its loadings are (nearly)
        # infinite, a point lavaan's optimiser does not stop at; not lavaan's solution
        return None, iterations

    def value(z: np.ndarray) -> float:
        return objective(z, structure, moments, logdet_s)

    def fisher(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return information(z, structure, moments)

    back, status, more = _damped(back, value, fisher, MAX_POLISH, watch_rate=False)
    if status != "converged" or not _is_minimum(back, structure, moments):
        return None, iterations + more
    return back, iterations + more


def _bfgs(
    start: np.ndarray,
    structure: Structure,
    moments: Sequence[Moments],
    logdet_s: Sequence[float],
) -> tuple[np.ndarray, int, bool]:
    """The quasi-Newton fallback, as lavaan's own optimiser goes: from `start`, on the
    parameters scaled as lavaan scales them for ``nlminb`` (``SCALE = 1 / |start|`` where
    ``|start| > 1``, else 1; lav_model_estimate.R), BFGS with the analytic gradient. Its
    point, iteration count and whether it stopped on its own rather than at
    :data:`MAX_BFGS`.

    Why BFGS and not nlminb (which scipy lacks) or L-BFGS-B: on the pure-noise fixtures with
    several local minima, BFGS with lavaan's scaling lands in the basin lavaan's nlminb
    lands in (noise17: chi-square 140.62; L-BFGS-B from the same start reached 140.68 and
    stalled, Newton-type methods 143.8-144.6), and it converges where nlminb does. The loop
    is :func:`engine.psychometrics.cfa_quasi_newton.bfgs` (scipy's costs 3 gradients a step
    in overhead).
    """
    from engine.psychometrics.cfa_quasi_newton import bfgs

    x0 = np.asarray(start, dtype=float)
    scale = np.ones_like(x0)
    large = np.abs(x0) > 1.0
    scale[large] = 1.0 / np.abs(x0[large])

    def fun(y: np.ndarray) -> tuple[float, np.ndarray]:
        f, grad = gradient(y / scale, structure, moments, logdet_s)
        return f, grad / scale

    # stop on the gradient of the chi-square (N F), not of F: a gradient of F below 1e-5
    # is a chi-square still falling at N = 100,000
    total_n = sum(m.n for m in moments)
    y, iterations, status = bfgs(fun, x0 * scale, MAX_BFGS, gtol=GTOL_CHISQ / total_n)
    # "converged" (gradient small) and "stalled" (no further fall in double precision) are
    # stops on its own, which the Newton polish then judges
    return y / scale, iterations, status != "limit"


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


def _is_minimum(x: np.ndarray, structure: Structure, moments: Sequence[Moments]) -> bool:
    """A positive definite observed Hessian: a strict local minimum of F."""
    hess = hessian(x, structure, moments)
    scale = np.sqrt(np.maximum(np.abs(np.diag(hess)), 1e-300))
    return bool(np.linalg.eigvalsh(hess / np.outer(scale, scale))[0] > 1e-10)
