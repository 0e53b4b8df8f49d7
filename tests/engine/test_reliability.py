"""engine.psychometrics.reliability.cronbach_alpha against psych::alpha
(tests/reference/reliability.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine.psychometrics.reliability import cronbach_alpha, pairwise_covariance
from tests.engine.conftest import case_id, keyed_items, load_reference

CASES = load_reference("reliability")["cases"]
TOL = 1e-3  # contract tolerance for alpha vs R; reached: ~1e-13


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_alpha_matches_psych(case):
    result = cronbach_alpha(keyed_items(case))
    assert result.alpha == pytest.approx(case["alpha"], abs=TOL)
    assert result.std_alpha == pytest.approx(case["std_alpha"], abs=TOL)
    np.testing.assert_allclose(result.ci, case["ci"], atol=TOL)
    assert result.n == case["n"]
    assert result.mean == pytest.approx(case["mean"], abs=TOL)
    assert result.sd == pytest.approx(case["sd"], abs=TOL)
    assert result.sem == pytest.approx(case["sem"], abs=TOL)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_item_statistics_match_psych(case):
    items = cronbach_alpha(keyed_items(case)).items
    stats = case["item_stats"]
    assert list(items.index) == stats["item"]
    for column in ("mean", "sd", "r_drop", "alpha_if_dropped"):
        np.testing.assert_allclose(
            items[column].to_numpy(), stats[column], atol=TOL, err_msg=column
        )


def test_pairwise_covariance_matches_pandas():
    rng = np.random.default_rng(1)
    values = rng.integers(1, 6, size=(300, 4)).astype(float)
    values[rng.random(values.shape) < 0.2] = np.nan
    cov, counts = pairwise_covariance(values)
    expected = pd.DataFrame(values).cov().to_numpy()  # pandas is pairwise-complete too
    np.testing.assert_allclose(cov, expected, atol=1e-12)
    assert counts[0, 1] == np.sum(~np.isnan(values[:, 0]) & ~np.isnan(values[:, 1]))


def test_degenerate_scales_give_nan_not_errors():
    single = cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0, 3.0]}))
    assert np.isnan(single.alpha) and np.isnan(single.std_alpha)
    assert np.isnan(single.ci[0]) and np.isnan(single.sem)
    assert single.mean == pytest.approx(2.0)

    constant = cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 4.0, 4.0]}))
    assert np.isnan(constant.alpha)
    assert np.isnan(constant.items["r_drop"]).all()
    assert constant.items.loc["b", "sd"] == 0.0

    two = cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0, 3.0, 5.0], "b": [2.0, 2.0, 4.0, 4.0]}))
    assert np.isfinite(two.alpha)
    assert np.isnan(two.items["alpha_if_dropped"]).all()  # one item left: no alpha
    assert np.isfinite(two.items["r_drop"]).all()

    # perfectly opposed items: the total covariance is zero, alpha is NaN (not -inf)
    opposed = cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0]}))
    assert np.isnan(opposed.alpha) and np.isnan(opposed.std_alpha)

    empty = cronbach_alpha(pd.DataFrame({"a": [np.nan, np.nan], "b": [1.0, np.nan]}))
    assert empty.n == 1 and np.isnan(empty.alpha)


def test_invalid_input_names_the_argument():
    with pytest.raises(ValueError, match="confidence"):
        cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0]}), confidence=1.5)
    with pytest.raises(ValueError, match="confidence must be a number"):
        cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0]}), confidence="95%")
    with pytest.raises(ValueError, match="data"):
        cronbach_alpha(pd.DataFrame({"a": ["x", "y"], "b": [1.0, 2.0]}))


def test_wider_confidence_gives_wider_interval():
    data = keyed_items(CASES[0])
    narrow = cronbach_alpha(data, confidence=0.8).ci
    wide = cronbach_alpha(data, confidence=0.99).ci
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


# items correlated through a common factor so alpha is well defined
scale_data = st.builds(
    lambda seed, n, p, miss: _simulate(seed, n, p, miss),
    st.integers(0, 2**32 - 1),
    st.integers(20, 80),
    st.integers(3, 7),
    st.floats(0, 0.2),
)


def _simulate(seed: int, n: int, p: int, missing: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n, 1))
    values = np.clip(np.round(3 + factor + rng.normal(size=(n, p))), 1, 5)
    values[rng.random(values.shape) < missing] = np.nan
    return pd.DataFrame(values, columns=[f"i{j}" for j in range(p)])


@settings(max_examples=40, deadline=None)
@given(scale_data, st.randoms(use_true_random=False))
def test_alpha_is_invariant_to_item_order(data, random):
    order = list(data.columns)
    random.shuffle(order)
    a, b = cronbach_alpha(data), cronbach_alpha(data[order])
    np.testing.assert_allclose(
        [a.alpha, a.std_alpha], [b.alpha, b.std_alpha], equal_nan=True, atol=1e-12
    )
    pd.testing.assert_frame_equal(a.items.loc[order], b.items, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(scale_data, st.integers(0, 6), st.floats(-10, 10, allow_nan=False))
def test_adding_a_constant_to_one_item_leaves_alpha_unchanged(data, column, constant):
    column = data.columns[column % data.shape[1]]
    shifted = data.copy()
    shifted[column] = shifted[column] + constant
    a, b = cronbach_alpha(data), cronbach_alpha(shifted)
    np.testing.assert_allclose(
        [a.alpha, a.std_alpha], [b.alpha, b.std_alpha], equal_nan=True, atol=1e-9
    )
    np.testing.assert_allclose(a.items["r_drop"], b.items["r_drop"], equal_nan=True, atol=1e-9)


@settings(max_examples=40)
@given(hnp.arrays(np.float64, (30, 4), elements=st.integers(1, 5).map(float)))
def test_alpha_never_exceeds_one(values):
    result = cronbach_alpha(pd.DataFrame(values))
    assert np.isnan(result.alpha) or result.alpha <= 1 + 1e-12
