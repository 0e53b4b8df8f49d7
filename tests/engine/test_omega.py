"""McDonald's omega against psych::omega (tests/reference/factors.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.psychometrics.factors import correlation_matrix
from engine.psychometrics.omega import omega
from tests.engine.conftest import load_dataset, load_reference

REF = load_reference("factors")["datasets"]
NAMES = sorted(REF)
TOL = 2e-3


def data(name: str) -> pd.DataFrame:
    return load_dataset(REF[name]["csv"])


@pytest.mark.parametrize("name", NAMES)
def test_omega_matches_psych(name: str) -> None:
    ref = REF[name]["omega"]
    res = omega(data(name), REF[name]["nfactors"])
    assert res.n_factors == REF[name]["nfactors"]
    assert res.hierarchical == pytest.approx(ref["hierarchical"], abs=TOL)
    assert res.total == pytest.approx(ref["total"], abs=TOL)
    for item, value in ref["g_loadings"].items():
        # psych reports the general loadings before its sign flip.
        assert abs(res.g_loadings[item]) == pytest.approx(abs(value), abs=TOL), item


@pytest.mark.parametrize("name", [n for n in NAMES if "omega_2" in REF[n]])
def test_omega_two_factors_matches_psych(name: str) -> None:
    ref = REF[name]["omega_2"]
    res = omega(data(name), 2)
    assert res.hierarchical == pytest.approx(ref["hierarchical"], abs=TOL)
    assert res.total == pytest.approx(ref["total"], abs=TOL)


@pytest.mark.parametrize("name", NAMES)
def test_omega_total_of_each_scale_matches_psych_nfactors_1(name: str) -> None:
    x = data(name)
    for scale, ref in REF[name]["omega_1"]["scales"].items():
        res = omega(x[REF[name]["model"][scale]], 1)
        assert res.total == pytest.approx(ref["total"], abs=TOL), scale
        assert res.hierarchical == pytest.approx(ref["hierarchical"], abs=TOL), scale


@pytest.mark.parametrize("name", NAMES)
def test_omega_total_of_two_item_scales_matches_psych(name: str) -> None:
    x = data(name)
    for scale, ref in REF[name]["omega_1"]["first_two_items"].items():
        assert omega(x[ref["items"]], 1).total == pytest.approx(ref["total"], abs=TOL), scale


def test_reverse_keyed_and_raw_data_give_the_same_omega() -> None:
    # psych flips items with negative general loadings, so keying does not matter.
    raw, keyed = omega(data("bfi"), 5), omega(data("bfi_keyed"), 5)
    assert raw.total == pytest.approx(keyed.total, abs=1e-9)
    assert raw.hierarchical == pytest.approx(keyed.hierarchical, abs=1e-9)
    assert {"A1", "C4", "C5", "E1", "E2", "O2", "O5"} <= set(raw.reversed_items)
    assert not {"A1", "C4", "C5", "E1", "E2", "O2", "O5"} & set(keyed.reversed_items)


def test_shared_correlation_matrix_gives_the_same_omega() -> None:
    x = data("simhier")
    assert omega(x, 3, corr=correlation_matrix(x)) == omega(x, 3)


def test_constant_item_gives_nan() -> None:
    x = data("simhier").assign(V1=1.0)
    res = omega(x, 3)
    assert np.isnan(res.total) and np.isnan(res.hierarchical)


@pytest.mark.parametrize("n_factors", [0, 9, 2.5, True])
def test_bad_n_factors_raises(n_factors) -> None:
    with pytest.raises(ValueError, match="n_factors"):
        omega(data("simhier"), n_factors)


def test_bad_data_raises() -> None:
    with pytest.raises(ValueError, match="data"):
        omega(data("simhier").to_numpy(), 3)
