"""LMG relative importance (engine/comparisons/drivers.py) against R and the definition.

The references are ``tests/reference/compare_drivers.json``, written by
``tests/reference/compare_drivers.R`` (``summary(lm(y ~ X[, S]))$r.squared`` for every
subset and relaimpo's all-subsets LMG formula written out) on simulated data with known
importances (``data/compare_drivers.csv``: stay = 0.6 belonging + 0.35 safety + 0.15 voice
+ 0 workload) and on psych's bfi (neuroticism on the other four scales). LMG, shares and R²
within 1e-6 relative; the bootstrap is checked for determinism by seed and for coverage.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.comparisons.drivers import MAX_PREDICTORS, lmg, relative_importance, subset_r2
from engine.psychometrics.scoring import score_scale

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "reference"
REF = json.loads((REFERENCE_DIR / "compare_drivers.json").read_text(encoding="utf-8"))
CASES = {f"{case['data']}-{case['outcome']}": case for case in REF["cases"]}


def _inputs(case: dict) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Outcome and scale scores as the R script builds them, from the case's --scale args."""
    frame = pd.read_csv(REFERENCE_DIR / "data" / case["data"])
    args = case["args"]
    low, high = (float(v) for v in args[args.index("--range") + 1].split("-"))
    scores = {}
    for i, arg in enumerate(args):
        if arg != "--scale":
            continue
        name, keys = args[i + 1].split("=")
        keys = keys.split(",")
        items = [key.lstrip("-") for key in keys]
        reverse = {key[1:] for key in keys if key.startswith("-")}
        scores[name] = score_scale(frame[items], reverse, low, high, 2 / 3).to_numpy()
    outcome = case["outcome"]
    y = scores.pop(outcome) if outcome in scores else frame[outcome].to_numpy(dtype=float)
    return y, np.column_stack(list(scores.values())), list(scores)


@pytest.mark.parametrize("name", sorted(CASES))
def test_lmg_equals_r(name: str) -> None:
    case = CASES[name]
    y, x, names = _inputs(case)
    result = relative_importance(y, x, names, boot=0)
    assert result.n == case["n"]
    assert math.isclose(result.r2, case["r2"], rel_tol=1e-6)
    assert [d.name for d in result.drivers] == list(case["drivers"])
    for driver in result.drivers:
        want = case["drivers"][driver.name]
        for key in ("lmg", "share", "r"):
            assert math.isclose(getattr(driver, key), want[key], rel_tol=1e-6), (driver, key)
        assert driver.rank == want["rank"]
        assert driver.lmg_ci == (None, None)


def test_known_importances_are_found() -> None:
    """The simulation's order (belonging > safety > voice > workload) comes back."""
    y, x, names = _inputs(CASES["compare_drivers.csv-stay"])
    result = relative_importance(y, x, names, boot=0)
    ranked = sorted(result.drivers, key=lambda d: d.rank)
    assert [d.name for d in ranked] == ["belong", "safety", "voice", "workload"]
    assert math.isclose(sum(d.lmg for d in result.drivers), result.r2, rel_tol=1e-12)
    assert math.isclose(sum(d.share for d in result.drivers), 1.0, rel_tol=1e-12)


def _r2_lstsq(y: np.ndarray, x: np.ndarray) -> float:
    design = np.column_stack([np.ones(len(y)), x])
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    residual = y - design @ beta
    return 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))


def test_lmg_is_the_average_increment_over_all_orderings() -> None:
    """The definition, by refitting least squares over all 5! orderings."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(120, 5)) @ rng.normal(size=(5, 5))
    y = x @ np.array([0.5, -0.3, 0.2, 0.0, 0.1]) + rng.normal(size=120)
    want = np.zeros(5)
    for order in itertools.permutations(range(5)):
        before = 0.0
        for j in range(5):
            now = _r2_lstsq(y, x[:, list(order[: j + 1])])
            want[order[j]] += now - before
            before = now
    want /= math.factorial(5)
    got = relative_importance(y, x, list("abcde"), boot=0)
    np.testing.assert_allclose([d.lmg for d in got.drivers], want, rtol=1e-9)
    r2 = subset_r2(np.corrcoef(np.column_stack([y, x]), rowvar=False))
    assert math.isclose(r2[0b10110], _r2_lstsq(y, x[:, [1, 2, 4]]), rel_tol=1e-10)
    np.testing.assert_allclose(lmg(r2), want, rtol=1e-9)


def test_listwise_complete_cases() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 3))
    y = x.sum(axis=1) + rng.normal(size=50)
    x[0, 1] = np.nan
    y[1] = np.nan
    x[2, 0] = np.nan
    result = relative_importance(y, x, ["a", "b", "c"], boot=0)
    keep = np.ones(50, dtype=bool)
    keep[[0, 1, 2]] = False
    full = relative_importance(y[keep], x[keep], ["a", "b", "c"], boot=0)
    assert result.n == 47
    assert result.r2 == full.r2


def _data(seed: int, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    x[:, 1] += 0.5 * x[:, 0]
    y = x @ np.array([0.6, 0.3, 0.1]) + rng.normal(size=n)
    return y, x


def test_bootstrap_is_determined_by_the_seed() -> None:
    y, x = _data(1)
    first = relative_importance(y, x, ["a", "b", "c"], boot=200, seed=11)
    again = relative_importance(y, x, ["a", "b", "c"], boot=200, seed=11)
    other = relative_importance(y, x, ["a", "b", "c"], boot=200, seed=12)
    assert first == again
    assert first.r2_ci != other.r2_ci
    assert first.drivers[0].lmg_ci != other.drivers[0].lmg_ci
    for d in first.drivers:
        assert d.lmg_ci[0] < d.lmg < d.lmg_ci[1]
        assert d.share_ci[0] < d.share < d.share_ci[1]
    assert first.r2_ci[0] < first.r2 < first.r2_ci[1]


def test_bootstrap_intervals_cover_the_population_lmg() -> None:
    """80 samples of 300 from a known population: the 95% intervals cover its LMG of the
    strongest and the weakest predictor in most of them (percentile intervals of an R²
    share are not exact; 85% of 80 is a floor a broken bootstrap would not reach)."""
    beta = np.array([0.6, 0.3, 0.1])
    cov_x = np.array([[1.0, 0.5, 0.0], [0.5, 1.25, 0.0], [0.0, 0.0, 1.0]])
    cov = np.empty((4, 4))
    cov[1:, 1:] = cov_x
    cov[0, 1:] = cov[1:, 0] = cov_x @ beta
    cov[0, 0] = beta @ cov_x @ beta + 1.0
    sd = np.sqrt(np.diag(cov))
    truth = lmg(subset_r2(cov / np.outer(sd, sd)))
    covered = np.zeros(3)
    samples = 80
    for seed in range(samples):
        y, x = _data(1000 + seed, n=300)
        result = relative_importance(y, x, ["a", "b", "c"], boot=200, seed=seed)
        for j, d in enumerate(result.drivers):
            covered[j] += d.lmg_ci[0] <= truth[j] <= d.lmg_ci[1]
    assert (covered / samples >= 0.85).all(), covered / samples
    assert (covered / samples <= 1.0).all()
    assert covered[0] < samples or covered[2] < samples  # intervals are not everything


def test_what_cannot_be_computed_is_none_with_a_note() -> None:
    y, x = _data(2, n=30)
    x[:, 2] = 4.0
    result = relative_importance(y, x, ["a", "b", "c"], boot=50)
    assert result.r2 is None and all(d.lmg is None for d in result.drivers)
    assert result.notes == ("no variation in c: no R², no LMG",)
    y, x = _data(2, n=4)
    few = relative_importance(y, x, ["a", "b", "c"], boot=50)
    assert few.r2 is None and few.n == 4
    assert few.notes == ("4 complete cases for 3 predictors: at least 5 needed",)
    y, x = _data(2, n=30)
    x[:, 2] = x[:, 0] + 2 * x[:, 1]
    collinear = relative_importance(y, x, ["a", "b", "c"], boot=0)
    assert collinear.r2 is None and "collinear" in collinear.notes[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"names": ["a", "a", "b"]}, "distinct names"),
        ({"names": ["a", "b"]}, "distinct names"),
        ({"boot": -1}, "boot"),
        ({"seed": 1.5}, "seed"),
        ({"confidence": 1.0}, "confidence"),
        ({"outcome": np.ones((5, 2))}, "outcome"),
        ({"outcome": [1.0, np.inf, 2, 3, 4, 5]}, "infinite"),
    ],
)
def test_bad_input_is_a_value_error(kwargs: dict, message: str) -> None:
    y, x = _data(4, n=6)
    args = {"outcome": y, "predictors": x, "names": ["a", "b", "c"], **kwargs}
    with pytest.raises(ValueError, match=message):
        relative_importance(**args)


def test_more_than_twelve_predictors_are_refused() -> None:
    rng = np.random.default_rng(5)
    p = MAX_PREDICTORS + 1
    with pytest.raises(ValueError, match="limited to 12 predictors"):
        relative_importance(rng.normal(size=40), rng.normal(size=(40, p)), range(p), boot=0)
    twelve = relative_importance(
        rng.normal(size=40), rng.normal(size=(40, 12)), [str(i) for i in range(12)], boot=0
    )
    assert twelve.r2 is not None
    assert math.isclose(sum(d.lmg for d in twelve.drivers), twelve.r2, rel_tol=1e-10)


def test_bootstrap_replicates_without_variation_are_left_out_and_counted() -> None:
    """A predictor with one respondent off its mode is constant in about a third of the
    replicates; two such predictors in over half, and then there are no intervals."""
    rng = np.random.default_rng(8)
    n = 30
    x = np.column_stack([rng.normal(size=n), np.zeros(n), np.zeros(n)])
    x[0, 1] = 1.0
    y = x[:, 0] + rng.normal(size=n)
    one = relative_importance(y, x[:, :2], ["a", "b"], boot=300, seed=3)
    assert one.r2 is not None
    (note,) = one.notes
    failed = int(note.split()[0])
    assert 60 < failed < 150  # expected 300 * (29/30)**30 = 108
    assert note == (
        f"{failed} of 300 bootstrap replicates had a constant column or collinear"
        " predictors and were left out"
    )
    assert one.drivers[1].lmg_ci[0] is not None
    x[1, 2] = 1.0
    two = relative_importance(y, x, ["a", "b", "c"], boot=300, seed=3)
    assert two.notes[-1] == "fewer than half of the bootstrap replicates were usable: no intervals"
    assert two.r2_ci == (None, None) and two.drivers[0].lmg_ci == (None, None)
    assert two.drivers[0].lmg is not None
