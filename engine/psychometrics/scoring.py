"""Scoring: reverse keying, scale scores and favourable shares.

All functions take answers coded as numbers on a response scale ``low..high``; a missing or
"not applicable" answer is NaN and is never counted as an answer.
"""

from __future__ import annotations

import numbers
from collections.abc import Collection
from typing import Any, TypeVar

import numpy as np
import pandas as pd

__all__ = [
    "as_number",
    "as_numeric_frame",
    "favourable_share",
    "mean_of_answered",
    "reverse_code",
    "score_scale",
]

_T = TypeVar("_T", np.ndarray, pd.DataFrame, pd.Series)

#: Rows per block of :func:`mean_of_answered` (bounded temporaries for a million rows).
_ROWS = 65_536


def as_numeric_frame(data: Any, name: str = "data") -> pd.DataFrame:
    """Return `data` as a float DataFrame, or raise ValueError naming `name`.

    Parameters
    ----------
    data : DataFrame or array_like
        Respondents in rows, items in columns; missing answers are NaN (or None/pd.NA).
    name : str
        Argument name used in the error message.

    Returns
    -------
    DataFrame
        A float64 copy with the same columns (``0..p-1`` for arrays).
    """
    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        array = np.asarray(data)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise ValueError(f"{name} must be two-dimensional, got {array.ndim} dimensions")
        frame = pd.DataFrame(array)
    bad = [col for col in frame.columns if not _is_numeric(frame[col])]
    if bad:
        raise ValueError(f"{name} has non-numeric column(s): {', '.join(map(str, bad))}")
    try:
        return frame.astype("float64")
    except (TypeError, ValueError) as exc:  # e.g. pd.NA in an object column
        raise ValueError(f"{name} could not be converted to numbers: {exc}") from exc


def _is_numeric(column: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(column.dtype):
        return False
    if pd.api.types.is_numeric_dtype(column.dtype):
        return True
    # object columns holding only numbers / missing values (e.g. after pd.NA)
    values = column.dropna()
    return all(isinstance(v, int | float | np.integer | np.floating) for v in values)


def as_number(value: Any, name: str) -> float:
    """`value` as a float, or raise ValueError naming `name` (a bool or text is not a number)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return float(value)


def _check_range(low: float, high: float) -> None:
    low, high = as_number(low, "low"), as_number(high, "high")
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"low and high must be finite, got low={low}, high={high}")
    if not low < high:
        raise ValueError(f"low must be smaller than high, got low={low}, high={high}")


def reverse_code(values: _T, low: float, high: float) -> _T:
    """Reverse-key answers on a ``low..high`` response scale.

    Parameters
    ----------
    values : ndarray, Series or DataFrame
        Numeric answers; NaN stays NaN.
    low, high : float
        Lowest and highest point of the response scale (not the observed range).

    Returns
    -------
    Same type as `values`
        ``low + high - values``.

    Notes
    -----
    :math:`x' = \\text{low} + \\text{high} - x`, as ``psych::reverse.code(keys, x, mini, maxi)``
    (and ``psych::alpha(keys=)``, which uses the observed minimum and maximum instead).
    Reversing twice gives the original answers.

    References
    ----------
    Revelle, W. psych: Procedures for Psychological, Psychometric, and Personality
    Research. R package, ``reverse.code``.
    """
    _check_range(low, high)
    try:
        if isinstance(values, pd.DataFrame | pd.Series):
            numeric = values.astype("float64")
        else:
            numeric = np.asarray(values, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"values must be numeric: {exc}") from exc
    return (low + high) - numeric


def score_scale(
    data: pd.DataFrame,
    reverse: Collection[str] | str = (),
    low: float | None = None,
    high: float | None = None,
    min_share: float = 2 / 3,
) -> pd.Series:
    """Scale score per respondent: the mean of the answered items.

    Parameters
    ----------
    data : DataFrame
        Respondents in rows, the scale's items in columns, missing answers NaN.
    reverse : collection of str, or str
        Columns to reverse-key (``low + high - x``) before averaging; a single string is
        one column's name.
    low, high : float, optional
        Response scale; required when `reverse` is not empty.
    min_share : float
        Minimum share of the scale's items a respondent must have answered, in (0, 1];
        below it the score is NaN. Default 2/3.

    Returns
    -------
    Series
        Scores indexed like `data`, named ``"score"``.

    Notes
    -----
    :math:`s_i = \\frac{1}{|A_i|} \\sum_{j \\in A_i} x_{ij}` where :math:`A_i` is the set of
    items respondent *i* answered, provided :math:`|A_i| / p \\ge` `min_share`; this is
    ``rowMeans(x, na.rm = TRUE)`` (the ``scores`` of ``psych::alpha``) with a minimum.

    References
    ----------
    Revelle, W. psych, ``scoreItems`` / ``alpha`` (``cumulative = FALSE``).
    """
    frame = as_numeric_frame(data)
    if not 0 < as_number(min_share, "min_share") <= 1:
        raise ValueError(f"min_share must be in (0, 1], got {min_share}")
    reverse = [reverse] if isinstance(reverse, str) else list(reverse)  # one item's name
    unknown = [item for item in reverse if item not in frame.columns]
    if unknown:
        raise ValueError(f"reverse names unknown column(s): {', '.join(map(str, unknown))}")
    if reverse:
        if low is None or high is None:
            raise ValueError("low and high are required to reverse-key items")
        frame[reverse] = reverse_code(frame[reverse], low, high)
    values = frame.to_numpy()
    if values.shape[1] == 0:
        raise ValueError("data has no item columns")
    return pd.Series(mean_of_answered(values, min_share), index=frame.index, name="score")


def mean_of_answered(values: np.ndarray, min_share: float = 2 / 3) -> np.ndarray:
    """The arithmetic of :func:`score_scale` on a float array (n, p) already reverse-keyed,
    without validation or copies (for callers that validated once, as ``engine.report.pipeline``):
    the row mean of the non-NaN entries, NaN below `min_share` answered."""
    rows, n_items = values.shape
    out = np.empty(rows)
    needed = min_share * n_items - 1e-9
    with np.errstate(invalid="ignore", divide="ignore"):
        for start in range(0, rows, _ROWS):  # small temporaries, reused block after block
            block = values[start : start + _ROWS]
            answered = ~np.isnan(block)
            count = answered.sum(axis=1)
            total = np.where(answered, block, 0.0).sum(axis=1)
            enough = (count >= needed) & (count > 0)
            out[start : start + _ROWS] = np.where(enough, total / count, np.nan)
    return out


def favourable_share(values: Any, high: float, top: int = 2) -> float:
    """Share of the non-missing answers in the top `top` points of the response scale.

    Parameters
    ----------
    values : array_like, Series or DataFrame
        Answers (all cells are pooled); NaN is not an answer.
    high : float
        Highest point of the response scale.
    top : int
        Number of top points counted as favourable (default 2: "agree" and "fully agree"
        on a five-point scale).

    Returns
    -------
    float
        :math:`\\#\\{x \\ge \\text{high} - \\text{top} + 1\\} / \\#\\{x \\text{ answered}\\}`;
        NaN when nothing was answered.
    """
    if not isinstance(top, int | np.integer) or isinstance(top, bool) or top < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}")
    if not np.isfinite(as_number(high, "high")):
        raise ValueError(f"high must be finite, got {high}")
    if isinstance(values, pd.DataFrame):
        array = as_numeric_frame(values, "values").to_numpy().ravel()
    else:
        try:
            array = np.asarray(values, dtype="float64").ravel()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"values must be numeric: {exc}") from exc
    answered = array[~np.isnan(array)]
    if answered.size == 0:
        return float("nan")
    return float(np.count_nonzero(answered >= high - top + 1) / answered.size)
