"""CFA standard errors and intervals against ``lavaan::parameterEstimates``
(tests/reference/cfa_se.R: se = "standard", expected information, lavaan's defaults)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.psychometrics.cfa import cfa
from engine.psychometrics.cfa_model import Moments
from engine.psychometrics.cfa_se import parameter_estimates, vcov
from engine.psychometrics.cfa_start import build_structure
from tests.engine.conftest import load_dataset, load_reference

REF = load_reference("cfa_se")
CASES = sorted(REF["cases"])
# issue 10: SEs and CIs 1e-4. The unstandardised estimates: 1e-5 relative, because lavaan's
# BFGS run to reltol 1e-15 still stops ~2e-6 short on PoliticalDemocracy (its chi-square is
# above the engine's, checked below); chi-square and std.all loadings are held to 1e-6 in
# test_cfa.py.
TOL_ESTIMATE = 1e-5
TOL_SE = 1e-4


def _na(value: object) -> float:
    return float("nan") if value == "NA" else float(value)  # jsonlite writes NA as "NA"


@pytest.mark.parametrize("name", CASES)
def test_lavaan_defaults_are_expected_information(name: str) -> None:
    """The fixture records which information lavaan used: the engine computes that one."""
    options = REF["cases"][name]["options"]
    assert options["se"] == "standard"
    assert options["information"] == "expected"
    assert options["h1.information"] == "structured"
    assert options["likelihood"] == "normal"  # N, not N - 1, in the information


@pytest.mark.parametrize("name", CASES)
def test_standard_errors_match_lavaan(name: str) -> None:
    case = REF["cases"][name]
    res = cfa(load_dataset(case["csv"]), case["model"])
    assert res.converged and res.n == case["n"]
    # the engine's point is at least as low as lavaan's (lavaan stops a little short)
    assert res.chisq <= case["chisq"] * (1 + 1e-12)
    assert res.chisq == pytest.approx(case["chisq"], rel=1e-9)
    ours = {(p.lhs, p.op, p.rhs): p for p in res.parameters}
    theirs = {(p["lhs"], p["op"], p["rhs"]): p for p in case["parameters"]}
    assert set(ours) == set(theirs)
    assert [(p.lhs, p.op, p.rhs) for p in res.parameters] == [
        (p["lhs"], p["op"], p["rhs"]) for p in case["parameters"]
    ]  # lavaan's order
    for key, ref in theirs.items():
        got = ours[key]
        assert got.est == pytest.approx(ref["est"], rel=TOL_ESTIMATE, abs=1e-9), key
        assert got.se == pytest.approx(ref["se"], abs=TOL_SE), key
        assert got.ci[0] == pytest.approx(ref["ci.lower"], abs=TOL_SE), key
        assert got.ci[1] == pytest.approx(ref["ci.upper"], abs=TOL_SE), key
        z, p = _na(ref["z"]), _na(ref["pvalue"])
        if np.isnan(z):  # a fixed marker loading: se 0, no test
            assert got.se == 0 and np.isnan(got.z) and np.isnan(got.p)
        else:
            assert got.z == pytest.approx(z, rel=1e-4), key
            assert got.p == pytest.approx(p, rel=1e-3, abs=1e-10), key


def test_standard_errors_tight_relative_to_lavaan() -> None:
    """Beyond the 1e-4 contract: every free SE within 1e-5 relative of lavaan's (a wrong
    factor, N - 1 instead of N, would be 1/N ~ 3e-3 off on Holzinger-Swineford)."""
    case = REF["cases"]["holzinger"]
    res = cfa(load_dataset(case["csv"]), case["model"])
    ours = {(p.lhs, p.op, p.rhs): p.se for p in res.parameters}
    for ref in case["parameters"]:
        if ref["se"] > 0:
            assert ours[(ref["lhs"], ref["op"], ref["rhs"])] == pytest.approx(ref["se"], rel=1e-5)


def test_vcov_is_symmetric_and_positive_definite() -> None:
    x = load_dataset("factors_holzinger.csv")
    s = np.cov(x.to_numpy(), rowvar=False, bias=True)
    pattern = np.zeros((9, 3), dtype=bool)
    for f in range(3):
        pattern[3 * f : 3 * f + 3, f] = True
    structure = build_structure(pattern, [0, 3, 6])
    moments = [Moments(len(x), s, np.zeros(9))]
    from engine.psychometrics.cfa_fit import fit_ml
    from engine.psychometrics.cfa_start import lavaan_start

    fit = fit_ml(moments, structure, lavaan_start(moments, structure, pattern))
    v = vcov(fit.x, structure, moments)
    np.testing.assert_allclose(v, v.T, atol=1e-15)
    assert np.linalg.eigvalsh(v)[0] > 0
    model = {"a": ["x1", "x2", "x3"], "b": ["x4", "x5", "x6"], "c": ["x7", "x8", "x9"]}
    with pytest.raises(ValueError, match="confidence"):
        parameter_estimates(fit.x, structure, moments, list(x.columns), model, 1.5)
    with pytest.raises(ValueError, match="items and model"):
        parameter_estimates(fit.x, structure, moments, ["x1"], model)
    with pytest.raises(ValueError, match="items and model"):
        parameter_estimates(fit.x, structure, moments, list(x.columns), {**model, "c": ["z"]})


def test_no_parameters_without_convergence() -> None:
    x = load_dataset("factors_holzinger.csv").head(8)  # 8 complete rows, 9 items: no fit
    res = cfa(x, {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6", "x7", "x8", "x9"]})
    assert not res.converged and res.parameters == ()


def test_report_lists_the_free_parameters_with_lavaans_standard_errors() -> None:
    from engine.report.pipeline import ScaleSpec, analyze

    case = REF["cases"]["holzinger"]
    x = load_dataset(case["csv"])
    specs = [ScaleSpec(f, tuple(its), frozenset(), 0, 10) for f, its in case["model"].items()]
    report = analyze(x, specs)
    rows = {(r["lhs"], r["op"], r["rhs"]): r for r in report["cfa"]["parameters"]}
    free = [p for p in case["parameters"] if p["se"] > 0]
    assert len(rows) == len(free) == 21  # the 3 marker loadings (fixed at 1) are left out
    for ref in free:
        got = rows[(ref["lhs"], ref["op"], ref["rhs"])]
        assert got["se"] == pytest.approx(ref["se"], abs=TOL_SE)
        assert got["ci"] == pytest.approx([ref["ci.lower"], ref["ci.upper"]], abs=TOL_SE)
    assert not any(note.startswith("cfa.parameters") for note in report["notes"])
