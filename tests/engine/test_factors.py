"""KMO, Bartlett, parallel analysis and EFA against psych (tests/reference/factors.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.psychometrics import factors
from engine.psychometrics.extraction import pairwise_correlation
from engine.psychometrics.rotation import oblimin, varimax
from tests.engine.conftest import load_dataset, load_reference

REF = load_reference("factors")["datasets"]
NAMES = sorted(REF)
TOL_KMO = 1e-3
TOL_LOADING = 1e-3


def data(name: str) -> pd.DataFrame:
    return load_dataset(REF[name]["csv"])


def align(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Reorder and re-sign our factor columns to best match R's (rotation leaves factor
    order and sign arbitrary); returns our loadings aligned to theirs."""
    from scipy.optimize import linear_sum_assignment

    sim = np.abs(ours.T @ theirs)
    rows, cols = linear_sum_assignment(-sim)
    out = np.empty_like(ours)
    for r, c in zip(rows, cols, strict=True):
        sign = np.sign(ours[:, r] @ theirs[:, c]) or 1.0
        out[:, c] = sign * ours[:, r]
    return out


@pytest.mark.parametrize("name", NAMES)
def test_kmo_matches_psych(name: str) -> None:
    ref = REF[name]["kmo"]
    res = factors.kmo(data(name))
    assert res.overall == pytest.approx(ref["overall"], abs=TOL_KMO)
    assert res.per_item.keys() == ref["per_item"].keys()
    for item, value in ref["per_item"].items():
        assert res.per_item[item] == pytest.approx(value, abs=TOL_KMO), item


@pytest.mark.parametrize("name", NAMES)
def test_bartlett_matches_psych(name: str) -> None:
    ref = REF[name]["bartlett"]
    res = factors.bartlett(data(name))
    assert res.df == ref["df"]
    assert res.chisq == pytest.approx(ref["chisq"], rel=1e-6, abs=TOL_KMO)
    assert res.p == pytest.approx(ref["p"], abs=TOL_KMO)


@pytest.mark.parametrize("name", NAMES)
def test_parallel_analysis_number_of_factors_matches_psych(name: str) -> None:
    ref = REF[name]["parallel"]["n_factors"]
    assert len(set(ref)) == 1, "R is not stable across seeds here; the test would be luck"
    for seed in (0, 1):
        res = factors.parallel_analysis(data(name), seed=seed)
        assert res.n_factors == ref[0]
        assert res.observed.shape == res.simulated.shape == (data(name).shape[1],)


def test_parallel_observed_eigenvalues_are_psych_fa_values() -> None:
    # Observed values are deterministic: psych's fa(r, 1)$values.
    ref = REF["holzinger"]["efa"]["one"]["values"]
    res = factors.parallel_analysis(data("holzinger"), n_iter=2)
    np.testing.assert_allclose(res.observed, ref, atol=TOL_LOADING)


def test_parallel_analysis_is_reproducible_and_fast_for_huge_n() -> None:

    rng = np.random.default_rng(5)
    small = pd.DataFrame(rng.standard_normal((50, 6)), columns=list("abcdef"))
    assert np.array_equal(
        factors.parallel_analysis(small, seed=3).simulated,
        factors.parallel_analysis(small, seed=3).simulated,
    )
    # The simulated correlation matrices do not depend on n (Wishart draws): pretend the
    # data has a million rows by passing its correlation matrix.
    big = pd.DataFrame(np.zeros((1_000_000, 6)), columns=list("abcdef"))
    corr = factors.correlation_matrix(small)
    res = factors.parallel_analysis(big, corr=corr)
    # With a million observations noise eigenvalues are tiny.
    assert np.all(np.abs(res.simulated) < 0.1)


@pytest.mark.parametrize("rotation", ["oblimin", "varimax", "none"])
@pytest.mark.parametrize("name", NAMES)
def test_efa_matches_psych_fa(name: str, rotation: str) -> None:
    ref = REF[name]["efa"][rotation]
    res = factors.efa(data(name), REF[name]["nfactors"], rotation=rotation)
    assert res.converged
    theirs = pd.DataFrame(ref["loadings"]).loc[res.loadings.index]
    np.testing.assert_allclose(
        align(res.loadings.to_numpy(), theirs.to_numpy()), theirs.to_numpy(), atol=TOL_LOADING
    )
    # psych's own order and signs are reproduced too, so no alignment is needed at all.
    np.testing.assert_allclose(res.loadings.to_numpy(), theirs.to_numpy(), atol=TOL_LOADING)
    assert list(res.loadings.columns) == list(theirs.columns)
    comm = pd.Series(ref["communality"])
    np.testing.assert_allclose(res.communalities[comm.index], comm, atol=TOL_LOADING)
    np.testing.assert_allclose(res.uniquenesses[comm.index], 1 - comm, atol=TOL_LOADING)
    np.testing.assert_allclose(res.eigenvalues, ref["values"], atol=TOL_LOADING)
    if "phi" in ref:
        np.testing.assert_allclose(
            res.phi.to_numpy(), pd.DataFrame(ref["phi"]).to_numpy(), atol=TOL_LOADING
        )
    else:
        np.testing.assert_array_equal(res.phi.to_numpy(), np.eye(res.n_factors))


@pytest.mark.parametrize("name", NAMES)
def test_efa_one_factor_matches_psych(name: str) -> None:
    ref = REF[name]["efa"]["one"]
    res = factors.efa(data(name), 1)
    theirs = pd.Series(ref["loadings"]["MR1"])
    np.testing.assert_allclose(res.loadings["MR1"][theirs.index], theirs, atol=TOL_LOADING)


def test_shared_correlation_matrix_gives_the_same_results() -> None:
    x = data("bfi")
    corr = factors.correlation_matrix(x)
    assert factors.kmo(x, corr=corr) == factors.kmo(x)
    assert factors.bartlett(x, corr=corr) == factors.bartlett(x)
    pd.testing.assert_frame_equal(
        factors.efa(x, 5, corr=corr).loadings, factors.efa(x, 5).loadings
    )
    with pytest.raises(ValueError, match="corr"):
        factors.kmo(x, corr=corr.iloc[:-1, :-1])


def test_pairwise_correlation_matches_pandas() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 5)) + rng.standard_normal((200, 1))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[:, 4] = x[:, 4] * 1000 + 1e6  # large offset: still accurate
    expected = pd.DataFrame(x).corr(method="pearson", min_periods=2).to_numpy()
    np.testing.assert_allclose(pairwise_correlation(x), expected, atol=1e-10)


def test_pairwise_correlation_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.psychometrics import extraction

    rng = np.random.default_rng(4)
    x = rng.standard_normal((100, 4)) + rng.standard_normal((100, 1))
    x[50:][rng.random((50, 4)) < 0.2] = np.nan  # first chunks complete, later ones not
    expected = pairwise_correlation(x)
    monkeypatch.setattr(extraction, "_CHUNK", 16)
    np.testing.assert_allclose(pairwise_correlation(x), expected, atol=1e-12)
    expected_pandas = pd.DataFrame(x).corr(min_periods=2).to_numpy()
    np.testing.assert_allclose(pairwise_correlation(x), expected_pandas, atol=1e-12)


def test_constant_item_gives_nan_not_an_error() -> None:
    x = data("holzinger")
    x["x1"] = 3.0
    assert np.isnan(factors.kmo(x).overall)
    assert np.isnan(factors.bartlett(x).chisq)
    assert factors.efa(x, 2).loadings.isna().all().all()
    assert not factors.efa(x, 2).converged
    assert factors.parallel_analysis(x).n_factors == 0


def test_fewer_respondents_than_items_gives_nan_kmo_and_bartlett() -> None:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.standard_normal((8, 10)), columns=list("abcdefghij"))
    assert np.isnan(factors.kmo(x).overall)
    assert np.isnan(factors.bartlett(x).chisq)
    res = factors.parallel_analysis(x)
    assert 0 <= res.n_factors <= 10
    assert np.isfinite(factors.efa(x, 2).loadings.to_numpy()).all()


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda x: factors.kmo(x.to_numpy()), "data"),
        (lambda x: factors.kmo(x[["x1"]]), "data"),
        (lambda x: factors.bartlett(x.head(2)), "data"),
        (lambda x: factors.kmo(x.assign(x1="a")), "data"),
        (lambda x: factors.efa(x, 0), "n_factors"),
        (lambda x: factors.efa(x, 9), "n_factors"),
        (lambda x: factors.efa(x, 2.0), "n_factors"),
        (lambda x: factors.efa(x, 2, rotation="promax"), "rotation"),
        (lambda x: factors.efa(x, 2, method="ml"), "method"),
        (lambda x: factors.parallel_analysis(x, n_iter=0), "n_iter"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, argument: str) -> None:
    with pytest.raises(ValueError, match=argument):
        call(data("holzinger"))


def test_rotations_keep_the_common_part_of_the_model() -> None:
    rng = np.random.default_rng(2)
    a = rng.uniform(-0.8, 0.8, size=(12, 3))
    vm = varimax(a)
    np.testing.assert_allclose(vm.loadings @ vm.loadings.T, a @ a.T, atol=1e-10)
    ob = oblimin(a)
    assert ob.converged
    np.testing.assert_allclose(ob.loadings @ ob.phi @ ob.loadings.T, a @ a.T, atol=1e-8)
    np.testing.assert_allclose(np.diag(ob.phi), 1.0)
    with pytest.raises(ValueError, match="loadings"):
        oblimin(a[:, :1])
