"""Building blocks of exploratory factor analysis shared by ``factors`` and ``omega``:
input validation, pairwise-complete correlations (``correlation_matrix``), squared multiple
correlations, minres extraction and psych's ordering/signing of factors, each as psych
computes them; plus ``single_threaded_blas`` for the small-matrix iterations.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "as_item_matrix",
    "correlation_matrix",
    "item_correlations",
    "minres",
    "order_and_sign",
    "pairwise_correlation",
    "single_threaded_blas",
    "smc",
]


def single_threaded_blas() -> AbstractContextManager[object]:
    """Run BLAS/LAPACK on one thread inside the ``with`` block.

    Factor analysis calls LAPACK thousands of times on matrices of a few dozen rows, and
    its one large step (the correlation matrix of 100,000 x 40 answers) is a handful of
    thin matrix products. Multi-threaded OpenBLAS loses on both when the machine is busy:
    measured on the 2-core target machine under load, a 40 x 40 ``eigh`` took 7 ms
    multi-threaded and 0.1 ms single-threaded, and the 100,000 x 40 pairwise correlations
    0.3-4 s multi-threaded against a steady 0.1 s single-threaded.
    """
    controller = _blas_controller()
    if controller is None:  # pragma: no cover - threadpoolctl is a dependency
        return nullcontext()
    return controller.limit(limits=1, user_api="blas")


@cache
def _blas_controller() -> Any:
    """One ``threadpoolctl.ThreadpoolController`` per process.

    ``threadpool_limits`` scans the loaded shared libraries on every call (0.16 s of a
    manager's 0.38 s dashboard page went to that scan, once per omega); the controller
    scans once, and BLAS libraries are loaded with NumPy before the first call.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover
        return None
    return ThreadpoolController()


_CHUNK = 65_536  # rows whose column means centre the data in pairwise_correlation
# Rows per block of pairwise_correlation's products: small enough that the block's
# temporaries (8,192 x 40 items x 8 bytes = 2.6 MB each) stay in cache and are reused by
# the allocator instead of being mapped fresh, page by page, for every block.
_BLOCK = 8_192


def as_item_matrix(
    data: pd.DataFrame, name: str = "data", min_items: int = 2
) -> tuple[np.ndarray, list[str]]:
    """Validate ``data`` (respondents x items, NaN = missing) and return it as floats.

    Raises
    ------
    ValueError
        If ``data`` is not a DataFrame, has fewer than ``min_items`` columns or fewer
        than 3 rows, has duplicate column names, or holds non-numeric values.
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame (respondents x items)")
    if data.shape[1] < min_items:
        raise ValueError(f"{name} needs at least {min_items} item columns")
    if data.shape[0] < 3:
        raise ValueError(f"{name} needs at least 3 rows")
    if data.columns.has_duplicates:
        raise ValueError(f"{name} has duplicate column names")
    try:
        x = data.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers (NaN for missing answers)") from exc
    if np.isinf(x).any():
        raise ValueError(f"{name} holds infinite values")
    return x, [str(c) for c in data.columns]


#: whole-number answers of at most this size have exact float32 cross-products in a block
#: (8,192 x 45^2 < 2^24) and exact float64 sums of a pair's products up to this many rows
_EXACT_MAX = 45.0
_EXACT_ROWS = 2**21


def _whole_number_sums(x: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """Pairwise counts and sums of `x` uncentred, from float32 products, when every answer
    is a whole number of size <= :data:`_EXACT_MAX` (else None): every product and every
    block's sum is then an integer below 2^24, exact in float32, and the totals are
    integers below 2^53, exact in float64, so ``n Sxy - Sx Sy`` below is exact too; half
    the time of the float64 products."""
    p = x.shape[1]
    n, sx, sxx, sxy = (np.zeros((p, p)) for _ in range(4))
    for start in range(0, x.shape[0], _BLOCK):
        block = x[start : start + _BLOCK]
        missing = np.isnan(block)
        low, high = np.fmin.reduce(block, axis=None), np.fmax.reduce(block, axis=None)
        if np.isnan(low):  # no answer in the block: it adds nothing
            continue
        if not (low >= -_EXACT_MAX and high <= _EXACT_MAX):
            return None
        xz = np.where(missing, np.float32(0.0), block.astype(np.float32))
        if not np.array_equal(np.rint(xz), xz):
            return None
        m = (~missing).astype(np.float32)
        n += m.T @ m
        sx += xz.T @ m
        sxx += (xz * xz).T @ m
        sxy += xz.T @ xz
    return n, sx, sxx, sxy


def _centred_sums(x: np.ndarray) -> tuple[np.ndarray, ...]:
    """Pairwise counts and sums of `x` centred on the column means of its first rows, from
    float64 products: for answers that are not small whole numbers."""
    p = x.shape[1]
    first = x[:_CHUNK]
    observed = ~np.isnan(first)
    centre = np.where(observed, first, 0.0).sum(axis=0) / np.maximum(observed.sum(axis=0), 1)
    n = np.zeros((p, p))
    sx = np.zeros((p, p))  # sx[i, j] = sum of x_i over rows where i and j are observed
    sxx = np.zeros((p, p))
    sxy = np.zeros((p, p))
    for start in range(0, x.shape[0], _BLOCK):  # bounded memory for a million rows
        chunk = x[start : start + _BLOCK] - centre
        missing = np.isnan(chunk)
        mask = ~missing
        if mask.all():
            ones = np.ones(chunk.shape[0])
            n += chunk.shape[0]
            sx += (ones @ chunk)[:, None]
            sxx += (ones @ chunk**2)[:, None]
            sxy += chunk.T @ chunk
            continue
        xz = chunk  # a fresh array: zeros where missing, in place (faster than np.where)
        np.copyto(xz, 0.0, where=missing)
        m = mask.astype(float)
        n += m.T @ m
        sx += xz.T @ m
        sxx += (xz * xz).T @ m
        sxy += xz.T @ xz
    return n, sx, sxx, sxy


def pairwise_correlation(x: np.ndarray) -> np.ndarray:
    """Pearson correlations on pairwise-complete observations, ``cor(x, use = "pairwise")``.

    Parameters
    ----------
    x : numpy.ndarray
        Respondents x items, NaN for missing.

    Returns
    -------
    numpy.ndarray
        Items x items; NaN where a pair has fewer than 2 joint observations or no variance.

    Notes
    -----
    Each pair's means and variances use only the rows where both items are observed, as R
    does. Computed from masked cross-products (four matrix products), so it is linear in
    the number of respondents: ``r = (n Sxy - Sx Sy) / sqrt((n Sxx - Sx^2)(n Syy - Sy^2))``.
    Whole-number answers (Likert codes) are summed uncentred from exact float32 products
    (:func:`_whole_number_sums`: the sums, and ``n Sxy - Sx Sy``, are then exact); other
    values are centred (on the column means of the first rows) for numerical accuracy.
    Rows are processed in blocks so that memory stays bounded for a million respondents.
    """
    x = np.asarray(x, dtype=float)
    sums = _whole_number_sums(x) if x.shape[0] <= _EXACT_ROWS else None
    n, sx, sxx, sxy = sums if sums is not None else _centred_sums(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        num = n * sxy - sx * sx.T
        den = np.sqrt((n * sxx - sx**2) * (n * sxx.T - sx.T**2))
        r = num / den
    r[(n < 2) | ~(den > 0)] = np.nan
    diag = np.diag(r).copy()
    np.fill_diagonal(r, np.where(np.isnan(diag), np.nan, 1.0))
    return np.clip(r, -1.0, 1.0)


def correlation_matrix(data: pd.DataFrame) -> pd.DataFrame:
    """Pairwise-complete Pearson correlations of ``data``'s items, ``cor(data, use =
    "pairwise")``, as a DataFrame items x items.

    Compute it once and pass it as ``corr=`` to ``kmo``, ``bartlett``,
    ``parallel_analysis``, ``efa`` and ``omega`` to avoid recomputing it for each (the
    correlation matrix is the only step whose cost grows with the number of respondents).
    """
    r, names, _ = item_correlations(data)
    return pd.DataFrame(r, index=names, columns=names)


def item_correlations(
    data: pd.DataFrame, corr: pd.DataFrame | None = None
) -> tuple[np.ndarray, list[str], int]:
    """Validate ``data`` and return (pairwise correlations, item names, number of rows),
    using ``corr`` when given (it must be ``correlation_matrix(data)``-shaped)."""
    if corr is None:
        x, names = as_item_matrix(data)
        with single_threaded_blas():
            return pairwise_correlation(x), names, x.shape[0]
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data must be a pandas DataFrame (respondents x items)")
    names = [str(c) for c in data.columns]
    if data.shape[1] < 2 or data.shape[0] < 3:
        raise ValueError("data needs at least 2 item columns and 3 rows")
    if (
        not isinstance(corr, pd.DataFrame)
        or [str(c) for c in corr.columns] != names
        or [str(c) for c in corr.index] != names
    ):
        raise ValueError("corr must be a DataFrame with data's columns as index and columns")
    return corr.to_numpy(dtype=float), names, data.shape[0]


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations ``1 - 1 / diag(R^-1)`` as ``psych::smc``.

    A singular matrix uses the pseudo-inverse; values are clipped to [0, 1].
    """
    try:
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(r)
    with np.errstate(divide="ignore"):
        out = 1.0 - 1.0 / np.diag(inv)
    return np.clip(out, 0.0, 1.0)


def _top_loadings(s: np.ndarray, nf: int) -> np.ndarray:
    vals, vecs = np.linalg.eigh(s)
    vals, vecs = vals[::-1][:nf], vecs[:, ::-1][:, :nf]
    return vecs * np.sqrt(np.maximum(vals, 0.0))


def minres(r: np.ndarray, n_factors: int) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-residual (ULS) factor extraction as ``psych::fa(fm = "minres")``.

    Parameters
    ----------
    r : numpy.ndarray
        Correlation matrix, items x items.
    n_factors : int
        Number of factors.

    Returns
    -------
    loadings : numpy.ndarray
        Unrotated loadings, items x factors, each column's sign chosen so that its sum is
        positive (psych's convention).
    uniquenesses : numpy.ndarray
        The fitted ``Psi`` (psych's ``1 - communalities``).

    Notes
    -----
    psych's procedure, step by step, because on flat objectives (noise, as in parallel
    analysis) where it stops matters: ``optim(1 - smc, fit.residuals, FAgr.minres,
    method = "L-BFGS-B", lower = .005, upper = max(smc, 1), parscale = .01)``. The
    objective is the sum of squared residual correlations below the diagonal,
    ``sum_{i>j} (r_ij - (L L')_ij)^2``, with ``L`` the first ``m`` eigenvectors of ``R``
    (diagonal ``1 - Psi``) scaled by the square roots of their eigenvalues; the gradient
    is psych's ``diag(L L' + Psi - R)``. SciPy's L-BFGS-B is run with R's ``optim``
    defaults (``factr = 1e7``, ``pgtol = 0``, ``lmm = 5``, ``maxit = 100``). Loadings are
    then the first ``m`` eigenvectors of ``R - Psi`` scaled by the square roots of their
    eigenvalues (``FAout.wls``).

    References
    ----------
    Harman, H. H., & Jones, W. H. (1966). Factor analysis by minimizing residuals (minres).
    Psychometrika, 31, 351-368. R: ``psych::fa(r, nfactors, fm = "minres")``.
    """
    from scipy.optimize import minimize

    r = np.asarray(r, dtype=float)
    p = r.shape[0]
    s_smc = smc(r)
    upper = max(float(s_smc.max()), 1.0)
    start = np.diag(r) - s_smc
    scale = 0.01  # optim's parscale
    lower_tri = np.tril_indices(p, -1)
    tiny = 100 * np.finfo(float).eps

    def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
        psi = z * scale
        s = r.copy()
        np.fill_diagonal(s, 1.0 - psi)
        vals, vecs = np.linalg.eigh(s)
        vals, vecs = vals[::-1][:n_factors], vecs[:, ::-1][:, :n_factors]
        load = vecs * np.sqrt(np.where(vals < np.finfo(float).eps, tiny, vals))
        resid = (s - load @ load.T)[lower_tri]
        grad_load = vecs * np.sqrt(np.maximum(vals, 0.0))
        grad = (grad_load**2).sum(axis=1) + psi - np.diag(r)
        return float(resid @ resid), grad * scale

    z0 = start / scale
    res = minimize(
        fun,
        z0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.005 / scale, upper / scale)] * p,
        options={"ftol": 1e7 * np.finfo(float).eps, "gtol": 0.0, "maxcor": 5, "maxiter": 100},
    )
    psi = res.x * scale
    load = _top_loadings(r - np.diag(psi), n_factors)
    return _sign_by_sum(load), psi


def _sign_by_sum(load: np.ndarray) -> np.ndarray:
    signs = np.sign(load.sum(axis=0))
    signs[signs == 0] = 1.0
    return load * signs


def order_and_sign(
    loadings: np.ndarray, phi: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None, Sequence[int]]:
    """psych's post-rotation convention: flip each factor so its loadings sum positive,
    then order factors by the variance they account for (``diag(Phi L'L)``), descending."""
    signs = np.sign(loadings.sum(axis=0))
    signs[signs == 0] = 1.0
    loadings = loadings * signs
    if phi is not None:
        phi = phi * np.outer(signs, signs)
        ev = np.diag(phi @ loadings.T @ loadings)
    else:
        ev = (loadings**2).sum(axis=0)
    order = list(np.argsort(-ev, kind="stable"))
    loadings = loadings[:, order]
    if phi is not None:
        phi = phi[np.ix_(order, order)]
    return loadings, phi, order
