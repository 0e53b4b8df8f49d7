"""`samen compare drivers` end to end: R's numbers through the CLI, k, the formats, bad input.

Reference: ``tests/reference/compare_drivers.json`` (``tests/reference/compare_drivers.R``:
``summary(lm())$r.squared`` of every subset and relaimpo's all-subsets LMG written out) on
simulated data with known importances and on psych's bfi. LMG, shares, R² and r within
1e-6 relative.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from webapp.cli import cli

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
REF = json.loads((REFERENCE_DIR / "compare_drivers.json").read_text(encoding="utf-8"))
CASES = {f"{case['data']}-{case['outcome']}": case for case in REF["cases"]}
SIM = REFERENCE_DIR / "data" / "compare_drivers.csv"
SIM_ARGS = [
    *("--range", "1-5", "--scale", "belong=b1,b2,b3", "--scale", "safety=s1,s2,-s3"),
    *("--scale", "voice=v1,v2,v3", "--scale", "workload=w1,w2,w3"),
]


def run(*args: str):
    return CliRunner().invoke(cli, ["compare", "drivers", *args])


def _json(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _args(case: dict) -> list[str]:
    args = list(case["args"][1:])
    args[0] = str(REFERENCE_DIR / "data" / case["data"])
    return args


@pytest.mark.parametrize("name", sorted(CASES))
def test_drivers_equal_r(name: str) -> None:
    case = CASES[name]
    got = _json(*_args(case), "--boot", "20")
    assert got["n"] == case["n"]
    assert got["outcome"] == {
        "name": case["outcome"],
        "kind": "column" if case["outcome"] == "stay" else "scale",
    }
    assert math.isclose(got["r2"], case["r2"], rel_tol=1e-6)
    assert list(got["drivers"]) == list(case["drivers"])
    for scale, want in case["drivers"].items():
        for key in ("lmg", "share", "r"):
            assert math.isclose(got["drivers"][scale][key], want[key], rel_tol=1e-6), (
                scale,
                key,
            )
        assert got["drivers"][scale]["rank"] == want["rank"]


def test_the_seed_fixes_the_intervals_and_boot_0_gives_none() -> None:
    first = _json(str(SIM), "--outcome", "stay", *SIM_ARGS, "--boot", "200", "--seed", "5")
    again = _json(str(SIM), "--outcome", "stay", *SIM_ARGS, "--boot", "200", "--seed", "5")
    other = _json(str(SIM), "--outcome", "stay", *SIM_ARGS, "--boot", "200", "--seed", "6")
    assert first == again
    assert first["r2_ci"] != other["r2_ci"]
    assert (first["boot"], first["seed"]) == (200, 5)
    belong = first["drivers"]["belong"]
    assert belong["share_ci"][0] < belong["share"] < belong["share_ci"][1]
    none = _json(str(SIM), "--outcome", "stay", *SIM_ARGS, "--boot", "0")
    assert none["r2_ci"] == [None, None]
    assert none["drivers"]["belong"]["lmg_ci"] == [None, None]
    assert none["r2"] == first["r2"]


def _small(tmp_path: Path, rows: int, complete: int) -> Path:
    """`rows` respondents, of whom `complete` have the outcome and every scale."""
    rng = np.random.default_rng(rows)
    frame = pd.DataFrame(rng.integers(1, 6, size=(rows, 4)), columns=["a", "b", "c", "y"])
    frame = frame.astype(float)
    frame.loc[complete:, "y"] = np.nan
    path = tmp_path / "small.csv"
    frame.to_csv(path, index=False)
    return path


def test_fewer_than_k_complete_cases_are_refused_without_their_count(tmp_path: Path) -> None:
    """An attacker filters the file to a few people who answered the outcome: 4 complete
    cases of 20 rows at k = 5 give no numbers, and the message does not say 4."""
    path = _small(tmp_path, rows=20, complete=4)
    scales = ["--scale", "a=a", "--scale", "b=b", "--scale", "c=c", "--range", "1-5"]
    result = run(str(path), "--outcome", "y", *scales, "--format", "json")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "fewer than k = 5 complete cases" in result.output
    assert "4" not in result.output.replace(str(path), "")
    assert "r2" not in result.output
    ok = _json(str(_small(tmp_path, rows=20, complete=6)), "--outcome", "y", *scales)
    assert ok["n"] == 6 and ok["k"] == 5
    assert ok["notes"][0] == (
        "rows without y or without a score on every scale are left out (listwise)"
    )
    refused = run(str(path), "--outcome", "y", *scales, "--k", "2")
    assert refused.exit_code == 2 and "never below 3" in refused.output


def test_a_scale_of_an_instrument_is_named_without_its_instrument(tmp_path: Path) -> None:
    """Two built-in instruments: `intention_to_stay` is work_experience's scale, and every
    other scale of both instruments is a predictor."""
    from webapp.cli.analyze_input import instrument_specs

    specs = instrument_specs(["belonging", "work_experience"])
    items = [item for spec in specs for item in spec.items]
    rng = np.random.default_rng(9)
    trait = rng.normal(size=(300, 1))
    answers = np.clip(np.round(3 + trait + rng.normal(size=(300, len(items)))), 1, 5)
    path = tmp_path / "wave.csv"
    pd.DataFrame(answers, columns=items).to_csv(path, index=False)
    args = [str(path), "--instrument", "belonging", "--instrument", "work_experience"]
    got = _json(*args, "--outcome", "intention_to_stay", "--boot", "10")
    assert got["outcome"] == {"name": "work_experience.intention_to_stay", "kind": "scale"}
    assert set(got["drivers"]) == {s.id for s in specs} - {"work_experience.intention_to_stay"}
    assert math.isclose(sum(d["lmg"] for d in got["drivers"].values()), got["r2"])


def test_a_constant_scale_gives_no_numbers_and_says_why(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.integers(1, 6, size=(40, 3)).astype(float), columns=list("aby"))
    frame["c"] = 3.0
    path = tmp_path / "constant.csv"
    frame.to_csv(path, index=False)
    scales = ["--scale", "a=a", "--scale", "b=b", "--scale", "c=c", "--range", "1-5"]
    got = _json(str(path), "--outcome", "y", *scales)
    assert got["r2"] is None and got["drivers"]["a"]["lmg"] is None
    assert "no variation in c: no R², no LMG" in got["notes"]
    text = run(str(path), "--outcome", "y", *scales).output
    assert "No R² and no importances" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--outcome", "b2"], "--outcome 'b2' is an item of scale 'belong'"),
        (["--outcome", "nothing"], "--outcome 'nothing': neither a scale"),
        (["--outcome", "stay", "--boot", "-1"], "--boot -1"),
        (["--outcome", "stay", "--seed", "-3"], "--seed -3"),
        (["--outcome", "stay", "--boot", "100001"], "--boot 100001"),
        ([], "Missing option '--outcome'"),
    ],
)
def test_bad_input_is_one_line_exit_2(change: list[str], message: str) -> None:
    result = run(str(SIM), *SIM_ARGS, *change)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.count("\n") == 1


def test_bad_outcome_values_and_too_many_or_few_scales(tmp_path: Path) -> None:
    frame = pd.read_csv(SIM)
    frame["word"] = "high"
    frame.loc[3, "stay"] = np.inf
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    word = run(str(path), *SIM_ARGS, "--outcome", "word")
    assert word.exit_code == 2 and "'word'" in word.output and "row 2" in word.output
    infinite = run(str(path), *SIM_ARGS, "--outcome", "stay")
    assert infinite.exit_code == 2 and "non-finite value in row 5" in infinite.output
    one = run(str(SIM), "--range", "1-5", "--scale", "a=b1,b2", "--outcome", "stay")
    assert one.exit_code == 2 and "at least two scales" in one.output
    wide = pd.DataFrame(
        np.random.default_rng(2).integers(1, 6, size=(60, 14)),
        columns=[f"i{j}" for j in range(13)] + ["y"],
    )
    wide.to_csv(tmp_path / "wide.csv", index=False)
    many = [arg for j in range(13) for arg in ("--scale", f"s{j}=i{j}")]
    too_many = run(str(tmp_path / "wide.csv"), "--range", "1-5", *many, "--outcome", "y")
    assert too_many.exit_code == 2 and "13 predictor scales: at most 12" in too_many.output


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_text_and_html_read_in_both_languages(lang: str) -> None:
    text = run(str(SIM), *SIM_ARGS, "--outcome", "stay", "--boot", "50", "--lang", lang)
    assert text.exit_code == 0, text.output
    html = run(
        str(SIM),
        *SIM_ARGS,
        "--outcome",
        "stay",
        "--boot",
        "50",
        "--lang",
        lang,
        "--format",
        "html",
    )
    assert html.exit_code == 0
    lines = text.output.splitlines()
    ranked = [line.split()[1] for line in lines if line.strip()[:2] in ("1 ", "2 ", "3 ", "4 ")]
    assert ranked == ["belong", "safety", "voice", "workload"]
    if lang == "nl":
        assert "Relatief belang (LMG) van 4 schalen voor stay; n = 564" in text.output
        assert "R² = 0,386" in text.output and "49,8%" in text.output
        assert "samenhang, geen oorzaak" in html.output
        assert "rijen zonder stay" in text.output
    else:
        assert "Relative importance (LMG) of 4 scales for stay; n = 564" in text.output
        assert "R² = 0.386" in text.output and "49.8%" in text.output
        assert "association, not cause" in html.output
    assert html.output.startswith("<!DOCTYPE html>") and f'lang="{lang}"' in html.output
    assert "http" not in html.output and "<script" not in html.output
