"""engine.psychometrics.extraction.pairwise_correlation: the exact whole-number path and the
centred path give R's cor(x, use = "pairwise") alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.psychometrics.extraction import (
    _BLOCK,
    _centred_sums,
    _whole_number_sums,
    pairwise_correlation,
)


def _answers(rows: int, seed: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((rows, 1))
    x = np.clip(np.round(3 + latent + rng.standard_normal((rows, 6))), 1, 5)
    x[rng.random(x.shape) < 0.1] = np.nan
    return x


def _pandas(x: np.ndarray) -> np.ndarray:
    return pd.DataFrame(x).corr(min_periods=2).to_numpy()  # pairwise-complete Pearson


def test_whole_numbers_take_the_exact_path_and_match_pairwise_pearson() -> None:
    x = _answers(3 * _BLOCK + 17)
    assert _whole_number_sums(x) is not None
    np.testing.assert_allclose(pairwise_correlation(x), _pandas(x), rtol=0, atol=1e-14)


@pytest.mark.parametrize(
    "change",
    [
        lambda x: x + 0.5,  # not whole numbers
        lambda x: x * 10,  # whole, but products above float32's exact integers
        lambda x: x - 100,
    ],
)
def test_other_answers_take_the_centred_path(change) -> None:
    x = change(_answers(_BLOCK + 5))
    assert _whole_number_sums(x) is None
    np.testing.assert_allclose(pairwise_correlation(x), _pandas(x), rtol=0, atol=1e-12)


def test_a_block_without_answers_adds_nothing() -> None:
    x = _answers(3 * _BLOCK)
    x[_BLOCK : 2 * _BLOCK] = np.nan
    exact = _whole_number_sums(x)
    assert exact is not None
    for ours, centred_ in zip(exact[:1], _centred_sums(x)[:1], strict=True):
        np.testing.assert_array_equal(ours, centred_)  # the pair counts
    np.testing.assert_allclose(pairwise_correlation(x), _pandas(x), rtol=0, atol=1e-14)
