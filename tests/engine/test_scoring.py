"""engine.psychometrics.scoring against R (tests/reference/reliability.R) and as properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine.psychometrics.scoring import favourable_share, reverse_code, score_scale
from tests.engine.conftest import case_id, keyed_items, load_dataset, load_reference

CASES = load_reference("reliability")["cases"]
TOL = 1e-9  # scores are exact arithmetic; R and numpy differ only by rounding


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_score_scale_matches_r(case):
    raw = load_dataset(case["dataset"])[case["items"]]
    scores = score_scale(raw, reverse=case["reverse"], low=case["low"], high=case["high"])
    expected = case["score"]
    assert int(scores.notna().sum()) == expected["n_valid"]
    assert scores.mean() == pytest.approx(expected["mean"], abs=TOL)
    assert scores.std(ddof=1) == pytest.approx(expected["sd"], abs=TOL)
    first = np.array([np.nan if v is None else v for v in expected["first"]], dtype=float)
    np.testing.assert_allclose(scores.to_numpy()[: len(first)], first, atol=TOL)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_favourable_share_matches_r(case):
    data = keyed_items(case)
    got = [favourable_share(data[item], high=case["high"]) for item in case["items"]]
    np.testing.assert_allclose(got, case["favourable_top2"], atol=TOL)


def test_reverse_code_frame_and_array():
    frame = pd.DataFrame({"a": [1.0, 5.0, np.nan], "b": [2.0, 3.0, 4.0]})
    out = reverse_code(frame, 1, 5)
    assert isinstance(out, pd.DataFrame)
    np.testing.assert_array_equal(out["a"].to_numpy(), [5.0, 1.0, np.nan])
    np.testing.assert_array_equal(reverse_code(np.array([0, 4]), 0, 4), [4.0, 0.0])


def test_score_scale_min_share():
    data = pd.DataFrame(
        {"a": [1.0, 1.0, np.nan], "b": [3.0, np.nan, np.nan], "c": [5.0, np.nan, 2.0]}
    )
    # 3 items: two answered (2/3) is enough by default, one is not
    scores = score_scale(data)
    np.testing.assert_array_equal(scores.to_numpy(), [3.0, np.nan, np.nan])
    loose = score_scale(data, min_share=1 / 3)
    np.testing.assert_array_equal(loose.to_numpy(), [3.0, 1.0, 2.0])


def test_score_scale_reverse_needs_range():
    data = pd.DataFrame({"a": [1.0], "b": [2.0]})
    with pytest.raises(ValueError, match="low and high"):
        score_scale(data, reverse=["a"])
    with pytest.raises(ValueError, match="reverse"):
        score_scale(data, reverse=["z"], low=1, high=5)
    assert score_scale(data, reverse=["a"], low=1, high=5).iloc[0] == 3.5


@pytest.mark.parametrize("share", [0, -0.1, 1.5, float("nan")])
def test_score_scale_rejects_min_share(share):
    with pytest.raises(ValueError, match="min_share"):
        score_scale(pd.DataFrame({"a": [1.0]}), min_share=share)


def test_non_numeric_data_is_rejected():
    with pytest.raises(ValueError, match="data has non-numeric column"):
        score_scale(pd.DataFrame({"a": ["x", "y"], "b": [1, 2]}))
    with pytest.raises(ValueError, match="values must be numeric"):
        favourable_share(["agree", "no"], high=5)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: reverse_code(pd.DataFrame({"a": ["x"]}), 1, 5), "values must be numeric"),
        (lambda: reverse_code(np.array(["x"]), 1, 5), "values must be numeric"),
        (lambda: reverse_code(np.array([1.0]), "1", 5), "low must be a number"),
        (lambda: reverse_code(np.array([1.0]), 1, True), "high must be a number"),
        (lambda: score_scale(pd.DataFrame({"a": [1.0]}), min_share="all"), "min_share"),
        (lambda: favourable_share([1, 5], high="5"), "high must be a number"),
    ],
)
def test_wrong_types_are_value_errors_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def test_score_scale_reverse_may_be_one_name():
    data = pd.DataFrame({"A1": [1.0, 2.0], "A2": [5.0, 4.0]})
    np.testing.assert_array_equal(
        score_scale(data, reverse="A1", low=1, high=5), score_scale(data, ["A1"], 1, 5)
    )


def test_favourable_share_edges():
    assert np.isnan(favourable_share([np.nan, np.nan], high=5))
    assert favourable_share([5, 4, 3, np.nan], high=5) == pytest.approx(2 / 3)
    assert favourable_share([5, 4, 3, np.nan], high=5, top=1) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="top"):
        favourable_share([1], high=5, top=0)
    with pytest.raises(ValueError, match="low must be smaller"):
        reverse_code(np.array([1.0]), 5, 1)


answers = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12),
    elements=st.one_of(st.integers(1, 5).map(float), st.just(np.nan)),
)


@given(answers)
def test_reverse_twice_is_identity(values):
    np.testing.assert_array_equal(reverse_code(reverse_code(values, 1, 5), 1, 5), values)


@settings(max_examples=60)
@given(answers, st.data())
def test_scores_ignore_not_applicable(values, data):
    """Adding not-applicable (NaN) items that nobody answered changes no score if the
    share answered stays above the minimum; NaN cells never count as answers."""
    frame = pd.DataFrame(values)
    scores = score_scale(frame, min_share=1e-9)
    answered = ~np.isnan(values)
    expected = np.array(
        [
            row[mask].mean() if mask.any() else np.nan
            for row, mask in zip(values, answered, strict=True)
        ]
    )
    np.testing.assert_allclose(scores.to_numpy(), expected)
    # a respondent's score is unchanged by an extra not-applicable column
    extra = frame.assign(na=np.nan)
    np.testing.assert_allclose(score_scale(extra, min_share=1e-9).to_numpy(), expected)
    # and changing a NaN cell's "hidden" value is impossible: NaN stays unanswered
    col = data.draw(st.integers(0, values.shape[1] - 1))
    blanked = frame.copy()
    blanked.iloc[:, col] = np.nan
    kept = ~np.isnan(values)
    kept[:, col] = False
    expected_blank = np.array(
        [
            row[mask].mean() if mask.any() else np.nan
            for row, mask in zip(values, kept, strict=True)
        ]
    )
    np.testing.assert_allclose(score_scale(blanked, min_share=1e-9).to_numpy(), expected_blank)
