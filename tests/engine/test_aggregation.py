"""engine.psychometrics.aggregation against multilevel::ICC1/ICC2/rwg.j
(tests/reference/aggregation.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.psychometrics.aggregation import icc, rwg_j
from engine.psychometrics.scoring import score_scale
from tests.engine.conftest import case_id, keyed_items, load_dataset, load_reference

REFERENCE = load_reference("aggregation")
TOL = 1e-3  # contract tolerance for ICC vs R; reached: ~1e-12


def _scores(case):
    if case["items"]:
        return score_scale(keyed_items(case))
    return load_dataset(case["dataset"])[case["scale"]]


@pytest.mark.parametrize("case", REFERENCE["icc"], ids=case_id)
def test_icc_matches_multilevel(case):
    group = load_dataset(case["dataset"])[case["group"]]
    result = icc(_scores(case), group)
    assert result.icc1 == pytest.approx(case["icc1"], abs=TOL)
    assert result.icc2 == pytest.approx(case["icc2"], abs=TOL)
    assert result.n_groups == case["n_groups"]
    assert result.n == case["n"]
    assert result.msb == pytest.approx(case["msb"], rel=1e-6)
    assert result.msw == pytest.approx(case["msw"], rel=1e-6)
    assert result.f == pytest.approx(case["f"], rel=1e-6)
    assert result.p == pytest.approx(case["p"], rel=1e-4, abs=1e-300)


@pytest.mark.parametrize("case", REFERENCE["rwg_j"], ids=case_id)
def test_rwg_j_matches_multilevel(case):
    group = load_dataset(case["dataset"])[case["group"]]
    result = rwg_j(keyed_items(case), group, n_options=case["n_options"])
    assert [float(g) for g in result.per_group.index] == [float(g) for g in case["groups"]]
    expected = np.array([np.nan if v is None else v for v in case["rwg_j"]], dtype=float)
    np.testing.assert_allclose(result.per_group.to_numpy(), expected, atol=TOL)
    np.testing.assert_array_equal(result.group_size.to_numpy(), case["group_size"])
    assert result.mean == pytest.approx(case["mean"], abs=TOL)
    assert result.median == pytest.approx(case["median"], abs=TOL)


def test_reference_covers_singletons_and_truncation():
    """The fixtures exercise the edge cases: groups of one and rwg truncated at 0."""
    values = [v for case in REFERENCE["rwg_j"] for v in case["rwg_j"]]
    assert None in values
    assert 0 in values


def test_icc_invalid_input():
    with pytest.raises(ValueError, match="group has 2 values"):
        icc([1.0, 2.0, 3.0], ["a", "b"])
    with pytest.raises(ValueError, match="at least two groups"):
        icc([1.0, 2.0, 3.0], ["a", "a", "a"])
    with pytest.raises(ValueError, match="scores must be numeric"):
        icc(["x", "y"], ["a", "b"])


def test_icc_degenerate_gives_nan():
    # every group has one respondent: no within-group variance
    result = icc([1.0, 2.0, 3.0], ["a", "b", "c"])
    assert np.isnan(result.icc1) and np.isnan(result.icc2)
    # only one group keeps a score
    result = icc([1.0, 2.0, np.nan], ["a", "a", "b"])
    assert result.n_groups == 1 and np.isnan(result.icc1)


def test_rwg_j_invalid_input():
    data = pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 2.0]})
    with pytest.raises(ValueError, match="n_options"):
        rwg_j(data, ["g", "g"], n_options=1)
    with pytest.raises(ValueError, match="n_options"):
        rwg_j(data, ["g", "g"], n_options=4.5)
    for wrong in ("5", None, True, float("inf")):
        with pytest.raises(ValueError, match="n_options"):
            rwg_j(data, ["g", "g"], n_options=wrong)
    assert rwg_j(data, ["g", "g"], n_options=5.0).per_group["g"] == pytest.approx(
        rwg_j(data, ["g", "g"], n_options=5).per_group["g"]
    )
    with pytest.raises(ValueError, match="group has 3 values"):
        rwg_j(data, ["g", "g", "h"], n_options=5)


def test_rwg_j_perfect_agreement_is_one_and_missing_rows_are_dropped():
    data = pd.DataFrame({"a": [4.0, 4.0, 2.0, 1.0, np.nan], "b": [3.0, 3.0, 5.0, 1.0, 1.0]})
    result = rwg_j(data, ["x", "x", "y", "y", "y"], n_options=5)
    assert result.per_group["x"] == 1.0
    assert result.per_group["y"] == 0.0  # variance above the uniform null: truncated
    assert list(result.group_size) == [2, 2]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 30), st.floats(0, 3))
def test_icc_matches_direct_anova(seed, n_groups, spread):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 8, size=n_groups)
    group = np.repeat(np.arange(n_groups), sizes)
    scores = rng.normal(size=n_groups)[group] * spread + rng.normal(size=group.size)
    result = icc(scores, group)
    if group.size <= n_groups:
        assert np.isnan(result.icc1)
        return
    # textbook one-way ANOVA, group by group
    means = np.array([scores[group == g].mean() for g in range(n_groups)])
    ssb = sum(sizes[g] * (means[g] - scores.mean()) ** 2 for g in range(n_groups))
    ssw = sum(((scores[group == g] - means[g]) ** 2).sum() for g in range(n_groups))
    msb, msw = ssb / (n_groups - 1), ssw / (group.size - n_groups)
    k = group.size / n_groups
    assert result.icc1 == pytest.approx((msb - msw) / (msb + (k - 1) * msw), abs=1e-9)
    assert result.icc2 == pytest.approx((msb - msw) / msb, abs=1e-9)
    # relabelling and reordering the groups changes nothing
    order = rng.permutation(group.size)
    again = icc(scores[order], np.array([f"team-{g}" for g in group])[order])
    assert again.icc1 == pytest.approx(result.icc1, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_rwg_j_in_unit_interval(seed, n_items):
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(rng.integers(1, 6, size=(60, n_items)).astype(float))
    group = rng.integers(0, 12, size=60)
    result = rwg_j(data, group, n_options=5)
    valid = result.per_group.dropna()
    assert ((valid >= 0) & (valid <= 1)).all()
    assert result.group_size.sum() == 60


@pytest.mark.parametrize("dtype", ["float64", "int64", "int32"])
def test_integer_group_codes_give_what_labels_give(dtype):
    """Whole-number labels (the report's group codes, NaN = missing) take a linear route
    without factorize or sort; it must agree with any other labelling of the same groups."""
    rng = np.random.default_rng(8)
    n = 400
    codes = rng.choice([0, 2, 3, 7, 11], size=n)
    scores = rng.standard_normal(n) + codes * 0.1
    items = pd.DataFrame(rng.integers(1, 6, (n, 3)).astype(float))
    items.iloc[::13, 1] = np.nan
    numeric = codes.astype(dtype)
    if dtype == "float64":
        numeric[::29] = np.nan
    labels = np.array([f"team {c:02d}" for c in codes], dtype=object)
    if dtype == "float64":
        labels[::29] = None
    a, b = icc(scores, numeric), icc(scores, labels)
    assert a == b
    ra, rb = rwg_j(items, numeric, 5), rwg_j(items, labels, 5)
    np.testing.assert_array_equal(ra.per_group.to_numpy(), rb.per_group.to_numpy())
    np.testing.assert_array_equal(ra.group_size.to_numpy(), rb.group_size.to_numpy())
    assert list(ra.per_group.index) == sorted(set(codes.tolist()))
    assert (ra.mean, ra.median) == (rb.mean, rb.median)


def test_group_codes_once_for_several_scales():
    from engine.psychometrics.aggregation import GroupCodes, group_codes

    rng = np.random.default_rng(9)
    labels = pd.Series(rng.choice(["b", "a", "c", None], size=300))
    scores = rng.standard_normal(300)
    items = pd.DataFrame(rng.integers(1, 6, (300, 4)).astype(float))
    coded = group_codes(labels)
    assert isinstance(coded, GroupCodes) and list(coded.labels) == ["a", "b", "c"]
    assert icc(scores, coded) == icc(scores, labels)
    a, b = rwg_j(items, coded, 5), rwg_j(items, labels, 5)
    pd.testing.assert_series_equal(a.per_group, b.per_group)
    with pytest.raises(ValueError, match="300 values"):
        icc(scores[:10], coded)
