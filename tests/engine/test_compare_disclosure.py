"""`samen compare` never shows a number behind fewer than k responses, nor one that a
subtraction turns into such a number.

Each test plays the attacker: it runs the command on a CSV shaped like Samen's export
(unit, gender, wave, items), takes the numbers it prints, and subtracts them the way one
would to isolate a small group. k counts responses with a scale score.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.report.pipeline import ScaleSpec
from webapp.cli import cli
from webapp.cli.compare_views import group_view, wave_view

K = 5  # responses with a scale score (the default --k)
SCALE = ["--scale", "belong=q1,q2,q3", "--range", "1-5"]


def _csv(tmp_path: Path, sizes: dict[str, int], seed: int = 1, wave: str = "2026") -> Path:
    """One row per respondent; gender '' = not answered; group 'y' answers low on purpose."""
    rng = np.random.default_rng(seed)
    rows = []
    for gender, n in sizes.items():
        for _ in range(n):
            base = 1 if gender == "y" else 3
            q = np.clip(base + rng.integers(-1, 3, size=3), 1, 5)
            rows.append(
                {
                    "unit": "U1",
                    "gender": gender,
                    "wave": wave,
                    **dict(zip(("q1", "q2", "q3"), q, strict=True)),
                }
            )
    path = tmp_path / "export.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _groups(path: Path, *extra: str) -> dict:
    result = CliRunner().invoke(
        cli, ["compare", "groups", str(path), "--by", "gender", *SCALE, "--format", "json", *extra]
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["scales"]["belong"]


def _subtract(scale: dict) -> tuple[int, float | None]:
    """What an attacker derives: the scale's total minus every group shown."""
    shown = [g for g in scale["groups"].values() if g["n"] is not None]
    n = scale["n"] - sum(g["n"] for g in shown)
    total = scale["n"] * scale["mean"] - sum(g["n"] * g["mean"] for g in shown)
    return n, (total / n if n else None)


def test_a_group_of_two_is_withheld_and_cannot_be_subtracted(tmp_path):
    path = _csv(tmp_path, {"w": 40, "m": 30, "x": 6, "y": 2})
    scale = _groups(path)
    assert scale["groups"]["y"] == {
        "n": None,
        "mean": None,
        "sd": None,
        "withheld": "fewer than 5 responses",
    }
    # withholding y alone would leave total - w - m - x = the two y's: x goes too
    assert scale["groups"]["x"]["n"] is None
    assert "together hold 0 or at least 5" in scale["groups"]["x"]["withheld"]
    n, mean = _subtract(scale)
    assert n >= K
    frame = pd.read_csv(path)
    y_mean = frame.loc[frame.gender == "y", ["q1", "q2", "q3"]].mean(axis=1).mean()
    assert abs(mean - y_mean) > 0.1
    text = CliRunner().invoke(cli, ["compare", "groups", str(path), "--by", "gender", *SCALE])
    y_line = next(ln for ln in text.stdout.splitlines() if ln.strip().startswith("y "))
    assert "fewer than 5 responses" in y_line and " 2 " not in y_line


def test_respondents_without_a_group_cannot_be_subtracted(tmp_path):
    path = _csv(tmp_path, {"w": 40, "m": 30, "": 3})
    scale = _groups(path)
    n, _ = _subtract(scale)
    assert n >= K  # the three without a gender are pooled with a withheld group
    assert sum(g["n"] is None for g in scale["groups"].values()) == 1


def test_a_gap_and_its_rest_leave_no_one_out(tmp_path):
    """Were the rest only the other genders, the scale's total minus w minus w's rest would
    be the three respondents who left gender open. The rest is everyone else."""
    path = _csv(tmp_path, {"w": 40, "m": 30, "": 3})
    scale = _groups(path)
    shown = [g for g in scale["groups"].values() if "rest" in g]
    assert shown
    for gap in shown:
        assert gap["n"] + gap["rest"]["n"] == scale["n"]
        total = gap["n"] * gap["mean"] + gap["rest"]["n"] * gap["rest"]["mean"]
        assert total == pytest.approx(scale["n"] * scale["mean"])


def test_a_group_that_is_nearly_everyone_is_withheld(tmp_path):
    path = _csv(tmp_path, {"w": 50, "y": 3})
    scale = _groups(path)
    assert scale["n"] == 53
    assert scale["groups"]["w"]["n"] is None  # 53 - 50 would be the three y
    assert scale["groups"]["w"]["withheld"] == "the rest would hold none or fewer than 5 responses"


def test_a_wave_cannot_be_subtracted_from_the_whole_file(tmp_path):
    """g has 7 responses in all, 5 in 2026: run without --wave and with --wave 2026, the
    difference would be g's two in 2025. The run with --wave withholds g."""
    frames = [
        pd.read_csv(_csv(tmp_path, {"w": 30, "m": 30, "g": 5}, seed=2, wave="2026")),
        pd.read_csv(_csv(tmp_path, {"w": 30, "m": 30, "g": 2}, seed=3, wave="2025")),
    ]
    path = tmp_path / "both.csv"
    pd.concat(frames).to_csv(path, index=False)
    whole = _groups(path)
    assert whole["groups"]["g"]["n"] == 7
    wave = _groups(path, "--wave-column", "wave", "--wave", "2026")
    assert wave["groups"]["g"]["n"] is None
    assert "the other waves hold some but fewer than 5" in wave["groups"]["g"]["withheld"]
    assert wave["groups"]["w"]["n"] == 30  # 30 in 2025 too: no small difference
    n, _ = _subtract(wave)
    assert n >= K


def test_a_lower_k_is_refused(tmp_path):
    path = _csv(tmp_path, {"w": 40, "m": 30})
    result = CliRunner().invoke(
        cli, ["compare", "groups", str(path), "--by", "gender", *SCALE, "--k", "2"]
    )
    assert result.exit_code == 2
    assert "never below 3 responses" in result.stderr


def _waves_csv(tmp_path: Path, cells: dict[tuple[str, str], int]) -> Path:
    rng = np.random.default_rng(7)
    rows = []
    for (wave, unit), n in cells.items():
        for _ in range(n):
            q = rng.integers(1, 6, size=3)
            rows.append({"wave": wave, "unit": unit, "q1": q[0], "q2": q[1], "q3": q[2]})
    path = tmp_path / "waves.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _waves(path: Path) -> dict:
    args = ["compare", "waves", str(path), "--wave-column", "wave", "--unit-column", "unit"]
    result = CliRunner().invoke(cli, [*args, *SCALE, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["scales"]["belong"]


def test_a_wave_of_three_shows_no_change(tmp_path):
    path = _waves_csv(tmp_path, {("2025", "A"): 30, ("2026", "A"): 3})
    scale = _waves(path)
    assert scale["change"] == {"withheld": "fewer than 5 responses in wave 2026"}
    # in 2025 unit A is the whole wave: shown, a rest of 0 would say everyone is in A
    assert scale["units"]["A"] == {
        "withheld": "the rest would hold none or fewer than 5 responses in wave 2025"
    }


def test_a_small_unit_cannot_be_subtracted_from_its_wave(tmp_path):
    cells = {("2025", "A"): 20, ("2025", "B"): 20, ("2025", "C"): 2}
    cells |= {("2026", "A"): 20, ("2026", "B"): 20, ("2026", "C"): 20}
    scale = _waves(_waves_csv(tmp_path, cells))
    before = scale["change"]["from"]["n"]
    shown = [u["from"]["n"] for u in scale["units"].values() if "from" in u]
    assert before - sum(shown) >= K  # 2025 total minus the units shown is not C's two
    assert scale["units"]["C"]["withheld"] == "fewer than 5 responses in wave 2025"


# -- property: whatever the group sizes, every shown number stands on k ---------------------


@settings(max_examples=80, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 12), min_size=2, max_size=5),
    missing=st.integers(0, 6),
    other_wave=st.none() | st.lists(st.integers(0, 8), min_size=5, max_size=5),
    k=st.integers(3, 6),
    seed=st.integers(0, 1000),
)
def test_every_shown_group_and_every_subtraction_holds_k(sizes, missing, other_wave, k, seed):
    """Within a run: shown groups, the withheld pool and each gap's rest hold k. With
    --wave: the same group (and the scale) in the other waves holds 0 or k, so the run
    without --wave minus this one shows nothing smaller."""
    rng = np.random.default_rng(seed)
    labels = [f"g{i}" for i, n in enumerate(sizes) for _ in range(n)] + [None] * missing
    n = len(labels)
    scores = pd.DataFrame({"s": rng.normal(3, 1, n)})
    scores.loc[rng.random(n) < 0.1, "s"] = np.nan  # respondents without a score
    spec = ScaleSpec("s", ("q",), frozenset(), 1, 5)
    by = pd.Series(labels, name="gender", dtype=object)
    outside, out_n = None, {}
    if other_wave is not None:
        out_labels = [f"g{i}" for i, m in enumerate(other_wave) for _ in range(m)]
        outside = (pd.DataFrame({"s": np.ones(len(out_labels))}), pd.Series(out_labels))
        out_n = {f"g{i}": m for i, m in enumerate(other_wave)}
    scale = group_view(scores, [spec], by, k, outside)["scales"]["s"]
    scored = int(scores["s"].notna().sum())
    shown = {label: g for label, g in scale["groups"].items() if g["n"] is not None}
    assert all(g["n"] >= k for g in shown.values())
    assert all(out_n.get(label, 0) == 0 or out_n[label] >= k for label in shown)
    small_outside = 0 < sum(out_n.values()) < k
    assert (scale["n"] is None) == (scored < k or small_outside)
    if scale["n"] is None:
        assert shown == {}  # nothing to subtract from
    else:
        hidden = scored - sum(g["n"] for g in shown.values())
        assert hidden == 0 or hidden >= k
    for g in shown.values():
        assert g["rest"]["n"] >= k
        assert g["n"] + g["rest"]["n"] == scored  # a group and its rest are everyone


@settings(max_examples=50, deadline=None)
@given(
    cells=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=4),
    seed=st.integers(0, 1000),
)
def test_every_shown_unit_change_holds_k_in_both_waves(cells, seed):
    rng = np.random.default_rng(seed)
    wave, unit = [], []
    for i, (n1, n2) in enumerate(cells):
        wave += ["1"] * n1 + ["2"] * n2
        unit += [f"u{i}"] * (n1 + n2)
    scores = pd.DataFrame({"s": rng.normal(3, 1, len(wave))})
    spec = ScaleSpec("s", ("q",), frozenset(), 1, 5)
    view = wave_view(scores, [spec], pd.Series(wave), "1", "2", pd.Series(unit, name="u"), 3)
    scale = view["scales"]["s"]
    for w, side in (("1", "from"), ("2", "to")):
        total = wave.count(w)
        shown = [u[side]["n"] for u in scale["units"].values() if side in u]
        assert all(n >= 3 for n in shown)
        if "withheld" in scale["change"]:  # a wave below k: no total to subtract from
            assert shown == []
        else:
            assert total - sum(shown) == 0 or total - sum(shown) >= 3
