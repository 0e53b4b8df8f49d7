"""`samen analyze` beside the contract, against R (tests/reference/analyze_checks.R):
composite reliability (semTools::compRelSEM), Heywood cases (lavaan, psych), the CFA's
listwise n and its small-sample warning, and the SEM on the reported SD.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from engine.report.factors import MIN_CFA_RESPONDENTS, MIN_RESPONDENTS_PER_PARAMETER
from engine.report.pipeline import ScaleSpec, analyze
from webapp.cli import cli

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
REF = json.loads((REFERENCE_DIR / "analyze_checks.json").read_text(encoding="utf-8"))
CASES = REF["cases"]


def _args(name: str) -> list[str]:
    case = CASES[name]
    args = [str(REFERENCE_DIR / case["csv"]), "--range", "{:g}-{:g}".format(*case["range"])]
    for scale, keys in case["keys"].items():
        args += ["--scale", f"{scale}={','.join(keys)}"]
    return args


@cache
def _json(name: str) -> str:
    result = CliRunner().invoke(cli, ["analyze", *_args(name), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def report_of(name: str) -> dict:
    return json.loads(_json(name))


def _text(name: str, fmt: str = "text") -> str:
    result = CliRunner().invoke(cli, ["analyze", *_args(name), "--format", fmt])
    assert result.exit_code == 0, result.stderr
    return result.stdout


# -- composite reliability -----------------------------------------------------------------


# The composite comes from the fitted parameters: it agrees with semTools as closely as the
# CFA optimiser's solution agrees with lavaan's. lavaan's nlminb with its default rel.tol
# stops early on the flat surfaces of the Heywood and sparse cases (2.5e-6 and 1.9e-6 off in
# the composite: composite_reliability_default); the fixture's composite is lavaan's fit run
# to the minimum (optim.method = "BFGS", reltol 1e-15, tests/reference/analyze_checks.R),
# which Fisher scoring reaches on every case.
TOL_COMPOSITE = 1e-6


@pytest.mark.parametrize("name", sorted(CASES))
def test_composite_reliability_matches_semtools(name):
    got = report_of(name)
    tol = TOL_COMPOSITE
    for scale, want in CASES[name]["composite_reliability"].items():
        assert got["scales"][scale]["composite_reliability"] == pytest.approx(want, rel=tol)
        assert got["cfa"]["composite_reliability"][scale] == pytest.approx(want, rel=tol)


def test_composite_reliability_is_not_psych_omega_total():
    """Two different coefficients, both reported: the words must say which is which."""
    scales = report_of("bfi")["scales"]
    assert all(abs(s["composite_reliability"] - s["omega_total"]) > 1e-3 for s in scales.values())
    text = " ".join(_text("bfi").split())
    assert "omega total: psych::omega" in text
    assert "CFA rel: composite reliability" in text


def test_single_item_scale_has_no_composite_reliability_with_a_reason():
    rng = np.random.default_rng(3)
    f = rng.standard_normal(200)
    data = pd.DataFrame(
        {f"x{i}": np.clip(np.round(3 + f + rng.standard_normal(200)), 1, 5) for i in range(4)}
    )
    specs = [
        ScaleSpec("s", ("x0", "x1", "x2"), frozenset(), 1, 5),
        ScaleSpec("one", ("x3",), frozenset(), 1, 5),
    ]
    out = analyze(data, specs)
    assert out["scales"]["s"]["composite_reliability"] is not None
    assert out["scales"]["one"]["composite_reliability"] is None
    assert "scales.one.composite_reliability: single-item scale" in out["notes"]


# -- Heywood cases -------------------------------------------------------------------------


def test_heywood_reference_is_one():
    case = CASES["heywood"]
    assert case["cfa_loadings"]["a1"]["A"] > 1
    assert any("negative" in w for w in case["lavaan_warnings"])
    assert any("ultra-Heywood" in w for w in case["psych_warnings"])
    assert case["efa_communality"]["a1"] > 1


def test_cfa_loading_above_one_is_flagged_where_lavaan_warns():
    got, case = report_of("heywood"), CASES["heywood"]
    above = sorted(
        item
        for item, row in case["cfa_loadings"].items()
        for value in row.values()
        if abs(value) > 1
    )
    assert above == ["a1"]
    assert got["cfa"]["loadings"]["a1"]["A"] == pytest.approx(
        case["cfa_loadings"]["a1"]["A"], rel=1e-4
    )
    assert got["cfa"]["heywood"] == above
    notes = [n for n in got["notes"] if n.startswith("cfa.loadings.a1.A: ")]
    assert len(notes) == 1 and "Heywood case" in notes[0] and "above 1" in notes[0]


def test_efa_communality_above_one_is_flagged_where_psych_warns():
    got, case = report_of("heywood"), CASES["heywood"]
    over = sorted(i for i, h in case["efa_communality"].items() if h > 1)
    assert over == ["a1"]
    assert over == [i for i in got["efa"]["heywood"] if i in over]
    note = next(n for n in got["notes"] if n.startswith("efa.loadings.a1: "))
    assert "communality" in note and "ultra-Heywood" in note


def test_heywood_case_is_said_in_the_text_and_html_report():
    for fmt in ("text", "html"):
        page = " ".join(_text("heywood", fmt).split())
        assert "Heywood case in the CFA: standardised loading above 1 for a1" in page
        assert "Heywood case in the EFA: a loading or communality above 1 for a1" in page


@pytest.mark.parametrize("name", ["bfi", "teams", "sparse"])
def test_no_heywood_flag_where_r_has_none(name):
    got, case = report_of(name), CASES[name]
    assert not case["lavaan_warnings"] and not case["psych_warnings"]
    assert got["cfa"]["heywood"] == [] and got["efa"]["heywood"] == []
    assert "Heywood" not in _text(name)


# -- the CFA's n ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_cfa_states_the_listwise_n_and_parameters_lavaan_used(name):
    got, case = report_of(name), CASES[name]
    assert got["n"] == case["n"]
    assert got["cfa"]["n"] == case["cfa_n"]
    assert got["cfa"]["n_free_parameters"] == case["cfa_npar"]
    needed = max(MIN_CFA_RESPONDENTS, MIN_RESPONDENTS_PER_PARAMETER * case["cfa_npar"])
    assert got["cfa"]["small_sample"] is (case["cfa_n"] < needed)


def test_cfa_on_a_small_listwise_sample_warns_with_its_n():
    got, case = report_of("sparse"), CASES["sparse"]
    assert case["cfa_n"] < MIN_CFA_RESPONDENTS < case["n"]  # 35 of 731
    assert got["cfa"]["small_sample"] is True and got["cfa"]["chisq"] is not None
    note = next(n for n in got["notes"] if n.startswith("cfa.n: "))
    assert f"fitted on {case['cfa_n']} of {case['n']} respondents" in note
    assert "listwise" in note and f"{case['cfa_npar']} here" in note
    text = " ".join(_text("sparse").split())  # the summary wraps at 99 characters
    assert f"CFA (ML, N = {case['cfa_n']} of {case['n']} respondents" in text
    assert "small sample, read with care" in text


def test_large_listwise_sample_gets_no_warning():
    got = report_of("bfi")
    assert got["cfa"]["small_sample"] is False
    assert not any(n.startswith("cfa.n") for n in got["notes"])


# -- SEM -----------------------------------------------------------------------------------


def test_sem_uses_the_reported_scale_sd():
    """Respondents who answered one item of four have no scale score (min_share 2/3) but a
    mean item score: the SEM must use the SD of the reported scores."""
    rng = np.random.default_rng(11)
    n = 300
    f = rng.standard_normal(n)
    data = pd.DataFrame(
        {f"x{i}": np.clip(np.round(3 + f + rng.standard_normal(n)), 1, 5) for i in range(4)}
    )
    data.iloc[:60, 1:] = np.nan  # 60 respondents answered x0 only (extreme answers)
    data.iloc[:30, 0] = 1.0
    data.iloc[30:60, 0] = 5.0
    scale = analyze(data, [ScaleSpec("s", tuple(data.columns), frozenset(), 1, 5)])["scales"]["s"]
    assert scale["n"] == n - 60
    assert scale["sem"] == pytest.approx(scale["sd"] * math.sqrt(1 - scale["alpha"]), rel=1e-12)
    every_answer_sd = data.mean(axis=1).std(ddof=1)
    assert abs(every_answer_sd - scale["sd"]) > 0.05  # the other SD would give another SEM


def test_standard_error_of_measurement_checks_its_input():
    from engine.psychometrics.reliability import standard_error_of_measurement as sem

    assert sem(2.0, 0.75) == pytest.approx(1.0)
    assert math.isnan(sem(2.0, float("nan")))
    assert math.isnan(sem(2.0, 1.2))
    with pytest.raises(ValueError, match="sd"):
        sem(-1.0, 0.5)
    with pytest.raises(ValueError, match="reliability"):
        sem(1.0, "0.5")


def test_composite_reliability_formula_and_input_checks():
    from engine.psychometrics.omega import composite_reliability

    loadings = np.array([[1.0, 0.0], [0.5, 0.0], [0.0, 1.0]])
    pattern = loadings != 0
    phi = np.array([[2.0, 0.3], [0.3, 1.0]])
    s = np.array([[3.0, 1.0, 0.2], [1.0, 1.5, 0.1], [0.2, 0.1, 2.0]])
    got = composite_reliability(loadings, phi, s, pattern)
    assert got[0] == pytest.approx(1.5**2 * 2.0 / (3.0 + 1.5 + 2 * 1.0))
    assert math.isnan(got[1])  # one item
    with pytest.raises(ValueError, match="same items"):
        composite_reliability(loadings, phi, s[:2, :2], pattern)
