"""Team aggregation: is a scale's "team climate" a shared perception?

ICC(1) and ICC(2) from the one-way ANOVA of scale scores on groups, and within-group
agreement rwg(j), both in closed form from group sums: O(N) in the number of respondents,
where R's ``aov()`` with thousands of group levels takes minutes.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.psychometrics.scoring import as_numeric_frame

__all__ = ["GroupCodes", "ICCResult", "RwgResult", "group_codes", "icc", "rwg_j"]

_NAN = float("nan")


@dataclass(frozen=True)
class ICCResult:
    """ICC(1) and ICC(2) of scores nested in groups (``multilevel::ICC1``/``ICC2``).

    Attributes
    ----------
    icc1 : float
        Share of the score variance that lies between groups.
    icc2 : float
        Reliability of the group means.
    n_groups : int
        Groups with at least one valid score.
    n : int
        Valid scores (rows with a score and a group).
    mean_group_size : float
        ``n / n_groups``, the k of ICC(1) as multilevel computes it.
    msb, msw : float
        Between- and within-group mean squares of the one-way ANOVA.
    f, p : float
        ANOVA F statistic ``msb / msw`` and its p-value.
    """

    icc1: float
    icc2: float
    n_groups: int
    n: int
    mean_group_size: float
    msb: float
    msw: float
    f: float
    p: float


@dataclass(frozen=True, eq=False)
class RwgResult:
    """Within-group agreement rwg(j) per group (``multilevel::rwg.j``).

    Attributes
    ----------
    per_group : Series
        rwg(j) indexed by group (sorted), NaN for a group with one complete respondent.
    mean, median : float
        Over the groups with a value.
    group_size : Series
        Complete respondents per group (``gsize`` in multilevel).
    """

    per_group: pd.Series
    mean: float
    median: float
    group_size: pd.Series


@dataclass(frozen=True, eq=False)
class GroupCodes:
    """Groups coded once, to be passed as `group` to :func:`icc` and :func:`rwg_j` for
    several scales (see :func:`group_codes`).

    Attributes
    ----------
    codes : ndarray of int
        Per respondent the position of its label in `labels`, -1 for a missing label.
    labels : Index
        The distinct labels, sorted.
    """

    codes: np.ndarray
    labels: pd.Index

    def __len__(self) -> int:
        return len(self.codes)


def group_codes(group: Any) -> GroupCodes:
    """Code the group labels once (sorted, missing = -1) for several calls of :func:`icc`
    and :func:`rwg_j`: each call then skips the linear pass (or the hash and sort) that
    coding the labels takes.

    Parameters
    ----------
    group : array_like or Series
        Group label per respondent; missing labels (None, NaN) drop the row.

    Returns
    -------
    GroupCodes
    """
    codes, labels = _group_codes(group, len(group))
    return GroupCodes(codes, labels)


def _group_codes(group: Any, n_rows: int) -> tuple[np.ndarray, pd.Index]:
    """Codes 0..G-1 of the sorted distinct labels (-1 = missing label) and those labels."""
    if isinstance(group, pd.DataFrame):
        raise ValueError("group must be one-dimensional")
    if isinstance(group, GroupCodes):
        if len(group) != n_rows:
            raise ValueError(f"group has {len(group)} values but the data have {n_rows} rows")
        return group.codes, group.labels
    array = group.to_numpy() if isinstance(group, pd.Series) else np.asarray(group)
    if array.ndim != 1 or len(array) != n_rows:
        raise ValueError(f"group has {len(array)} values but the data have {n_rows} rows")
    fast = _small_integer_codes(array)
    if fast is not None:
        return fast
    labels = pd.Series(array)
    codes, uniques = pd.factorize(labels, sort=True, use_na_sentinel=True)
    return codes, pd.Index(uniques)


def _small_integer_codes(array: np.ndarray) -> tuple[np.ndarray, pd.Index] | None:
    """What ``pd.factorize(array, sort=True)`` gives, in linear time without hashing or
    sorting, when the labels are already non-negative whole numbers not much larger than
    their count (integer group codes, NaN = missing, as ``engine.report.pipeline`` passes them);
    None otherwise."""
    if array.dtype.kind not in "iuf" or array.size == 0:
        return None
    if array.dtype.kind == "f":
        valid = ~np.isnan(array)
        top = np.fmax.reduce(array)
        low = np.fmin.reduce(array)
    else:
        valid = None
        top, low = array.max(), array.min()
    if not (low >= 0 and top <= 4 * array.size + 1024):  # NaN (nothing valid) fails too
        return None
    ints = np.where(valid, array, -1).astype(np.intp) if valid is not None else array
    ints = ints.astype(np.intp, copy=False)
    if valid is not None and not (ints[valid] == array[valid]).all():
        return None  # fractional labels
    counts = np.bincount(ints[valid] if valid is not None else ints, minlength=int(top) + 1)
    used = counts > 0
    remap = np.cumsum(used) - 1
    codes = remap[ints]
    if valid is not None:
        codes[~valid] = -1
    return codes, pd.Index(np.flatnonzero(used).astype(array.dtype))


def _renumber(codes: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` for codes in 0..n_labels-1, in linear time:
    the codes that occur, the codes renumbered 0..G-1 in that order, and the group sizes."""
    counts = np.bincount(codes, minlength=n_labels)
    used = counts > 0
    remap = np.cumsum(used) - 1
    return np.flatnonzero(used), remap[codes], counts[used]


def icc(scores: Any, group: Any) -> ICCResult:
    """ICC(1) and ICC(2) from the one-way ANOVA of `scores` on `group`.

    Parameters
    ----------
    scores : array_like or Series
        One scale score per respondent, NaN when missing.
    group : array_like, Series or GroupCodes
        Group label per respondent (same length, matched by position); missing labels
        drop the row. :func:`group_codes` of it saves coding it again for each scale.

    Returns
    -------
    ICCResult
        NaN fields when fewer than two groups have a score or no group has two.

    Raises
    ------
    ValueError
        If `scores` is not numeric or not one-dimensional, `group` has another length,
        or `group` holds fewer than two distinct labels.

    Notes
    -----
    With *N* valid scores in *G* groups, group sizes :math:`n_g` and means
    :math:`\\bar x_g`: :math:`MSB = \\sum_g n_g(\\bar x_g - \\bar x)^2 / (G-1)`,
    :math:`MSW = \\sum_g \\sum_i (x_{gi} - \\bar x_g)^2 / (N-G)`, :math:`\\bar k = N/G`,

    .. math:: ICC(1) = \\frac{MSB - MSW}{MSB + (\\bar k - 1) MSW}, \\qquad
              ICC(2) = \\frac{MSB - MSW}{MSB}.

    Matches ``multilevel::ICC1(aov(score ~ as.factor(group)))`` and ``ICC2``, which use the
    mean group size :math:`\\bar k = N/G` also for unbalanced groups.

    References
    ----------
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability:
    Implications for data aggregation and analysis. In K. J. Klein & S. W. Kozlowski
    (Eds.), Multilevel theory, research, and methods in organizations (pp. 349-381).
    Bliese, P. D. multilevel: Multilevel Functions. R package, ``ICC1``, ``ICC2``.
    """
    try:
        values = np.asarray(scores, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"scores must be numeric: {exc}") from exc
    if values.ndim != 1:
        raise ValueError(f"scores must be one-dimensional, got {values.ndim} dimensions")
    codes, uniques = _group_codes(group, values.size)
    if len(uniques) < 2:
        raise ValueError(f"group must have at least two groups, got {len(uniques)}")
    keep = (codes >= 0) & ~np.isnan(values)
    x, codes = values[keep], codes[keep]
    # re-number the groups that still have a score
    present, codes, counts = _renumber(codes, len(uniques))
    n, n_groups = int(x.size), int(present.size)
    mean_size = n / n_groups if n_groups else _NAN
    if n_groups < 2 or n <= n_groups:
        return ICCResult(_NAN, _NAN, n_groups, n, mean_size, _NAN, _NAN, _NAN, _NAN)

    from scipy.special import fdtrc  # F upper tail; lighter to import than scipy.stats

    sizes = counts.astype("float64")
    grand = x.mean()
    centred = x - grand
    group_mean = np.bincount(codes, weights=centred, minlength=n_groups) / sizes
    ssb = float(np.sum(sizes * group_mean**2))
    ssw = float(np.sum((centred - group_mean[codes]) ** 2))
    msb = ssb / (n_groups - 1)
    msw = ssw / (n - n_groups)
    icc1 = (msb - msw) / (msb + (mean_size - 1.0) * msw) if msb + msw > 0 else _NAN
    icc2 = (msb - msw) / msb if msb > 0 else _NAN
    f_stat = msb / msw if msw > 0 else _NAN
    p_value = float(fdtrc(n_groups - 1, n - n_groups, f_stat)) if msw > 0 else _NAN
    return ICCResult(
        icc1=float(icc1),
        icc2=float(icc2),
        n_groups=n_groups,
        n=n,
        mean_group_size=float(mean_size),
        msb=msb,
        msw=msw,
        f=float(f_stat),
        p=p_value,
    )


def rwg_j(data: pd.DataFrame, group: Any, n_options: int) -> RwgResult:
    """Within-group agreement rwg(j) for a multi-item scale, per group.

    Parameters
    ----------
    data : DataFrame
        Respondents in rows, the scale's items in columns, missing answers NaN.
    group : array_like, Series or GroupCodes
        Group label per respondent (same length, matched by position); see
        :func:`group_codes`.
    n_options : int
        Number of response options A of the items (e.g. 5 for a five-point scale); a
        whole float such as 5.0 is accepted.

    Returns
    -------
    RwgResult
        Groups with a single complete respondent get NaN and are left out of the mean and
        median.

    Raises
    ------
    ValueError
        If `data` is not numeric, `group` has another length or `n_options` < 2.

    Notes
    -----
    Rows with any missing item or group are dropped first (listwise, as multilevel does).
    For a group with :math:`n_g \\ge 2` respondents and *J* items, let
    :math:`\\bar s^2` be the mean over items of the within-group variances (divisor
    :math:`n_g - 1`) truncated at the uniform null variance
    :math:`\\sigma^2_{EU} = (A^2 - 1)/12`; then

    .. math:: r_{wg(j)} = \\frac{J(1 - \\bar s^2/\\sigma^2_{EU})}
                              {J(1 - \\bar s^2/\\sigma^2_{EU}) + \\bar s^2/\\sigma^2_{EU}},

    which lies in [0, 1]. Matches ``multilevel::rwg.j(x, grpid, ranvar = (A^2 - 1)/12)``.

    References
    ----------
    James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. Journal of Applied Psychology, 69, 85-98.
    Bliese, P. D. multilevel: ``rwg.j``.
    """
    frame = as_numeric_frame(data)
    whole = isinstance(n_options, numbers.Real) and not isinstance(n_options, bool)
    whole = whole and float(n_options).is_integer()
    if not whole or n_options < 2:
        raise ValueError(f"n_options must be a whole number of at least 2, got {n_options!r}")
    n_options = int(n_options)
    n_items = frame.shape[1]
    if n_items == 0:
        raise ValueError("data has no item columns")
    codes, uniques = _group_codes(group, len(frame))
    values = np.asfortranarray(frame.to_numpy())  # column sums below: contiguous columns
    keep = (codes >= 0) & ~np.isnan(values).any(axis=1)
    if not keep.all():
        codes = codes[keep]
        kept = np.empty((int(keep.sum()), n_items), order="F")
        for j in range(n_items):
            kept[:, j] = values[:, j][keep]
        values = kept
    present, codes, counts = _renumber(codes, len(uniques))
    labels = uniques[present]
    n_groups = present.size
    ranvar = (n_options**2 - 1) / 12.0

    sizes = counts.astype("float64")
    variance_sum = np.zeros(n_groups)
    if values.size:
        centred = np.asfortranarray(values - values.mean(axis=0))
        for j in range(n_items):
            column = centred[:, j]
            means = np.bincount(codes, weights=column, minlength=n_groups) / sizes
            deviation = column - means[codes]
            variance_sum += np.bincount(codes, weights=deviation**2, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_var = variance_sum / (sizes - 1.0) / n_items
        ratio = np.minimum(mean_var, ranvar) / ranvar
        rwg = n_items * (1.0 - ratio) / (n_items * (1.0 - ratio) + ratio)
    rwg = np.where(sizes > 1, rwg, np.nan)

    index = pd.Index(labels, name="group")
    per_group = pd.Series(rwg, index=index, name="rwg_j")
    valid = rwg[~np.isnan(rwg)]
    return RwgResult(
        per_group=per_group,
        mean=float(valid.mean()) if valid.size else _NAN,
        median=float(np.median(valid)) if valid.size else _NAN,
        group_size=pd.Series(sizes.astype("int64"), index=index, name="group_size"),
    )
