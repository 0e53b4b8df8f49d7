"""The quasi-Newton fallback of :mod:`engine.psychometrics.cfa_fit`: BFGS with a backtracking
line search, on the parameters in lavaan's scaling.

Written here rather than calling ``scipy.optimize.minimize(method="BFGS")``: scipy's loop
updates the inverse Hessian with two ``q x q`` matrix products and runs a Wolfe line search
in Python; at the 108 parameters of 8 scales x 5 items that was ~1.3 ms a step, three times
the gradient itself. The rank-two update below is ``O(q^2)`` and the step of 1 is nearly
always accepted, so a step costs about one gradient.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["bfgs"]

#: sufficient decrease (Armijo) constant of the line search, as scipy's and R's optim
ARMIJO = 1e-4


def bfgs(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    max_iter: int,
    gtol: float = 1e-5,
) -> tuple[np.ndarray, int, str]:
    """Minimise ``fun`` (value and gradient; ``inf`` outside the domain) from `x0`.

    Parameters
    ----------
    fun : callable
        ``x -> (f, gradient)``.
    x0 : numpy.ndarray
        Start.
    max_iter : int
        Iterations at most.
    gtol : float
        Stop when no gradient element exceeds it (scipy's default).

    Returns
    -------
    x : numpy.ndarray
        The last point.
    iterations : int
    status : str
        ``"converged"`` (largest gradient element below `gtol`), ``"stalled"`` (no
        step lowers f any more in double precision) or ``"limit"`` (`max_iter` reached).

    Notes
    -----
    Nocedal & Wright (2006), Algorithm 6.1 with the inverse-Hessian update (6.17) written
    as a rank-two correction; the update is skipped when the curvature ``s'y`` is not
    positive, and the search direction falls back to the steepest descent when it is not a
    descent direction. The line search halves the step (quadratic interpolation, bounded to
    [0.1, 0.5] of the step) until the Armijo condition holds. R's ``optim(method = "BFGS")``
    and scipy's BFGS follow the same update.
    """
    x = np.asarray(x0, dtype=float).copy()
    f, g = fun(x)
    if not np.isfinite(f):
        return x, 0, "stalled"
    q = len(x)
    h = np.eye(q)
    for iteration in range(1, max_iter + 1):
        if np.max(np.abs(g)) <= gtol:
            return x, iteration - 1, "converged"
        d = -(h @ g)
        slope = float(g @ d)
        if slope >= 0:  # not a descent direction: restart from the steepest descent
            h = np.eye(q)
            d, slope = -g, -float(g @ g)
        t = 1.0
        while True:
            x_new = x + t * d
            f_new, g_new = fun(x_new)
            if np.isfinite(f_new) and f_new <= f + ARMIJO * t * slope:
                break
            if np.isfinite(f_new):
                # minimum of the quadratic through f, the slope and f_new, kept in [0.1t, 0.5t]
                t_quad = -slope * t * t / (2 * (f_new - f - slope * t))
                t = min(max(t_quad, 0.1 * t), 0.5 * t)
            else:
                t *= 0.1
            if t * np.max(np.abs(d)) < 1e-16 * max(1.0, np.max(np.abs(x))):
                return x, iteration, "stalled"
        s, y = x_new - x, g_new - g
        sy = float(s @ y)
        if sy > 1e-12 * np.sqrt(float(s @ s) * float(y @ y)):
            hy = h @ y
            h += ((sy + float(y @ hy)) / sy**2) * np.outer(s, s) - (
                np.outer(hy, s) + np.outer(s, hy)
            ) / sy
        x, f, g = x_new, f_new, g_new
    return x, max_iter, "limit"
