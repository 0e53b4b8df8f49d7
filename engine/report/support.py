"""Helpers shared by the report stages (:mod:`engine.report.stages`,
:mod:`engine.report.factors`): lazy statistics, failures turned into notes, column checks.

Each statistic is imported when first called (:func:`lazy`) and run through :func:`attempt`,
which turns a failure on degenerate data into a null with a hint in
:class:`engine.report.jsonable.Notes` instead of sinking the whole report.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd

from engine.report.jsonable import Notes

__all__ = [
    "STAT_ERRORS",
    "attempt",
    "column_mean_sd",
    "known_columns",
    "lazy",
    "loadings_by_row",
    "omega_of",
    "sub_matrix",
    "unanswered_columns",
    "usable_columns",
]

# Failures of a statistic on degenerate data (singular matrices, no convergence) become a
# null with a note instead of sinking the whole report; bad arguments are checked up front.
# ImportError: a statistic whose module is not installed is reported as null, with the reason.
STAT_ERRORS = (ValueError, ArithmeticError, np.linalg.LinAlgError, ImportError)


def lazy(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported when first called (an ImportError then becomes a note)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        import importlib

        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    return call


def attempt(compute: Callable[[], Any], paths: str | Sequence[str], notes: Notes) -> Any:
    """``compute()``, or None with the reason as a hint for `paths` when it fails.

    A RuntimeWarning (e.g. the square root of a negative variance in a Heywood case) is not
    printed: it becomes the hint for `paths`, explaining the nulls it leads to. Other
    warnings pass through.
    """
    keys = [paths] if isinstance(paths, str) else list(paths)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        try:
            result = compute()
        except STAT_ERRORS as exc:
            for key in keys:
                notes.add(key, f"not computed ({exc})")
            return None
    problems = sorted({str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)})
    for key in keys if problems else ():
        notes.add(key, "numerical problem (" + "; ".join(problems) + ")")
    for w in caught:
        if not issubclass(w.category, RuntimeWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result


#: {column: (lowest, highest answer)} of the report's answers, while one report is computed
#: (:func:`known_columns`): every stage asks which columns vary or are empty, and each answer
#: was a pass over all rows (0.045 s per pass at a million rows x 40, 14 passes)
_EXTREMES: ContextVar[Mapping[Any, tuple[float, float]] | None] = ContextVar(
    "extremes", default=None
)


@contextmanager
def known_columns(extremes: Mapping[Any, tuple[float, float]]) -> Iterator[None]:
    """Within the block, :func:`usable_columns` and :func:`unanswered_columns` answer from
    `extremes` (each column's lowest and highest answer over all respondents, NaN when it
    has none) for frames whose columns it names. Valid for any frame holding all
    respondents' answers to those columns, reverse-keyed or not (reversal keeps a column
    varying or empty); a frame of some respondents only must not be asked inside it."""
    token = _EXTREMES.set(extremes)
    try:
        yield
    finally:
        _EXTREMES.reset(token)


def _extremes(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    known = _EXTREMES.get()
    if known is not None and all(c in known for c in frame.columns):
        pairs = np.array([known[c] for c in frame.columns], dtype=float).reshape(-1, 2)
        return pairs[:, 0], pairs[:, 1]
    values = frame.to_numpy(dtype=float)
    if values.shape[0] == 0:
        empty = np.full(values.shape[1], np.nan)
        return empty, empty
    return np.fmin.reduce(values, axis=0), np.fmax.reduce(values, axis=0)


def usable_columns(frame: pd.DataFrame) -> list[str]:
    """Columns with at least two different answers (fmin/fmax skip NaN without warnings)."""
    low, high = _extremes(frame)
    varies = high > low
    return [c for c, ok in zip(frame.columns, varies, strict=True) if ok]


def unanswered_columns(frame: pd.DataFrame) -> list[str]:
    """Columns without a single answer (all NaN): fmax skips NaN, so it is NaN only for a
    column without any number (no boolean copy of a million rows)."""
    if _EXTREMES.get() is not None:
        _, high = _extremes(frame)
        return [c for c, none in zip(frame.columns, np.isnan(high), strict=True) if none]
    values = frame.to_numpy(dtype=float)
    if values.shape[0] == 0:
        return list(frame.columns)
    empty = np.isnan(np.fmax.reduce(values, axis=0))
    return [c for c, none in zip(frame.columns, empty, strict=True) if none]


def column_mean_sd(frame: pd.DataFrame) -> tuple[list[float | None], list[float | None]]:
    """Per column: mean of the answers (None without any), SD with n - 1 (None below two)."""
    values = frame.to_numpy(dtype=float)
    answered = ~np.isnan(values)
    n = answered.sum(axis=0)
    filled = np.where(answered, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=0) / n
        dev = np.where(answered, values - mean, 0.0)
        sd = np.sqrt((dev**2).sum(axis=0) / (n - 1))
    means = [float(m) if k >= 1 else None for m, k in zip(mean, n, strict=True)]
    sds = [float(v) if k >= 2 else None for v, k in zip(sd, n, strict=True)]
    return means, sds


def loadings_by_row(table: Any) -> dict[str, dict[str, Any]]:
    """Loadings as {item: {factor: loading}}; accepts a DataFrame (items x factors)."""
    if isinstance(table, Mapping):
        return {str(k): {str(f): v for f, v in dict(row).items()} for k, row in table.items()}
    frame = pd.DataFrame(table)
    return {
        str(item): {str(factor): frame.at[item, factor] for factor in frame.columns}
        for item in frame.index
    }


def sub_matrix(corr: pd.DataFrame | None, items: Sequence[str]) -> pd.DataFrame | None:
    """The rows and columns `items` of `corr`; None without `corr` or when one is missing."""
    if corr is None or not all(item in corr.index for item in items):
        return None
    return corr.loc[list(items), list(items)]


def omega_of(data: pd.DataFrame, n_factors: int, corr: pd.DataFrame | None = None) -> Any:
    """``engine.psychometrics.omega.omega`` of `data`, imported when first called."""
    return lazy("engine.psychometrics.omega", "omega")(data, n_factors, corr=corr)
