"""engine.psychometrics.polychoric and ordinal alpha against psych::polychoric
(tests/reference/polychoric.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.psychometrics.polychoric import polychoric
from engine.psychometrics.polychoric_likelihood import bvn_cdf as _bvn_cdf
from engine.psychometrics.reliability import ordinal_alpha
from tests.engine.conftest import case_id, load_dataset, load_reference

CASES = load_reference("polychoric")["cases"]
# psych's optimize() stops at ~1e-4 and mnormt::sadmvn is accurate to 1e-6; reached ~2e-5
TOL = 1e-3


def _case_id(case):
    return f"{case_id(case)}:{case['rows']}"


def _case_data(case) -> pd.DataFrame:
    """The rows and recodes the R script used (see the header of polychoric.R)."""
    data = load_dataset(case["dataset"])
    rows = case["rows"]
    if rows == "A2 < 6":
        data = data[data["A2"] < 6]
    elif rows != "all":
        first, last = (int(v) for v in rows.split(":"))
        data = data.iloc[first - 1 : last]
    data = data[case["items"]].astype("float64")
    if case["recode"] == "A2: 6 -> 5":
        data.loc[data["A2"] == 6, "A2"] = 5.0
    else:
        assert case["recode"] == "none", f"unknown recode {case['recode']}"
    for item in case["reverse"]:
        data[item] = case["low"] + case["high"] - data[item]
    return data


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_polychoric_matches_psych(case):
    result = polychoric(_case_data(case))
    np.testing.assert_allclose(result.rho.to_numpy(), np.array(case["rho"]), atol=TOL)
    expected_tau = np.array([[float(v) for v in row] for row in case["tau"]])
    np.testing.assert_allclose(result.tau.to_numpy(), expected_tau, atol=1e-9)
    warnings = " ".join(case["warnings"])
    assert result.smoothed == ("smoothing was done" in warnings)
    assert result.global_thresholds == ("global set to FALSE" not in warnings)
    corrected = [w for w in case["warnings"] if "correction for continuity" in w]
    assert result.n_corrected == (int(corrected[0].split()[0]) if corrected else 0)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_ordinal_alpha_matches_psych(case):
    assert ordinal_alpha(_case_data(case)) == pytest.approx(case["ordinal_alpha"], abs=TOL)


def test_reference_covers_the_branches():
    warnings = " ".join(w for case in CASES for w in case["warnings"])
    assert "smoothing was done" in warnings
    assert "global set to FALSE" in warnings
    assert "correction for continuity" in warnings


def test_bvn_cdf_against_scipy():
    from scipy.stats import multivariate_normal

    rng = np.random.default_rng(3)
    for _ in range(8):
        h, k = rng.normal(size=2) * 1.5
        r = rng.uniform(-0.95, 0.95)
        expected = multivariate_normal(cov=[[1, r], [r, 1]]).cdf([h, k])
        assert _bvn_cdf(np.array(h), np.array(k), np.array(r)) == pytest.approx(expected, abs=1e-5)
    # zeros and infinite limits
    assert _bvn_cdf(np.array(0.0), np.array(0.0), np.array(0.5)) == pytest.approx(
        0.25 + np.arcsin(0.5) / (2 * np.pi), abs=1e-10
    )
    edges = _bvn_cdf(np.array([np.inf, -np.inf, 0.3]), np.array([0.3, 1.0, np.inf]), 0.4)
    np.testing.assert_allclose(edges, [0.6179114222, 0.0, 0.6179114222], atol=1e-9)


def test_constant_item_gets_nan_and_alpha_nan():
    data = pd.DataFrame({"a": [1.0, 2, 3, 2, 1, 3], "b": [2.0, 2, 3, 3, 1, 3], "c": [4.0] * 6})
    result = polychoric(data)
    assert np.isnan(result.rho.loc["c"]).all()
    assert np.isfinite(result.rho.loc["a", "b"])
    assert np.isnan(ordinal_alpha(data))
    assert np.isnan(ordinal_alpha(data[["a"]]))


def test_invalid_input():
    with pytest.raises(ValueError, match="categories"):
        polychoric(pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0)}))
    with pytest.raises(ValueError, match="integer"):
        polychoric(pd.DataFrame({"a": [1.5, 2.0], "b": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="correct"):
        polychoric(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 2.0]}), correct=-1)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(-0.8, 0.8))
def test_polychoric_recovers_latent_correlation(seed, r):
    """Discretised bivariate normal data give back the latent correlation, symmetrically."""
    rng = np.random.default_rng(seed)
    latent = rng.multivariate_normal([0, 0], [[1, r], [r, 1]], size=4000)
    cuts = [-1.0, -0.2, 0.5, 1.3]
    data = pd.DataFrame(np.digitize(latent, cuts) + 1.0, columns=["a", "b"])
    result = polychoric(data)
    assert result.rho.loc["a", "b"] == pytest.approx(r, abs=0.08)
    assert result.rho.loc["a", "b"] == result.rho.loc["b", "a"]
    swapped = polychoric(data[["b", "a"]])
    assert swapped.rho.loc["a", "b"] == pytest.approx(result.rho.loc["a", "b"], abs=1e-6)


def test_pattern_and_pairwise_tables_agree():
    """Tables from the answer-pattern histogram equal those of one bincount per pair (the
    route for scales with too many patterns), and both equal a direct count."""
    from engine.psychometrics.polychoric_tables import pair_tables as _pair_tables
    from engine.psychometrics.polychoric_tables import pattern_counts as _pattern_counts
    from engine.psychometrics.polychoric_tables import tabulate as _tabulate

    rng = np.random.default_rng(3)
    size = 4
    index = rng.integers(0, size + 1, (500, 5))  # code `size` = missing
    first, second = np.triu_indices(5, k=1)
    patterns = _pattern_counts(index, size + 1)
    via_patterns = _pair_tables(index, first, second, size, patterns)
    via_pairs = _pair_tables(index, first, second, size)
    np.testing.assert_array_equal(via_patterns, via_pairs)
    for k, (i, j) in enumerate(zip(first, second, strict=True)):
        direct = np.zeros((size, size))
        for a, b in zip(index[:, i], index[:, j], strict=True):
            if a < size and b < size:
                direct[a, b] += 1
        np.testing.assert_array_equal(via_pairs[k], direct)
    np.testing.assert_array_equal(_tabulate(index, size + 1, patterns), _tabulate(index, size + 1))
    assert _pattern_counts(rng.integers(0, 9, (10, 7)), 9) is None  # 9^7 patterns: pairwise


def test_wide_scale_takes_the_pairwise_route_with_the_same_result():
    from engine.psychometrics import polychoric as module

    rng = np.random.default_rng(4)
    latent = rng.standard_normal((400, 1)) + rng.standard_normal((400, 7))
    answers = np.digitize(latent, [-1.0, 0.0, 1.0]) + 1.0
    answers[rng.random(answers.shape) < 0.05] = np.nan
    x = pd.DataFrame(answers)
    a = module.polychoric(x)
    old = module._MAX_PATTERNS
    module._MAX_PATTERNS = 1
    try:
        b = module.polychoric(x)
    finally:
        module._MAX_PATTERNS = old
    np.testing.assert_array_equal(a.rho.to_numpy(), b.rho.to_numpy())


def test_polychoric_many_equals_one_at_a_time():
    """Batched searches (one per table size) give exactly the single-frame results, and a
    frame that fails does not sink the others."""
    from engine.psychometrics.polychoric import polychoric_many
    from engine.psychometrics.reliability import ordinal_alphas

    rng = np.random.default_rng(5)
    latent = rng.standard_normal((300, 1)) + rng.standard_normal((300, 4))
    five = pd.DataFrame(np.digitize(latent, [-1.5, -0.5, 0.5, 1.5]) + 1.0)
    three = pd.DataFrame(np.digitize(latent[:, :3], [-0.5, 0.5]) + 1.0)
    uneven = five.copy()
    uneven[0] = np.minimum(uneven[0], 4.0)  # unequal categories: per-pair thresholds
    bad = five + 0.5
    frames = [five, three, uneven, bad, five.iloc[:, :1]]
    many = polychoric_many(frames, return_exceptions=True)
    for frame, res in zip(frames, many, strict=True):
        if frame is bad:
            assert isinstance(res, ValueError)
            continue
        single = polychoric(frame)
        np.testing.assert_array_equal(res.rho.to_numpy(), single.rho.to_numpy())
        assert res.global_thresholds == single.global_thresholds
    with pytest.raises(ValueError, match="integer"):
        polychoric_many(frames)
    alphas = ordinal_alphas(frames)
    assert alphas[0] == ordinal_alpha(five) and alphas[2] == ordinal_alpha(uneven)
    assert isinstance(alphas[3], ValueError) and np.isnan(alphas[4])
