"""JSON safety for the report: every null explained, no NaN, only plain Python types."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Notes", "sanitize"]


class Notes:
    """Reasons for nulls: stages leave hints by path; :func:`sanitize` emits the hint of
    every null it meets (the longest hinted prefix of its path), so a note is written only
    for a number that really is null, and every null gets one. Warnings (:meth:`warn`) on
    numbers that are given are always listed."""

    def __init__(self) -> None:
        self.hints: dict[str, str] = {}
        self.emitted: dict[str, str] = {}
        self.warnings: dict[str, str] = {}

    def add(self, path: str, reason: str) -> None:
        self.hints.setdefault(path, reason)

    def warn(self, path: str, text: str) -> None:
        """A note on a number that is given but must be read with care (a Heywood case, a
        small sample): always listed, after the reasons for nulls."""
        self.warnings.setdefault(path, text)

    def explain(self, path: str) -> None:
        prefix = path
        while prefix:
            if prefix in self.hints:
                self.emitted.setdefault(prefix, self.hints[prefix])
                return
            cut = max(prefix.rfind("."), prefix.rfind("["))
            prefix = prefix[:cut] if cut > 0 else ""
        self.emitted.setdefault(path, "not a finite number for these data")

    def as_list(self) -> list[str]:
        pairs = [*self.emitted.items(), *self.warnings.items()]
        return [f"{path}: {text}" for path, text in pairs]


def sanitize(value: Any, notes: Notes | None = None, path: str = "") -> Any:
    """Make `value` JSON-safe: NumPy scalars to Python, NaN/inf to None (with a note).

    Parameters
    ----------
    value : object
        Nested dicts, lists, tuples, arrays, NumPy and Python scalars.
    notes : optional
        Collector of reasons; every None, NaN or infinity is explained by the hint of its
        path (or its longest hinted prefix), or by a generic reason.
    path : str
        Dotted path of `value` within the report (used in notes).

    Returns
    -------
    object
        The same structure with only dict, list, str, int, float, bool and None.
    """
    if isinstance(value, Mapping):
        return {
            str(k): sanitize(v, notes, f"{path}.{k}" if path else str(k)) for k, v in value.items()
        }
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        return [sanitize(v, notes, f"{path}[{i}]") for i, v in enumerate(list(value))]
    if value is None or value is pd.NA or value is pd.NaT:
        if notes is not None:
            notes.explain(path)
        return None
    if isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isfinite(number):
            return number
        if notes is not None:
            notes.explain(path)
        return None
    raise TypeError(f"value at {path or 'top'} is not JSON-safe: {type(value).__name__}")
