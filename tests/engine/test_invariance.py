"""Measurement invariance against lavaan (tests/reference/invariance.R): configural, metric
and scalar multi-group CFA on HolzingerSwineford1939 by school (lavaan's published example)
and on simulated data with one non-invariant intercept."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.comparisons.invariance import MIN_GROUP_RESPONDENTS, invariance
from tests.engine.conftest import load_dataset, load_reference

REF = load_reference("invariance")["cases"]
STEPS = ("configural", "metric", "scalar")
TOL_ESTIMATE = 1e-6  # relative
TOL_FIT = 1e-3
TOL_RMSEA = 2e-4


def data(name: str) -> pd.DataFrame:
    return load_dataset(REF[name]["csv"].removeprefix("data/"))


_RESULTS: dict[str, object] = {}


def result(name: str):
    if name not in _RESULTS:
        x = data(name)
        _RESULTS[name] = invariance(x, REF[name]["scales"], x[REF[name]["group"]])
    return _RESULTS[name]


@pytest.mark.parametrize("name", sorted(REF))
@pytest.mark.parametrize("step", STEPS)
def test_fit_per_step_matches_lavaan(name: str, step: str) -> None:
    want = REF[name][step]
    got = getattr(result(name), step)
    assert want["converged"] and got.converged
    fit = want["fit"]
    assert got.df == fit["df"]
    assert got.n_free_parameters == fit["npar"]
    assert got.chisq == pytest.approx(fit["chisq"], rel=1e-6)  # tighter than the contract
    for ours, theirs in [("cfi", "cfi"), ("tli", "tli"), ("srmr", "srmr"), ("p", "pvalue")]:
        assert getattr(got, ours) == pytest.approx(fit[theirs], abs=TOL_FIT), ours
    assert got.rmsea == pytest.approx(fit["rmsea"], abs=TOL_RMSEA)
    assert got.rmsea_ci[0] == pytest.approx(fit["rmsea.ci.lower"], abs=TOL_RMSEA)
    assert got.rmsea_ci[1] == pytest.approx(fit["rmsea.ci.upper"], abs=TOL_RMSEA)
    # measured: every index within 3e-7 of lavaan's; SRMR's mean residuals and RMSEA's
    # sqrt(G) are what a wrong formula would move by more than 1e-3
    assert got.srmr == pytest.approx(fit["srmr"], abs=1e-6)
    assert got.rmsea == pytest.approx(fit["rmsea"], abs=1e-8)


@pytest.mark.parametrize("name", sorted(REF))
def test_groups_and_listwise_n_as_lavaan(name: str) -> None:
    want = REF[name]["configural"]
    got = result(name)
    assert list(got.groups) == want["groups"]
    assert [got.n[g] for g in got.groups] == want["nobs"]


def _estimate(fit, items: list[str], factors: list[str], row: dict) -> float:
    g = row["group"] - 1
    lhs, op, rhs = row["lhs"], row["op"], row["rhs"]
    if op == "=~":
        return fit.lam[g][items.index(rhs), factors.index(lhs)]
    if op == "~1":
        if lhs in factors:
            return fit.alpha[g][factors.index(lhs)]
        return fit.nu[g][items.index(lhs)]
    if lhs in factors:
        return fit.phi[g][factors.index(lhs), factors.index(rhs)]
    if lhs != rhs:
        raise AssertionError(f"unexpected residual covariance {lhs} ~~ {rhs}")
    return fit.theta[g][items.index(lhs)]


@pytest.mark.parametrize("name", sorted(REF))
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(
    ("key", "tol"),
    # lavaan's default nlminb stops up to 2.4e-8 of chi-square above the minimum, up to
    # 2e-5 (relative) from it in the estimates (measured); its BFGS with reltol 1e-16
    # reaches the minimum Fisher scoring reaches, and the 1e-6 contract holds there
    [("estimates", TOL_ESTIMATE), ("estimates_default", 1e-4)],
)
def test_estimates_match_lavaan(name: str, step: str, key: str, tol: float) -> None:
    scales = REF[name]["scales"]
    factors = list(scales)
    items = [item for its in scales.values() for item in its]
    fit = getattr(result(name), step).fit
    rows = REF[name][step][key]
    assert len(rows) > 40
    for row in rows:
        got = _estimate(fit, items, factors, row)
        # abs: a factor mean or covariance near 0 has no relative precision
        assert got == pytest.approx(row["est"], rel=tol, abs=tol / 10), row


@pytest.mark.parametrize("name", sorted(REF))
@pytest.mark.parametrize("step", STEPS)
def test_chisq_is_the_minimum_lavaan_reaches(name: str, step: str) -> None:
    got = getattr(result(name), step)
    assert REF[name][step]["converged_exact"]
    assert got.chisq == pytest.approx(REF[name][step]["chisq_exact"], abs=1e-7)
    assert got.chisq <= REF[name][step]["fit"]["chisq"] + 1e-9  # never above lavaan's default


def test_holzinger_published_values_and_verdict() -> None:
    # lavaan tutorial, "Measurement invariance": chisq 115.851 (48), 124.044 (54), 164.103 (60)
    res = result("holzinger")
    assert [round(getattr(res, s).chisq, 3) for s in STEPS] == [115.851, 124.044, 164.103]
    assert [getattr(res, s).df for s in STEPS] == [48, 54, 60]
    # delta CFI metric -0.0025, scalar -0.0384: metric holds, scalar does not (Chen)
    assert res.metric.holds is True and res.scalar.holds is False
    assert res.metric.delta_cfi == pytest.approx(
        REF["holzinger"]["metric"]["fit"]["cfi"] - REF["holzinger"]["configural"]["fit"]["cfi"],
        abs=1e-6,
    )
    assert res.level == "metric"
    assert "means cannot" in res.verdict


def test_simulated_intercept_shift_is_found() -> None:
    """The script shifts y3's intercept by 0.6 in group b and nothing else."""
    res = result("simulated")
    assert res.metric.holds is True
    assert res.scalar.holds is False
    assert res.scalar.delta_cfi < -0.010
    assert res.level == "metric"
    assert res.n_missing_group == 6


def test_invariant_data_reach_scalar() -> None:
    rng = np.random.default_rng(11)
    frames = []
    for label in ("nl", "en"):
        f = rng.standard_normal(600)
        cols = {
            f"i{j}": 3 + (0.6 + 0.1 * j) * f + 0.7 * rng.standard_normal(600) for j in range(4)
        }
        frames.append(pd.DataFrame(cols).assign(lang=label))
    x = pd.concat(frames, ignore_index=True)
    res = invariance(x, {"s": ["i0", "i1", "i2", "i3"]}, x["lang"])
    assert res.level == "scalar"
    assert res.metric.holds and res.scalar.holds
    assert "means can be compared" in res.verdict


def test_small_group_is_refused_without_its_count() -> None:
    x = data("holzinger")
    group = x["school"].copy()
    group.iloc[:30] = "tiny"
    with pytest.raises(ValueError, match=f"'tiny': fewer than {MIN_GROUP_RESPONDENTS}") as exc:
        invariance(x, REF["holzinger"]["scales"], group)
    assert "30" not in str(exc.value)


def test_one_group_is_refused() -> None:
    x = data("holzinger")
    with pytest.raises(ValueError, match="two groups"):
        invariance(x, REF["holzinger"]["scales"], ["same"] * len(x))


def test_group_length_must_match() -> None:
    x = data("holzinger")
    with pytest.raises(ValueError, match="one value per respondent"):
        invariance(x, REF["holzinger"]["scales"], x["school"].iloc[:10])


# -- samen analyze --invariance ------------------------------------------------------------


def _cli(*extra: str):
    from click.testing import CliRunner

    from webapp.cli import cli

    csv = str(Path(__file__).resolve().parent.parent / "reference" / REF["holzinger"]["csv"])
    scales = [f"--scale={s}={','.join(its)}" for s, its in REF["holzinger"]["scales"].items()]
    return CliRunner().invoke(cli, ["analyze", csv, "--range", "0-10", *scales, *extra])


@cache
def _cli_json() -> dict:
    result = _cli("--invariance", "school", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("step", STEPS)
def test_cli_json_matches_lavaan(step: str) -> None:
    got = _cli_json()["invariance"]
    want = REF["holzinger"][step]["fit"]
    assert got["column"] == "school"
    assert got["groups"] == {"Pasteur": 156, "Grant-White": 145}
    assert got[step]["df"] == want["df"]
    assert got[step]["chisq"] == pytest.approx(want["chisq"], rel=1e-6)
    for key in ("cfi", "tli", "srmr"):
        assert got[step][key] == pytest.approx(want[key], abs=TOL_FIT)
    assert got[step]["rmsea"] == pytest.approx(want["rmsea"], abs=TOL_RMSEA)
    assert got[step]["rmsea_ci"][1] == pytest.approx(want["rmsea.ci.upper"], abs=TOL_RMSEA)
    if step != "configural":
        previous = REF["holzinger"][STEPS[STEPS.index(step) - 1]]["fit"]
        assert got[step]["delta_cfi"] == pytest.approx(want["cfi"] - previous["cfi"], abs=1e-6)
        assert got[step]["delta_rmsea"] == pytest.approx(
            want["rmsea"] - previous["rmsea"], abs=1e-6
        )


def test_cli_json_verdict_and_contract_keys() -> None:
    out = _cli_json()
    inv = out["invariance"]
    assert inv["level"] == "metric"
    assert inv["metric"]["holds"] is True and inv["scalar"]["holds"] is False
    assert inv["cutoffs"] == {"delta_cfi": -0.01, "delta_rmsea": 0.015}
    assert inv["min_group_n"] == MIN_GROUP_RESPONDENTS
    assert out["cfa"]["chisq"] == pytest.approx(85.306, abs=1e-3)  # the rest is unchanged


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_cli_text_and_html_show_the_table_and_verdict(fmt: str) -> None:
    result = _cli("--invariance", "school", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Measurement invariance across school" in text
    assert "Pasteur n = 156; Grant-White n = 145" in text
    assert "Metric invariance holds, scalar invariance does not" in text
    for chisq in ("115.851 (48)", "124.044 (54)", "164.103 (60)"):
        assert chisq in text


def test_cli_without_invariance_has_no_key() -> None:
    result = _cli("--format", "json")
    assert result.exit_code == 0
    assert "invariance" not in json.loads(result.stdout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--invariance", "nope"), "no column 'nope'"),
        (("--invariance", "x1"), "--invariance 'x1' is also an item"),
        (("--invariance", "x9"), "is also an item"),
    ],
)
def test_cli_bad_invariance_column_is_one_line_exit_2(args, message) -> None:
    result = _cli(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_small_group_is_refused_in_one_line(tmp_path) -> None:
    x = data("holzinger")
    x.loc[:40, "school"] = "small"
    csv = tmp_path / "hs.csv"
    x.to_csv(csv, index=False)
    from click.testing import CliRunner

    from webapp.cli import cli

    scales = [f"--scale={s}={','.join(its)}" for s, its in REF["holzinger"]["scales"].items()]
    result = CliRunner().invoke(
        cli, ["analyze", str(csv), "--range", "0-10", *scales, "--invariance", "school"]
    )
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "--invariance 'school'" in line and "'small'" in line
    assert f"fewer than {MIN_GROUP_RESPONDENTS} respondents" in line
    assert "41" not in line  # the group's size is not told


def test_cli_report_names_the_optimiser() -> None:
    assert _cli_json()["cfa"]["optimizer"] == "Fisher scoring"
    for step in STEPS:
        assert _cli_json()["invariance"][step]["optimizer"] == "Fisher scoring"


def test_heywood_case_in_a_group_is_named_and_said() -> None:
    """Group b's first scale has items correlating .85, .85 and .55 (as analyze_checks.R): a
    negative residual variance of the first item there (a Heywood case)."""
    rng = np.random.default_rng(5)
    frames = []
    for label, c in (("a", 0.5), ("b", None)):
        r = np.full((6, 6), 0.25)
        r[:3, :3] = c if c is not None else 0.5
        r[3:, 3:] = 0.5
        if c is None:
            r[0, 1] = r[1, 0] = r[0, 2] = r[2, 0] = 0.85
            r[1, 2] = r[2, 1] = 0.55
        np.fill_diagonal(r, 1.0)
        x = rng.multivariate_normal(np.zeros(6), r, 400)
        frames.append(pd.DataFrame(x, columns=[f"i{j}" for j in range(6)]).assign(g=label))
    data_ = pd.concat(frames, ignore_index=True)
    res = invariance(data_, {"A": ["i0", "i1", "i2"], "B": ["i3", "i4", "i5"]}, data_["g"])
    assert res.configural.converged
    assert "b: i0" in res.configural.negative_variances
    assert not any(v.startswith("a:") for v in res.configural.negative_variances)
    assert "negative variances (Heywood cases)" in res.verdict
