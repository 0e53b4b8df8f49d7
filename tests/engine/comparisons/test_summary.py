"""Welch from two cells' n, mean and SD against R's t.test on the samples behind them
(tests/reference/summary_welch.R writes tests/reference/summary_welch.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.comparisons.summary import welch_summary
from engine.comparisons.welch import Sample

CASES = json.loads(
    (Path(__file__).resolve().parents[2] / "reference" / "summary_welch.json").read_text()
)["cases"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"n{c['first']['n']}-{c['second']['n']}")
def test_matches_r_t_test(case):
    # R: t.test(x, y, var.equal = FALSE, conf.level = 0.95) on the samples
    first, second = (Sample(**case[side]) for side in ("first", "second"))
    result = welch_summary(first, second)
    for key in ("difference", "se", "df", "t", "p", "g"):
        assert getattr(result, key) == pytest.approx(case[key], rel=1e-9), key
    assert list(result.ci) == pytest.approx(case["ci"], rel=1e-9)


def test_small_samples_give_no_interval():
    result = welch_summary(Sample(1, 3.0, None), Sample(10, 3.5, 0.8))
    assert result.ci == (None, None) and result.excludes_zero is None and result.notes


@pytest.mark.parametrize(
    "first, confidence",
    [(Sample(-1, 3.0, 1.0), 0.95), (Sample(5, float("nan"), 1.0), 0.95), (Sample(5, 3.0, 1.0), 1)],
)
def test_bad_input_is_a_value_error(first, confidence):
    with pytest.raises(ValueError):
        welch_summary(first, Sample(5, 3.0, 1.0), confidence)
