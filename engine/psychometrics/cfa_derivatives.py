"""Derivatives of the ML discrepancy of :mod:`engine.psychometrics.cfa_fit`: the gradient,
the expected Hessian (Fisher information) from low-rank derivatives of the implied moments,
and the observed Hessian by central differences of the analytic gradient."""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np

from engine.psychometrics.cfa_model import Moments, Structure, implied, unpack

__all__ = ["derivatives", "gradient", "hessian", "information", "jacobian"]


def jacobian(
    x: np.ndarray, structure: Structure, g: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group g's free parameters as low-rank derivatives of its moments.

    Every ``dSigma_i`` is ``c_i (a_i b_i' + b_i a_i')``: a loading ``lambda_jf`` has
    ``a = e_j``, ``b = (Lambda Phi)_f``; a factor covariance ``phi_kl`` has ``a = lambda_k``,
    ``b = lambda_l`` (c = 1/2 on the diagonal); a residual variance has ``a = b = e_j``,
    c = 1/2. ``dmu_i`` is the row ``D_i``. Returns (global index, A, B, c, D).
    """
    lam, phi, _, _, alpha = unpack(x, structure, g)
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


def derivatives(
    x: np.ndarray, structure: Structure, moments: Sequence[Moments], information: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Gradient of F and (with `information`) its expected Hessian, both in x's order.

    With ``W = Sigma^-1`` and ``d = mean - mu``: ``dF_g = tr(G dSigma) + h' dmu`` where
    ``G = W - W (S + d d') W`` and ``h = -2 W d``; the expected Hessian of F_g is
    ``tr(W dSigma_i W dSigma_j) + 2 dmu_i' W dmu_j``. With the low-rank derivatives of
    :func:`jacobian`, ``tr(G dSigma_i) = 2 c_i a_i' G b_i`` and
    ``tr(W dSigma_i W dSigma_j) = 2 c_i c_j ((a_i'Wa_j)(b_i'Wb_j) + (a_i'Wb_j)(b_i'Wa_j))``:
    no p x p matrix per parameter.
    """
    q = structure.n_free
    grad = np.zeros(q)
    hess = np.zeros((q, q)) if information else None
    total_n = sum(m.n for m in moments)
    for g, mom in enumerate(moments):
        w_g = mom.n / total_n
        sigma, mu = implied(x, structure, g)
        inv = np.linalg.inv(sigma)
        s_star = mom.cov
        h = np.zeros(sigma.shape[0])
        if structure.meanstructure:
            d = mom.mean - mu
            s_star = s_star + np.outer(d, d)
            h = -2 * inv @ d
        big_g = inv - inv @ s_star @ inv
        idx, a, b, c, dm = jacobian(x, structure, g)
        local = 2 * c * np.einsum("ip,pq,iq->i", a, big_g, b) + dm @ h
        # a parameter appears at most once in a group (groups share parameters, a group
        # never repeats one), so fancy-index addition is exact and faster than np.add.at
        grad[idx] += w_g * local
        if hess is not None:
            aw, bw = a @ inv, b @ inv
            aa, bb, ab = aw @ a.T, bw @ b.T, aw @ b.T
            info = 2 * np.outer(c, c) * (aa * bb + ab * ab.T) + 2 * (dm @ inv @ dm.T)
            hess[np.ix_(idx, idx)] += w_g * info
    return grad, hess


@overload
def gradient(x: np.ndarray, structure: Structure, moments: Sequence[Moments]) -> np.ndarray: ...


@overload
def gradient(
    x: np.ndarray, structure: Structure, moments: Sequence[Moments], logdet_s: Sequence[float]
) -> tuple[float, np.ndarray]: ...


def gradient(
    x: np.ndarray,
    structure: Structure,
    moments: Sequence[Moments],
    logdet_s: Sequence[float] | None = None,
) -> np.ndarray | tuple[float, np.ndarray]:
    """Gradient of F from whole matrices (no Jacobian): ``2 G Lambda Phi`` for the
    loadings, ``2 Lambda' G Lambda`` (diagonal once) for Phi, ``diag G`` for Theta, ``h`` for
    the intercepts and ``Lambda' h`` for the factor means (see :func:`derivatives`).
    With `logdet_s`, F as well, from the same inverse (inf where Sigma is not positive
    definite): BFGS's one call per step."""
    grad = np.zeros(structure.n_free)
    total_n = sum(m.n for m in moments)
    f = 0.0
    for g, mom in enumerate(moments):
        w_g = mom.n / total_n
        lam, phi, theta, nu, alpha = unpack(x, structure, g)
        sigma = lam @ phi @ lam.T + np.diag(theta)
        if logdet_s is not None:
            try:
                chol = np.linalg.cholesky(sigma)
            except np.linalg.LinAlgError:
                return np.inf, grad
        inv = np.linalg.inv(sigma)
        s_star = mom.cov
        h = np.zeros(len(theta))
        if structure.meanstructure:
            d = mom.mean - nu - lam @ alpha
            s_star = s_star + np.outer(d, d)
            h = -2 * inv @ d
        if logdet_s is not None:
            f += w_g * (
                2 * np.log(np.diag(chol)).sum() + np.sum(inv * s_star) - logdet_s[g] - len(theta)
            )
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
            grad[index[free]] += w_g * values[free]  # unique within a group
    return grad if logdet_s is None else (float(f), grad)


def hessian(x: np.ndarray, structure: Structure, moments: Sequence[Moments]) -> np.ndarray:
    """Observed Hessian of F: central differences of the analytic gradient."""
    q = len(x)
    steps = 1e-6 * np.maximum(np.abs(x), 1e-2)
    hess = np.empty((q, q))
    for i in range(q):
        up, down = x.copy(), x.copy()
        up[i] += steps[i]
        down[i] -= steps[i]
        hess[:, i] = (gradient(up, structure, moments) - gradient(down, structure, moments)) / (
            2 * steps[i]
        )
    return (hess + hess.T) / 2


def information(
    x: np.ndarray, structure: Structure, moments: Sequence[Moments]
) -> tuple[np.ndarray, np.ndarray]:
    grad, hess = derivatives(x, structure, moments, information=True)
    if hess is None:  # pragma: no cover - information=True always fills it
        raise RuntimeError("no information matrix")
    return grad, hess
