"""engine.comparisons: Welch, Hedges' g, Holm; degenerate input; bad input.

R's numbers on real and simulated data are checked end to end in test_compare_cli.py; here
the functions alone, against the same fixture where R gives the number.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.comparisons import (
    change_words,
    group_gaps,
    holm,
    unit_changes,
    wave_change,
    welch,
)

REF = json.loads(
    (Path(__file__).resolve().parent.parent / "reference" / "compare_groups.json").read_text()
)
GROUP_CASES = [c for c in REF["cases"] if c["command"] == "groups"]


@pytest.mark.parametrize("case", GROUP_CASES, ids=lambda c: "-".join(c["args"][2:4]))
def test_holm_equals_p_adjust(case):
    for scale in case["scales"].values():
        groups = scale["groups"].values()
        adjusted = holm([g["p"] for g in groups])
        for got, g in zip(adjusted, groups, strict=True):
            assert math.isclose(got, g["p_holm"], rel_tol=1e-12)


def test_holm_leaves_none_out_of_m():
    assert holm([0.01, None, 0.04, 0.03]) == pytest.approx([0.03, None, 0.06, 0.06])
    assert holm([]) == []
    # p.adjust(c(0.01, 0.04), "holm", n = 4) is 0.04, 0.12
    assert holm([0.01, 0.04], m=4) == pytest.approx([0.04, 0.12])
    with pytest.raises(ValueError, match="m must be an integer"):
        holm([0.01, 0.04], m=1)
    with pytest.raises(ValueError, match="p must hold values in"):
        holm([0.2, 1.5])


def test_welch_and_hedges_g_by_hand():
    a, b = [1.0, 2.0, 3.0, 4.0, 5.5], [2.0, 3.0, 3.0, 4.0, 6.0, 7.0, 8.0]
    r = welch(a, b)
    va, vb = np.var(a, ddof=1) / 5, np.var(b, ddof=1) / 7
    assert r.se == pytest.approx(math.sqrt(va + vb), rel=1e-12)
    assert r.df == pytest.approx((va + vb) ** 2 / (va**2 / 4 + vb**2 / 6), rel=1e-12)
    sp = math.sqrt((4 * np.var(a, ddof=1) + 6 * np.var(b, ddof=1)) / 10)
    j = 1 - 3 / (4 * 12 - 9)
    assert r.g == pytest.approx(j * (np.mean(a) - np.mean(b)) / sp, rel=1e-12)
    assert r.excludes_zero is False


def test_a_sample_of_one_gives_none_with_a_note():
    r = welch([3.0], [1.0, 2.0, 4.0])
    assert r.difference == pytest.approx(2 / 3)
    assert (r.se, r.df, r.p, r.ci, r.g) == (None, None, None, (None, None), None)
    assert "fewer than 2 scores in the first sample" in r.notes[0]
    assert r.excludes_zero is None


def test_no_variation_gives_none_with_a_note():
    r = welch([3.0, 3.0, 3.0], [4.0, 4.0])
    assert r.difference == -1.0
    assert r.se is None and r.p is None and r.g is None
    assert any("no standard error" in n for n in r.notes)
    one = welch([3.0, 3.0, 3.0], [4.0, 5.0, 3.0])  # one constant sample: R's t.test runs
    assert one.p is not None and one.g is not None


def test_nan_is_left_out():
    assert welch([1, 2, np.nan, 3], [2, 3, 4]).first.n == 3


def test_groups_sort_numerically_and_missing_labels_are_in_every_rest():
    scores = np.arange(12, dtype=float)
    labels = ["10", "9", "10", "9", "10", "9", None, "", "10", "9", "2", "2"]
    gaps = group_gaps(scores, labels)
    assert list(gaps) == ["2", "9", "10"]
    assert gaps["9"].welch.first.n == 4 and gaps["9"].welch.second.n == 8  # 10s, 2s, None, ""
    only = group_gaps(scores, labels, include={"9"})
    # Holm still counts the column's three groups: leaving two out lowers nothing
    assert list(only) == ["9"] and only["9"].p_holm == pytest.approx(min(1, 3 * only["9"].welch.p))


def test_wave_change_is_later_minus_earlier():
    change = wave_change([1.0, 2.0, 1.5, 1.0], [4.0, 4.5, 5.0, 4.0])
    assert change.welch.difference == pytest.approx(3.0)
    assert change.words == "higher than in the earlier wave"
    assert change.as_dict()["from"]["mean"] == pytest.approx(1.375)
    flat = wave_change([1.0, 5.0, 3.0], [2.0, 4.0, 3.5])
    assert change_words(flat.welch) == "not distinguishable from no change"


def test_unit_changes_per_unit():
    scores = pd.Series([1.0, 2.0, 4.0, 5.0, 1.0, 1.5, 2.0, 2.5])
    wave = ["a", "a", "b", "b", "a", "a", "b", "b"]
    unit = ["u", "u", "u", "u", "v", "v", "v", "v"]
    out = unit_changes(scores, wave, unit, "a", "b")
    assert out["u"].welch.difference == pytest.approx(3.0)
    assert out["v"].welch.difference == pytest.approx(1.0)
    assert list(unit_changes(scores, wave, unit, "a", "b", include={"v"})) == ["v"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: welch([1, 2], [3, 4], confidence=1), "confidence must be in"),
        (lambda: welch([1, 2], [3, 4], confidence=True), "confidence must be a number"),
        (lambda: welch([[1, 2]], [3, 4]), "first must be one-dimensional"),
        (lambda: welch([1, np.inf], [3, 4]), "first holds an infinite value"),
        (lambda: welch(["a", "b"], [3, 4]), "first must be numeric"),
        (lambda: group_gaps([1, 2, 3], ["a", "b"]), "group has 2 labels for 3 scores"),
        (lambda: group_gaps([1, 2], ["a", "b"], include={"c"}), "include names groups"),
        (lambda: unit_changes([1, 2], ["a", "b"], ["u", "u"], "a", "a"), "two different"),
        (lambda: unit_changes([1, 2], ["a", "b"], ["u"], "a", "b"), "same length"),
    ],
)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_holm_counts_the_withheld_groups_of_the_column():
    scores = [1, 1.2, 0.9, 1.1, 5, 5.2, 4.9, 5.1, 3, 3.1, 2.9, 3.0]
    labels = ["a"] * 4 + ["b"] * 4 + ["c"] * 4
    alone = group_gaps(scores, labels, include={"a"})["a"]
    assert alone.welch.p < 0.01
    assert alone.p_holm == pytest.approx(3 * alone.welch.p, rel=1e-12)
    assert group_gaps(scores, labels)["a"].p_holm <= alone.p_holm  # withheld: counted as larger
