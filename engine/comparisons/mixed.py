"""The random-intercept linear mixed model fitted by REML, as ``lme4::lmer(y ~ X + (1 | g))``.

Used as the programme effect's second opinion. Why it is written here: statsmodels'
``MixedLM`` (0.15) stopped with a singular-matrix error under its default optimiser on the
reference data of ``tests/reference/compare_programme.R``, and with other optimisers its
fixed-effect standard errors differ from lme4's by ~2e-5 (they come from the observed
information with the variance-parameter cross terms, lme4's from
:math:`\\hat\\sigma^2 (X'V^{-1}X)^{-1}`). With one variance component the REML criterion
profiles to a function of one ratio, computed here in closed form from per-group sums and
minimised on a bounded interval: exact to lme4 within its own convergence tolerance, and no
new dependency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RandomInterceptFit", "random_intercept_reml"]


@dataclass(frozen=True)
class RandomInterceptFit:
    """A random-intercept model fitted by REML.

    Attributes
    ----------
    coef : ndarray
        Fixed effects, in the order of the columns of `x`.
    se : ndarray
        Their standard errors, ``sqrt(diag(vcov(fit)))`` in lme4.
    sigma : float
        Residual standard deviation.
    sd_group : float
        Standard deviation of the group intercepts (0 for a singular fit).
    """

    coef: np.ndarray
    se: np.ndarray
    sigma: float
    sd_group: float


def random_intercept_reml(x: np.ndarray, y: np.ndarray, group: np.ndarray) -> RandomInterceptFit:
    """Fit ``y = X b + u_group + e`` by REML.

    Parameters
    ----------
    x : ndarray, shape (n, p)
        Fixed-effects design, with its intercept column.
    y : ndarray, shape (n,)
        Outcome, finite.
    group : ndarray of int, shape (n,)
        Group codes ``0..G-1`` of the random intercepts.

    Returns
    -------
    RandomInterceptFit

    Raises
    ------
    ValueError
        Shapes disagree, values are not finite, fewer than 2 groups, `x` is rank deficient
        or leaves no residual degrees of freedom.

    Notes
    -----
    With :math:`\\tau = \\sigma_u^2/\\sigma^2` and :math:`V_g = I + \\tau 11'`, so
    :math:`V_g^{-1} = I - \\frac{\\tau}{1 + n_g\\tau}11'` and
    :math:`\\log|V_g| = \\log(1 + n_g\\tau)`, the profiled REML deviance is

    .. math::

        d(\\tau) = \\sum_g \\log(1 + n_g\\tau) + \\log|X'V^{-1}X| + (n - p)\\log r(\\tau),
        \\quad r(\\tau) = y'V^{-1}y - \\hat b' X'V^{-1}y,

    minimised over :math:`\\theta = \\sqrt\\tau \\in [0, 100]` (lme4's :math:`\\theta`,
    the intercept SD relative to the residual SD); then
    :math:`\\hat\\sigma^2 = r/(n - p)` and :math:`\\operatorname{Var}\\hat b =
    \\hat\\sigma^2 (X'V^{-1}X)^{-1}`. Matches R ``lme4::lmer(y ~ X + (1 | group),
    REML = TRUE)``: ``fixef``, ``sqrt(diag(vcov(fit)))``, ``sigma``, ``VarCorr``.

    References
    ----------
    Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects
    models using lme4. *Journal of Statistical Software, 67*(1), 1-48.
    """
    from scipy.optimize import minimize_scalar

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    group = np.asarray(group)
    if x.ndim != 2 or y.ndim != 1 or group.ndim != 1 or not len(x) == len(y) == len(group):
        raise ValueError("x must be (n, p), y and group (n,) of the same n")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite")
    if not np.issubdtype(group.dtype, np.integer) or len(np.unique(group)) < 2:
        raise ValueError("group must hold integer codes of at least 2 groups")
    n, p = x.shape
    if np.linalg.matrix_rank(x) < p or n <= p:
        raise ValueError("x is rank deficient or leaves no residual degrees of freedom")
    _, codes = np.unique(group, return_inverse=True)
    counts = np.bincount(codes).astype(float)
    xsum = np.zeros((len(counts), p))
    np.add.at(xsum, codes, x)
    ysum = np.bincount(codes, weights=y)
    xtx, xty, yty = x.T @ x, x.T @ y, float(y @ y)

    def parts(theta: float) -> tuple[np.ndarray, np.ndarray, float, float]:
        shrink = theta**2 / (1.0 + counts * theta**2)
        xvx = xtx - (xsum * shrink[:, None]).T @ xsum
        xvy = xty - (xsum * shrink[:, None]).T @ ysum
        yvy = yty - float(shrink @ ysum**2)
        coef = np.linalg.solve(xvx, xvy)
        rss = yvy - float(coef @ xvy)
        return xvx, coef, rss, float(np.log1p(counts * theta**2).sum())

    def deviance(theta: float) -> float:
        xvx, _, rss, logdet_v = parts(theta)
        return logdet_v + np.linalg.slogdet(xvx)[1] + (n - p) * np.log(rss)

    found = minimize_scalar(
        deviance, bounds=(0.0, 100.0), method="bounded", options={"xatol": 1e-10, "maxiter": 500}
    )
    theta = float(found.x) if deviance(float(found.x)) < deviance(0.0) else 0.0
    xvx, coef, rss, _ = parts(theta)
    sigma2 = rss / (n - p)
    se = np.sqrt(sigma2 * np.diag(np.linalg.inv(xvx)))
    return RandomInterceptFit(coef, se, float(np.sqrt(sigma2)), float(theta * np.sqrt(sigma2)))
