"""CFA against lavaan::cfa (tests/reference/factors.R) and lavaan's published example."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.psychometrics.cfa import cfa
from tests.engine.conftest import load_dataset, load_reference

REF = load_reference("factors")["datasets"]
NAMES = sorted(REF)
HS_MODEL = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}


def data(name: str) -> pd.DataFrame:
    return load_dataset(REF[name]["csv"])


# issue 10's tolerances: estimates (chi-square, standardised loadings) 1e-6 relative, fit
# indices 1e-3, RMSEA and its interval 2e-4. The estimates are checked against lavaan run to
# the minimum (``minimum``: BFGS, reltol 1e-15, tests/reference/factors.R) where the fixture
# has it; lavaan's default nlminb stops up to ~5e-6 (relative) short of it on bfi.
TOL_ESTIMATE = 1e-6
TOL_INDEX = 1e-3
TOL_RMSEA = 2e-4


def check_fit(res, ref: dict) -> None:
    fit = ref["fit"]
    estimates = ref.get("minimum", {"chisq": fit["chisq"], "loadings": ref["loadings"]})
    assert res.n == ref["n"]
    assert res.df == fit["df"]
    assert res.chisq == pytest.approx(estimates["chisq"], rel=TOL_ESTIMATE, abs=1e-9)
    if fit["pvalue"] == "NA":  # jsonlite writes R's NA as "NA"
        assert np.isnan(res.p)
    else:
        assert res.p == pytest.approx(fit["pvalue"], abs=TOL_INDEX)
    for ours, theirs in [("cfi", "cfi"), ("tli", "tli"), ("srmr", "srmr")]:
        assert getattr(res, ours) == pytest.approx(fit[theirs], abs=TOL_INDEX), ours
    assert res.rmsea == pytest.approx(fit["rmsea"], abs=TOL_RMSEA)
    assert res.rmsea_ci[0] == pytest.approx(fit["rmsea.ci.lower"], abs=TOL_RMSEA)
    assert res.rmsea_ci[1] == pytest.approx(fit["rmsea.ci.upper"], abs=TOL_RMSEA)
    for factor, loads in estimates["loadings"].items():
        for item, value in loads.items():
            got = res.loadings[factor][item]
            assert got == pytest.approx(value, rel=TOL_ESTIMATE, abs=1e-9), (factor, item)


@pytest.mark.parametrize("name", NAMES)
def test_cfa_matches_lavaan(name: str) -> None:
    ref = REF[name]["cfa"]
    res = cfa(data(name), REF[name]["model"])
    assert res.converged
    check_fit(res, ref)
    assert res.baseline_chisq == pytest.approx(ref["fit"]["baseline.chisq"], rel=1e-5)
    assert res.baseline_df == ref["fit"]["baseline.df"]


def test_cfa_with_a_cross_loading_matches_lavaan() -> None:
    ref = REF["holzinger"]["cfa_cross"]
    check_fit(cfa(data("holzinger"), ref["model"]), ref)


def test_saturated_model_follows_lavaan_conventions() -> None:
    ref = REF["holzinger"]["cfa_saturated"]
    check_fit(cfa(data("holzinger"), ref["model"]), ref)


def test_holzinger_swineford_published_values() -> None:
    # lavaan's tutorial values, as given in ../shared/reference/README.md.
    shared = Path(__file__).resolve().parents[3] / "shared" / "reference"
    csv = shared / "holzinger_swineford_1939.csv"
    x = pd.read_csv(csv) if csv.exists() else data("holzinger")
    res = cfa(x, HS_MODEL)
    assert round(res.chisq, 3) == 85.306
    assert res.df == 24
    assert round(res.cfi, 3) == 0.931
    assert round(res.tli, 3) == 0.896
    assert round(res.rmsea, 3) == 0.092
    assert round(res.srmr, 3) == 0.065


@pytest.mark.parametrize("name", NAMES)
def test_chisq_and_rmsea_use_n_not_n_minus_1(name: str) -> None:
    """lavaan: chisq = N F_ML and RMSEA = sqrt(max(chisq/df - 1, 0) / N). semopy's N - 1
    moves RMSEA by less than the 2e-3 contract tolerance, so check it tightly here."""
    fit, res = REF[name]["cfa"]["fit"], cfa(data(name), REF[name]["model"])
    n, x2, df = res.n, res.chisq, res.df
    assert res.rmsea == pytest.approx(fit["rmsea"], abs=1e-8)
    assert res.chisq == pytest.approx(fit["chisq"], rel=1e-8)  # (N - 1) F_ML is 1/N off
    semopy = np.sqrt(max(x2 / df - 1, 0) / (n - 1))
    assert abs(semopy - fit["rmsea"]) > 1e-6  # the tolerance above tells them apart


def test_listwise_deletion_and_extra_columns() -> None:
    x = data("holzinger").assign(comment="free text")
    x.loc[:9, "x1"] = np.nan
    res = cfa(x, HS_MODEL)
    assert res.n == len(x) - 10
    # Same as fitting the complete rows only.
    assert res.chisq == pytest.approx(cfa(x.dropna(), HS_MODEL).chisq, rel=1e-9)


@pytest.mark.parametrize("factor", [1000.0, 0.001, -1.0])
def test_fit_does_not_depend_on_the_units_or_sign_of_an_item(factor: float) -> None:
    x = data("holzinger")
    reference = cfa(x, HS_MODEL)
    x["x1"] *= factor  # x1 is a marker variable
    x["x5"] /= factor
    res = cfa(x, HS_MODEL)
    assert res.converged
    assert res.chisq == pytest.approx(reference.chisq, rel=1e-6)
    assert res.srmr == pytest.approx(reference.srmr, abs=1e-6)
    sign = np.sign(factor)
    assert res.loadings["visual"]["x2"] == pytest.approx(
        sign * reference.loadings["visual"]["x2"], abs=1e-5
    )


def test_too_few_complete_rows_gives_nan() -> None:
    res = cfa(data("holzinger").head(8), HS_MODEL)
    assert np.isnan(res.chisq) and np.isnan(res.cfi) and not res.converged
    assert res.df == 24


def test_large_data_is_fast() -> None:

    rng = np.random.default_rng(3)
    n, m = 100_000, 8
    f = rng.standard_normal((n, m)) @ np.linalg.cholesky(0.3 + 0.7 * np.eye(m)).T
    cols, model = {}, {}
    for k in range(m):
        model[f"s{k}"] = [f"i{k}_{j}" for j in range(5)]
        for item in model[f"s{k}"]:
            cols[item] = 0.7 * f[:, k] + 0.71 * rng.standard_normal(n)
    x = pd.DataFrame(cols)
    res = cfa(x, model)
    assert res.converged and res.df == 40 * 41 // 2 - (32 + 36 + 40)
    assert res.cfi > 0.99 and res.rmsea < 0.01


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({}, "model"),
        ({"f": []}, "model"),
        ({"f": "x1"}, "model"),
        ({"f": ["x1", "x2", "nope"]}, "nope"),
        ({"f": ["x1", "x2"]}, "model"),
        ({"f": ["x1", "x2", "x1"]}, "twice"),
    ],
)
def test_bad_model_raises(model, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cfa(data("holzinger"), model)


def test_bad_data_raises() -> None:
    with pytest.raises(ValueError, match="data"):
        cfa(data("holzinger").to_numpy(), HS_MODEL)
    with pytest.raises(ValueError, match="data"):
        cfa(data("holzinger").assign(x1="a"), HS_MODEL)


def test_complete_case_covariance_in_chunks() -> None:
    from engine.psychometrics.cfa import _complete_case_covariance

    rng = np.random.default_rng(6)
    x = rng.standard_normal((50, 3)) * [1.0, 10.0, 100.0] + 1000.0
    x[rng.random(x.shape) < 0.1] = np.nan
    complete = x[~np.isnan(x).any(axis=1)]
    n, s = _complete_case_covariance(x, chunk=7)
    assert n == len(complete)
    np.testing.assert_allclose(s, np.cov(complete, rowvar=False, bias=True), rtol=1e-10)


def _heywood_data() -> pd.DataFrame:
    """Two items of factor B that correlate negatively with each other but both positively
    with factor A's items: the ML solution has a negative variance of B (Heywood case)."""
    c = np.full((5, 5), 0.3)
    c[:3, :3] = 0.5
    c[3, 4] = c[4, 3] = -0.2
    np.fill_diagonal(c, 1.0)
    rng = np.random.default_rng(1)
    x = rng.multivariate_normal(np.zeros(5), c, 500)
    return pd.DataFrame(x, columns=["a1", "a2", "a3", "b1", "b2"])


HEYWOOD_MODEL = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2"]}


@pytest.mark.filterwarnings("error")
def test_negative_factor_variance_gives_nan_quietly() -> None:
    res = cfa(_heywood_data(), HEYWOOD_MODEL)
    assert res.converged
    assert res.negative_variances == ("B",)
    # lavaan: std.all of a factor with a negative variance is NA; the rest is estimated
    assert all(np.isnan(v) for v in res.loadings["B"].values())
    assert np.isnan(res.phi["A"]["B"]) and np.isnan(res.phi["B"]["B"])
    assert all(np.isfinite(v) for v in res.loadings["A"].values())
    assert res.phi["A"]["A"] == pytest.approx(1.0)
    assert np.isfinite([res.chisq, res.cfi, res.tli, res.rmsea, res.srmr]).all()


def test_chi_square_tails_match_scipy_stats() -> None:
    """The fit's p-value and RMSEA interval use scipy.special's chdtrc/chdtr/chndtr (no
    scipy.stats import at start-up); they are the functions scipy.stats evaluates."""
    from scipy.stats import chi2, ncx2

    from engine.psychometrics.cfa import _rmsea_ci

    res = cfa(data("holzinger"), HS_MODEL)
    assert res.p == chi2.sf(res.chisq, res.df)
    x2, df, n = res.chisq, res.df, res.n

    def cdf(lam: float) -> float:
        return float(chi2.cdf(x2, df) if lam <= 0 else ncx2.cdf(x2, df, lam))

    from scipy.optimize import brentq

    lower = np.sqrt(brentq(lambda lam: cdf(lam) - 0.95, 0.0, x2) / (n * df))
    upper = np.sqrt(brentq(lambda lam: cdf(lam) - 0.05, 0.0, max(n, 4 * x2)) / (n * df))
    assert _rmsea_ci(x2, df, n) == (lower, upper)


# -- the optimiser on data without factor structure (tests/reference/cfa_noise.R) ----------

NOISE = load_reference("cfa_noise")["cases"]


@cache
def _noise_data() -> pd.DataFrame:
    return load_dataset("cfa_noise.csv")


@cache
def _noise_fit(name: str):
    x = _noise_data()
    return cfa(x[x["case"] == name], NOISE[name]["model"])


@pytest.mark.parametrize("name", sorted(NOISE))
def test_pure_noise_gives_lavaans_solution_or_no_convergence(name: str) -> None:
    """Never a wrong "converged": where lavaan converges, the same solution or none; where
    lavaan's nlminb gives up, a solution only if it is at least as good as any lavaan finds
    (its chi-square no higher than lavaan's BFGS solution)."""
    ref, res = NOISE[name], _noise_fit(name)
    assert res.notes and res.notes[0].startswith(f"ML fit by {res.optimizer}")
    if not res.converged:
        assert "did not converge" in res.notes[0]
        assert np.isnan(res.chisq) and np.isnan(res.tli)
        return
    if ref["converged"]:
        fit = ref["fit"]
        # lavaan's nlminb stops on its relative-function rule; in a flat valley (noise17) that
        # is short of the minimum: the engine's point is never above lavaan's, and within
        # 1e-6 relative of it except there (2.3e-6: chi-square 140.61548 against 140.61579;
        # nlminb with rel.tol 1e-11..1e-14 does not converge at all, measured in R)
        tol = 1e-5 if name == "noise17" else 1e-6
        assert res.chisq <= fit["chisq"] * (1 + 1e-9) + 1e-9
        assert res.chisq == pytest.approx(fit["chisq"], rel=tol, abs=1e-6)
        for key in ("cfi", "tli", "rmsea", "srmr"):
            assert getattr(res, key) == pytest.approx(fit[key], abs=1e-3), key
        for key, want in ref["loadings"].items():
            factor, item = key.split(".")
            if name == "noise17" and factor == "s1":
                # s1_5 has a negative residual variance (Heywood case) and s1's loadings
                # lie along a flat valley where nlminb stopped short (its largest gradient
                # element 9.8e-5, lavInspect(fit, "gradient"); s1 =~ s1_5 -15.3 there, -13.2
                # at the minimum): fit indices and the other factors agree within 1e-3
                continue
            got = res.loadings[factor][item]
            if want == "NA":  # a factor with a negative variance: lavaan gives NA
                assert np.isnan(got)
            else:
                assert got == pytest.approx(want, abs=1e-3), key
    elif ref.get("converged_bfgs"):
        assert res.chisq <= ref["fit_bfgs"]["chisq"] + 1e-6


def test_pure_noise_cases_where_lavaan_converges_are_all_found() -> None:
    """The 5 noise cases where lavaan's default converges are all found (measured):
    noise06 and noise08 by scoring, noise09 and noise10 after the restart with standardised
    factors (marker scoring walked a factor variance to 0; L-BFGS-B needed ~2,000 steps for
    them before). noise17 (20 items) has several local minima (chi-square 137.48, lavaan's
    140.62, 142.62 from different starts, measured): the restart reaches 142.62 with a
    factor variance at 0, which is refused; BFGS from lavaan's start in lavaan's parameter
    scaling lands in lavaan's basin (L-BFGS-B, unscaled, stalled at 140.68)."""
    found = [n for n in sorted(NOISE) if NOISE[n]["converged"] and _noise_fit(n).converged]
    assert found == ["noise06", "noise08", "noise09", "noise10", "noise17"]
    assert _noise_fit("noise06").optimizer == "Fisher scoring"
    for name in ("noise09", "noise10"):
        res = _noise_fit(name)
        assert res.optimizer == "Fisher scoring with standardised factors"
        assert res.notes[0].startswith(
            "ML fit by Fisher scoring with standardised factors (a factor variance tended to 0"
        )
    res = _noise_fit("noise17")
    assert res.optimizer == "BFGS"
    assert res.notes[0].startswith("ML fit by BFGS, after Fisher scoring failed: converged in")
    # lavaan warns of negative variances here: the Heywood case is reported, not hidden
    assert res.negative_variances


def test_standardised_factors_describe_the_same_model() -> None:
    """cfa_rescale: a marker solution and its standardised form imply the same covariance
    matrix (same F), and the way back gives the marker solution again."""
    from engine.psychometrics.cfa_model import Moments, implied, objective
    from engine.psychometrics.cfa_rescale import from_standardised, to_standardised
    from engine.psychometrics.cfa_start import build_structure, lavaan_start

    x = data("holzinger")[[i for its in HS_MODEL.values() for i in its]].to_numpy(float)
    s = np.cov(x.T, bias=True)
    pattern = np.zeros((9, 3), dtype=bool)
    for f in range(3):
        pattern[3 * f : 3 * f + 3, f] = True
    marker = build_structure(pattern, [0, 3, 6])
    moments = [Moments(len(x), s, x.mean(axis=0))]
    start = lavaan_start(moments, marker, pattern)
    start[marker.phi[0][1, 1]] = -0.2  # a negative factor variance keeps its sign
    std_x, std = to_standardised(start, marker)
    assert std.factor_signs == (1.0, -1.0, 1.0)
    assert std.n_free == marker.n_free
    np.testing.assert_allclose(implied(std_x, std, 0)[0], implied(start, marker, 0)[0])
    logdet = [np.linalg.slogdet(s)[1]]
    assert objective(std_x, std, moments, logdet) == pytest.approx(
        objective(start, marker, moments, logdet), rel=1e-12
    )
    back, root = from_standardised(std_x, std, marker)
    np.testing.assert_allclose(back, start, rtol=1e-12)
    assert root[1] == pytest.approx(np.sqrt(0.2))


def test_scoring_answers_on_real_data() -> None:
    res = cfa(data("holzinger"), HS_MODEL)
    assert res.optimizer == "Fisher scoring"
    assert res.notes == (res.notes[0],) and "converged in" in res.notes[0]


def test_analyze_on_pure_noise_says_the_cfa_did_not_converge(tmp_path) -> None:
    """End to end: a noise case lavaan cannot fit either gives null fit indices, the note
    that the estimation did not converge and the note naming the fallback optimiser."""
    import json

    from click.testing import CliRunner

    from webapp.cli import cli

    name = "noise01"
    assert not NOISE[name]["converged"] and not _noise_fit(name).converged
    x = _noise_data()
    x = x[x["case"] == name].dropna(axis=1)
    csv = tmp_path / "noise.csv"
    x.drop(columns="case").to_csv(csv, index=False)
    scales = [f"--scale={f}={','.join(its)}" for f, its in NOISE[name]["model"].items()]
    result = CliRunner().invoke(
        cli, ["analyze", str(csv), "--range", "1-5", *scales, "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["cfa"]["converged"] is False and out["cfa"]["tli"] is None
    assert out["cfa"]["optimizer"] == "BFGS"
    assert "cfa: the ML estimation did not converge" in out["notes"]
    assert any(n.startswith("cfa.optimizer: ML fit by BFGS") for n in out["notes"])


def test_standardised_factors_only_for_one_group_with_markers() -> None:
    """Multi-group models (invariance) keep scoring and BFGS: rescaling each group by
    its own marker loadings would break equal loadings."""
    from engine.psychometrics.cfa_rescale import can_rescale, standardised
    from engine.psychometrics.cfa_start import build_structure

    pattern = np.zeros((6, 2), dtype=bool)
    pattern[:3, 0] = pattern[3:, 1] = True
    assert can_rescale(build_structure(pattern, [0, 3]))
    two_groups = build_structure(pattern, [0, 3], n_groups=2, equal=frozenset({"loadings"}))
    assert not can_rescale(two_groups)
    with pytest.raises(ValueError, match="one-group"):
        standardised(two_groups, np.ones(2))


def test_bfgs_finds_a_quadratics_minimum_and_says_how_it_stopped() -> None:
    """engine.psychometrics.cfa_quasi_newton.bfgs on a badly scaled quadratic (condition
    1e4) and on a function that is infinite outside a disc."""
    from engine.psychometrics.cfa_quasi_newton import bfgs

    a = np.diag([1.0, 100.0, 1e4])
    b = np.array([1.0, -2.0, 3.0])
    x, iterations, status = bfgs(lambda x: (0.5 * x @ a @ x - b @ x, a @ x - b), np.zeros(3), 200)
    assert status == "converged" and iterations < 200
    np.testing.assert_allclose(x, np.linalg.solve(a, b), rtol=1e-5)
    x, _, status = bfgs(lambda x: (0.5 * x @ a @ x - b @ x, a @ x - b), np.zeros(3), 1)
    assert status == "limit"

    def bowl(x: np.ndarray) -> tuple[float, np.ndarray]:
        if x @ x >= 1.0:
            return np.inf, np.zeros_like(x)
        return float(np.sum((x - 0.3) ** 2)), 2 * (x - 0.3)

    x, _, status = bfgs(bowl, np.zeros(2), 100)
    assert status == "converged"
    np.testing.assert_allclose(x, [0.3, 0.3], atol=1e-6)
