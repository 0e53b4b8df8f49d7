"""engine.report.support: column checks answered once per report (known_columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.report.support import known_columns, unanswered_columns, usable_columns


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "varies": [1.0, 2.0, np.nan, 5.0],
            "constant": [3.0, np.nan, 3.0, 3.0],
            "empty": [np.nan] * 4,
        }
    )


def _extremes(frame: pd.DataFrame) -> dict[str, tuple[float, float]]:
    values = frame.to_numpy()
    low, high = np.fmin.reduce(values, axis=0), np.fmax.reduce(values, axis=0)
    return {c: (lo, hi) for c, lo, hi in zip(frame.columns, low, high, strict=True)}


def test_known_columns_answer_as_a_pass_over_the_rows_does() -> None:
    frame = _frame()
    plain = usable_columns(frame), unanswered_columns(frame)
    assert plain == (["varies"], ["empty"])
    with known_columns(_extremes(frame)):
        assert (usable_columns(frame), unanswered_columns(frame)) == plain
        reversed_ = 6.0 - frame  # reverse keying keeps a column varying, constant or empty
        assert (usable_columns(reversed_), unanswered_columns(reversed_)) == plain
        assert usable_columns(frame[["constant", "varies"]]) == ["varies"]


def test_known_columns_are_used_not_recomputed_and_forgotten_after() -> None:
    frame = _frame()
    claimed = {"varies": (1.0, 1.0), "constant": (1.0, 2.0), "empty": (0.0, 0.0)}
    with known_columns(claimed):  # what it is told wins: no pass over the rows
        assert usable_columns(frame) == ["constant"]
        assert unanswered_columns(frame) == []
        # a column it was not told about: computed from the rows
        other = frame.assign(new=[1.0, 2.0, 3.0, 4.0])
        assert usable_columns(other) == ["varies", "new"]
    assert usable_columns(frame) == ["varies"]
