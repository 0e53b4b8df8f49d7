"""The programme effect against R (clubSandwich CR2, lme4 REML), its coverage, and bad input.

Reference: ``tests/reference/compare_programme.json`` from ``compare_programme.R`` on
``data/compare_programme.csv`` (22 teams, 8 in the programme, known effect 0.40 on
belonging and 0 on safety; 3 teams below k = 5 in a wave). Tolerances of issue 10:
estimates 1e-6 relative, SEs and CIs 1e-4, df 1e-3.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.comparisons.cluster_robust import cr2_within
from engine.comparisons.mixed import random_intercept_reml
from engine.comparisons.programme import compare_programme, programme_effect
from engine.report.pipeline import ScaleSpec
from tests.engine.conftest import load_dataset, load_reference

REF = load_reference("compare_programme")
HEADER = REF["header"]


def _report() -> dict:
    data = load_dataset("compare_programme.csv")
    specs = [
        ScaleSpec(name, tuple(ref["items"]), frozenset(ref["reverse"]), 1.0, 5.0)
        for name, ref in REF["scales"].items()
    ]
    items = [item for spec in specs for item in spec.items]
    return compare_programme(
        data[items],
        specs,
        data["team"].to_numpy(),
        data["round"].to_numpy(),
        data["programme"].to_numpy() == 1,
        before=HEADER["before"],
        after=HEADER["after"],
        k=HEADER["k"],
    )


REPORT = _report()


@pytest.mark.parametrize("scale", sorted(REF["scales"]))
def test_matches_clubsandwich_and_lme4(scale: str) -> None:
    ref, got = REF["scales"][scale], REPORT["scales"][scale]
    assert got["estimate"] == pytest.approx(ref["estimate"], rel=1e-6)
    assert got["se"] == pytest.approx(ref["se"], abs=1e-4)
    assert got["df"] == pytest.approx(ref["df"], abs=1e-3)
    assert got["ci"] == pytest.approx(ref["ci"], abs=1e-4)
    assert got["p"] == pytest.approx(ref["p"], abs=1e-4)
    assert got["n"] == ref["n"]
    assert got["units"] == ref["units"]
    assert got["units_left_out"] == ref["units_left_out"] == 3
    assert got["mixed"]["estimate"] == pytest.approx(ref["mixed"]["estimate"], rel=1e-6)
    assert got["mixed"]["se"] == pytest.approx(ref["mixed"]["se"], abs=1e-4)
    assert [m["unit"] for m in got["unit_means"]] == [m["unit"] for m in ref["unit_means"]]
    for mine, theirs in zip(got["unit_means"], ref["unit_means"], strict=True):
        assert mine["treated"] == theirs["treated"]
        assert (mine["n_before"], mine["n_after"]) == (theirs["n_before"], theirs["n_after"])
        assert mine["before"] == pytest.approx(theirs["before"], rel=1e-12)
        assert mine["after"] == pytest.approx(theirs["after"], rel=1e-12)


AWARDS = REF["awards"]


def _awards_report() -> dict:
    data = load_dataset("compare_programme_awards.csv")
    specs = [
        ScaleSpec(name, tuple(ref["items"]), frozenset(), 0.0, 1.0)
        for name, ref in AWARDS["scales"].items()
    ]
    items = [item for spec in specs for item in spec.items]
    return compare_programme(
        data[items],
        specs,
        data["school_id"].to_numpy(),
        data["year"].astype(str).to_numpy(),
        data["treated"].to_numpy() == 1,
        before=AWARDS["before"],
        after=AWARDS["after"],
    )


@pytest.mark.parametrize("scale", sorted(AWARDS["scales"]))
def test_public_data_set_matches_r(scale: str) -> None:
    """clubSandwich's AchievementAwardsRCT (Angrist & Lavy 2009): 39 schools with students
    in 2000 and 2001, 20 offered the awards; four years in the file, two compared."""
    ref, got = AWARDS["scales"][scale], _awards_report()["scales"][scale]
    assert got["estimate"] == pytest.approx(ref["estimate"], rel=1e-6)
    assert got["se"] == pytest.approx(ref["se"], rel=1e-9)
    assert got["df"] == pytest.approx(ref["df"], rel=1e-9)
    assert got["ci"] == pytest.approx(ref["ci"], abs=1e-4)
    assert got["p"] == pytest.approx(ref["p"], abs=1e-4)
    assert (got["n"], got["units"], got["units_left_out"]) == (
        ref["n"],
        ref["units"],
        ref["units_left_out"],
    )
    assert got["mixed"]["estimate"] == pytest.approx(ref["mixed"]["estimate"], rel=1e-6)
    assert got["mixed"]["se"] == pytest.approx(ref["mixed"]["se"], abs=1e-4)


def test_cr2_is_exact_not_only_within_tolerance() -> None:
    """The CR2 algebra is closed form: it agrees with clubSandwich to rounding, far inside
    the issue's tolerance (a wrong adjustment matrix moves the SE in the 3rd digit)."""
    for scale, ref in REF["scales"].items():
        got = REPORT["scales"][scale]
        assert got["se"] == pytest.approx(ref["se"], rel=1e-9)
        assert got["df"] == pytest.approx(ref["df"], rel=1e-9)


def test_the_known_effect_is_found() -> None:
    """Belonging was generated with +0.40 for the programme teams, safety with 0."""
    belonging, safety = REPORT["scales"]["belonging"], REPORT["scales"]["safety"]
    assert belonging["excludes_zero"] and belonging["ci"][0] < 0.40 < belonging["ci"][1]
    assert not safety["excludes_zero"] and safety["ci"][0] < 0 < safety["ci"][1]


def test_left_out_units_are_counted_not_shown() -> None:
    """The three teams below k in a wave appear only as a count: no mean, no n, and the
    scale's n is exactly the sum of the shown units' n (nothing to subtract from)."""
    for result in REPORT["scales"].values():
        shown = {m["unit"] for m in result["unit_means"]}
        assert not shown & {"T20", "T21", "T22"}
        assert all(min(m["n_before"], m["n_after"]) >= HEADER["k"] for m in result["unit_means"])
        assert result["n"] == sum(m["n_before"] + m["n_after"] for m in result["unit_means"])
    assert "n" not in REPORT  # a total beside the scale's n would give a left-out unit's count
    assert not any(re.search(r"(?<!k = )\b\d+ respon", note) for note in REPORT["notes"])
    assert any("3 unit(s) left out" in note for note in REPORT["notes"])


def _dense_cr2(z: np.ndarray, y: np.ndarray, cluster: np.ndarray) -> tuple[float, float, float]:
    """clubSandwich's lm path written out on the full dummy-variable design, line by line
    (vcov_CR, CR2, get_GH, get_P_array, Satterthwaite_df): an independent check of the
    absorbed, low-rank computation."""
    levels = np.unique(cluster)
    dummies = (cluster[:, None] == levels[None, :]).astype(float)
    x = np.column_stack([z, dummies])
    m = np.linalg.inv(x.T @ x)
    beta = m @ x.T @ y
    e = y - x @ beta
    rows = [np.flatnonzero(cluster == level) for level in levels]
    adjust = []
    for idx in rows:
        ih = np.eye(len(idx)) - x[idx] @ m @ x[idx].T
        val, vec = np.linalg.eigh(ih)
        adjust.append(vec @ np.diag(np.where(val > 1e-12, val, 1) ** -0.5 * (val > 1e-12)) @ vec.T)
    est = [x[idx].T @ a for idx, a in zip(rows, adjust, strict=True)]
    comps = np.column_stack([ej @ e[idx] for ej, idx in zip(est, rows, strict=True)])
    vcov = m @ comps @ comps.T @ m
    lower = np.linalg.cholesky(m)
    g = [(m @ ej)[0] for ej in est]
    h = np.column_stack([(m @ ej @ x[idx] @ lower)[0] for ej, idx in zip(est, rows, strict=True)])
    p = -(h.T @ h) + np.diag([gj @ gj for gj in g])
    return float(beta[0]), float(np.sqrt(vcov[0, 0])), float(np.trace(p) ** 2 / np.sum(p * p))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cr2_equals_the_dense_formulas(seed: int) -> None:
    """Unbalanced clusters (one of 2 rows, smaller than the regressors + intercept), a
    continuous covariate next to the DiD columns."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 30, size=9)
    sizes[0] = 2
    cluster = np.repeat(np.arange(9), sizes)
    post = rng.integers(0, 2, size=len(cluster)).astype(float)
    post[np.cumsum(sizes) - 1] = 1 - post[np.cumsum(sizes) - 1]  # both waves in a cluster
    treated = (np.arange(9) < 4)[cluster].astype(float)
    z = np.column_stack([treated * post, post, rng.normal(size=len(cluster))])
    y = 0.3 * z[:, 0] + rng.normal(size=9)[cluster] + rng.normal(size=len(cluster))
    got = cr2_within(z, y, cluster, column=0)
    assert (got.estimate, got.se, got.df) == pytest.approx(_dense_cr2(z, y, cluster), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(3, 9),
    st.lists(st.integers(2, 12), min_size=9, max_size=9),
    st.integers(0, 2**32 - 1),
)
def test_cr2_property_dense_equality_and_invariance(clusters: int, sizes: list[int], seed: int):
    """For any cluster sizes (2-12 rows, both waves in each), a treated subset and outcome:
    the absorbed computation equals the dense formulas, and shuffling the rows and renaming
    the clusters changes nothing."""
    rng = np.random.default_rng(seed)
    size = np.array(sizes[:clusters])
    cluster = np.repeat(np.arange(clusters), size)
    post = rng.integers(0, 2, size=len(cluster)).astype(float)
    starts = np.concatenate([[0], np.cumsum(size)[:-1]])
    post[starts], post[starts + 1] = 0.0, 1.0
    treated = np.zeros(clusters)
    treated[rng.permutation(clusters)[: rng.integers(1, clusters)]] = 1.0
    z = np.column_stack([treated[cluster] * post, post])
    y = rng.normal(size=clusters)[cluster] + rng.normal(size=len(cluster))
    got = cr2_within(z, y, cluster, column=0)
    assert (got.estimate, got.se, got.df) == pytest.approx(_dense_cr2(z, y, cluster), rel=1e-7)
    order = rng.permutation(len(cluster))
    rename = rng.permutation(clusters)
    again = cr2_within(z[order], y[order], rename[cluster][order], column=0)
    assert (again.estimate, again.se, again.df) == pytest.approx(
        (got.estimate, got.se, got.df), rel=1e-9
    )


def _simulated(rng: np.random.Generator, effect: float) -> tuple[np.ndarray, ...]:
    """48 units, the first 12 in the programme, 4-12 responses per unit and wave; unit
    effects (SD 0.4) and unit-by-wave shocks (SD 0.15) that every respondent of a unit in a
    wave shares, skewed respondent noise: the dependence CR2 must absorb."""
    sizes = rng.integers(4, 13, size=(48, 2)) + 5
    unit = np.concatenate([np.repeat(np.arange(48), sizes[:, w]) for w in (0, 1)])
    post = np.concatenate([np.full(sizes[:, w].sum(), w) for w in (0, 1)])
    treated = unit < 12
    shock = rng.normal(0, 0.15, size=(48, 2))
    noise = rng.gamma(2.0, 0.35, size=len(unit)) - 0.7
    score = (
        3.0
        + rng.normal(0, 0.4, size=48)[unit]
        + 0.1 * post
        + effect * treated * post
        + shock[unit, post]
        + noise
    )
    return score, unit, post, treated


def _naive_covers(score, unit, post, treated, effect) -> bool:
    """Whether the iid-OLS 95% interval of the same fixed-effects regression covers."""
    from scipy import stats

    counts = np.bincount(unit)
    z = np.column_stack([treated * post, post]).astype(float)
    z -= (np.array([np.bincount(unit, z[:, c]) for c in (0, 1)]).T / counts[:, None])[unit]
    y = score - (np.bincount(unit, score) / counts)[unit]
    inverse = np.linalg.inv(z.T @ z)
    beta = inverse @ z.T @ y
    resid = y - z @ beta
    dof = len(y) - len(counts) - 2
    half = stats.t.ppf(0.975, dof) * np.sqrt(resid @ resid / dof * inverse[0, 0])
    return bool(abs(beta[0] - effect) <= half)


def test_simulation_coverage_of_the_95_interval() -> None:
    """Issue 10: over 200 data sets with 12 treated of 48 units the 95% CI covers the true
    effect in at least 90%. The same data with the naive iid standard error (what a plain
    ``lm`` reports) cover clearly less, so this test can fail for a wrong SE.

    With seed 20261203: CR2 covers in 190 of 200 (95%), the naive interval in 165 (82.5%).
    Cost: ~2 s (200 calls of programme_effect, each with the lmer second opinion, on 48
    units of 9-16 responses per wave; the unit and wave bookkeeping is numpy, not pandas)."""
    rng = np.random.default_rng(20261203)
    effect = 0.25
    covered = naive_covered = 0
    for _ in range(200):
        score, unit, post, treated = _simulated(rng, effect)
        wave = np.where(post == 1, "after", "before")
        result = programme_effect(
            score, unit.astype(str), wave, treated, before="before", after="after"
        )
        assert result.units_treated == 12 and result.units_control == 36
        covered += result.ci[0] <= effect <= result.ci[1]
        naive_covered += _naive_covers(score, unit, post, treated, effect)
    assert covered / 200 >= 0.90, covered
    assert naive_covered / 200 < 0.85, naive_covered


def test_mixed_model_equals_the_closed_form_on_balanced_data() -> None:
    """Balanced one-way design: REML's variance components have closed forms (ANOVA)."""
    rng = np.random.default_rng(7)
    group = np.repeat(np.arange(12), 10)
    y = rng.normal(size=12)[group] + rng.normal(size=120)
    fit = random_intercept_reml(np.ones((120, 1)), y, group)
    means = np.bincount(group, y) / 10
    msw = np.sum((y - means[group]) ** 2) / (120 - 12)
    msb = 10 * np.sum((means - y.mean()) ** 2) / 11
    assert fit.sigma**2 == pytest.approx(msw, rel=1e-7)
    assert fit.sd_group**2 == pytest.approx((msb - msw) / 10, rel=1e-6)
    assert fit.se[0] == pytest.approx(np.sqrt(msb / 120), rel=1e-6)


# -- bad input -----------------------------------------------------------------------------


def _small() -> dict:
    unit = np.repeat(["a", "b", "c", "d"], 10)
    wave = np.tile(np.repeat(["w1", "w2"], 5), 4)
    treated = np.isin(unit, ["a", "b"])
    score = np.random.default_rng(0).normal(size=40)
    return {"score": score, "unit": unit, "wave": wave, "treated": treated}


def test_small_valid_input_runs() -> None:
    result = programme_effect(**_small(), before="w1", after="w2")
    assert (result.units_treated, result.units_control, result.n) == (2, 2, 40)


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (lambda d: d["treated"].__setitem__(0, False), {}, "marked both"),
        (lambda d: None, {"before": "w1", "after": "w1"}, "same wave"),
        (lambda d: None, {"k": 2}, "at least 3"),
        (lambda d: None, {"after": "w9"}, "no responses"),
        (lambda d: d["score"].__setitem__(slice(0, 6), np.nan), {}, "at least 2 of each"),
        (lambda d: d.__setitem__("unit", d["unit"][:-1]), {}, "one entry per score"),
        (lambda d: d.__setitem__("treated", d["treated"].astype(int)), {}, "boolean"),
        (lambda d: d["score"].__setitem__(3, np.inf), {}, "infinite"),
        (lambda d: d.__setitem__("score", np.repeat([1.0, 2.0], 20)), {}, "do not vary"),
        # every unit-wave cell the same five scores: the SE is rounding noise (~1e-17), not 0
        (lambda d: d.__setitem__("score", np.tile(np.arange(5) / 3, 8)), {}, "do not vary"),
        (lambda d: None, {"confidence": 95}, "confidence"),
    ],
)
def test_bad_input_is_a_value_error(change, kwargs, message: str) -> None:
    data = _small()
    change(data)
    options = {"before": "w1", "after": "w2", **kwargs}
    with pytest.raises(ValueError, match=message):
        programme_effect(**data, **options)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((np.ones((4, 1)), np.ones(4), np.array([0, 0, 0, 0])), "at least 2 clusters"),
        ((np.ones((4, 1)), np.ones(3), np.array([0, 0, 1, 1])), "differ in length"),
        ((np.ones((4, 1)), np.ones(4), np.array([0, 0, 1, 1])), "collinear"),
        ((np.ones((4, 1)), np.ones(4), np.array(["a", "a", "b", "b"])), "integer codes"),
    ],
)
def test_cr2_bad_input(args, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cr2_within(*args)


def test_a_scale_without_enough_units_is_null_with_a_note() -> None:
    data = load_dataset("compare_programme.csv")
    spec = ScaleSpec("belonging", ("bel1", "bel2", "bel3", "bel4"), frozenset({"bel4"}), 1, 5)
    report = compare_programme(
        data[list(spec.items)],
        [spec],
        data["team"].to_numpy(),
        data["round"].to_numpy(),
        data["programme"].to_numpy() == 1,
        before="2025-2",
        after="2026-2",
        k=40,
    )
    assert report["scales"] == {"belonging": None}
    assert "at least 2 of each are needed" in report["notes"][0]
