"""`samen compare groups|waves` end to end against R, in the three formats.

The references are ``tests/reference/compare_groups.json``, written by
``tests/reference/compare_groups.R`` (``t.test(a, b, var.equal = FALSE)``,
``p.adjust(p, "holm")``, Hedges' g written out) on simulated data with known effects
(``data/compare_groups.csv``: department C belongs 0.6 points less; social safety rises
0.4 points from 2025 to 2026, 0.8 in unit U1) and on psych's bfi (education and gender).
Tolerances of the issue: estimates 1e-6 relative, SEs and CIs 1e-4, df 1e-3.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from webapp.cli import cli

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
REF = json.loads((REFERENCE_DIR / "compare_groups.json").read_text(encoding="utf-8"))
CASES = {
    f"{case['command']}-{case['data']}-{'-'.join(case['args'][2:4] + case['args'][-2:])}": case
    for case in REF["cases"]
}
# estimates 1e-6 relative, SE and CI 1e-4, df 1e-3 (relative to the value, at least 1e-12)
TOL = {
    "mean": 1e-6,
    "sd": 1e-6,
    "difference": 1e-6,
    "t": 1e-6,
    "g": 1e-6,
    "p": 1e-6,
    "p_holm": 1e-6,
    "se": 1e-4,
    "ci": 1e-4,
    "df": 1e-3,
}


def run(args: list[str]):
    return CliRunner().invoke(cli, ["compare", *args], catch_exceptions=False)


def _args(case: dict) -> list[str]:
    args = list(case["args"])
    args[1] = str(REFERENCE_DIR / "data" / case["data"])
    return args


def _close(got, want, tol: float, where: str) -> None:
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _close(g, w, tol, f"{where}[{i}]")
        return
    assert got is not None, where
    assert math.isclose(got, want, rel_tol=tol, abs_tol=1e-300), (where, got, want)


def _check_pair(got: dict, want: dict, where: str) -> None:
    for side in ("rest", "from", "to"):
        if side in want:
            assert got[side]["n"] == want[side]["n"], where
            _close(got[side]["mean"], want[side]["mean"], 1e-6, f"{where}.{side}.mean")
            _close(got[side]["sd"], want[side]["sd"], 1e-6, f"{where}.{side}.sd")
    if "n" in want:
        assert got["n"] == want["n"], where
    for key, tol in TOL.items():
        if key in want:
            _close(got[key], want[key], tol, f"{where}.{key}")


@pytest.fixture(scope="module")
def outputs() -> dict[str, dict]:
    out = {}
    for name, case in CASES.items():
        result = run([*_args(case), "--format", "json"])
        assert result.exit_code == 0, result.stderr
        out[name] = json.loads(result.stdout)
    return out


def test_every_case_of_the_fixture_runs():
    commands = sorted(case["command"] for case in REF["cases"])
    assert commands == ["groups"] * 4 + ["waves"] * 2
    assert {case["data"] for case in REF["cases"]} == {"compare_groups.csv", "psych_bfi.csv"}


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c["command"] == "groups"])
def test_group_gaps_equal_r(outputs, name):
    want_scales = CASES[name]["scales"]
    got = outputs[name]
    assert set(got["scales"]) == set(want_scales)
    for scale, want in want_scales.items():
        assert set(got["scales"][scale]["groups"]) == set(want["groups"])
        for label, ref in want["groups"].items():
            _check_pair(got["scales"][scale]["groups"][label], ref, f"{name}.{scale}.{label}")


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c["command"] == "waves"])
def test_wave_changes_equal_r(outputs, name):
    want_scales = CASES[name]["scales"]
    got = outputs[name]
    for scale, want in want_scales.items():
        _check_pair(got["scales"][scale]["change"], want["change"], f"{name}.{scale}")
        for unit, ref in want.get("units", {}).items():
            _check_pair(got["scales"][scale]["units"][unit], ref, f"{name}.{scale}.{unit}")


def test_the_known_effects_are_found_and_said_in_words(outputs):
    groups = next(
        v for n, v in outputs.items() if n.startswith("groups-compare") and "2026" not in n
    )
    gap = groups["scales"]["belong"]["groups"]["C"]
    # simulated: department C belongs 0.6 points less
    assert gap["ci"][0] < -0.6 < gap["ci"][1]
    assert gap["words"] == "lower than the rest"
    assert gap["excludes_zero"] is True
    waves = next(v for n, v in outputs.items() if n.startswith("waves-compare"))
    change = waves["scales"]["safety"]["change"]
    # simulated: +0.4 everywhere and +0.4 more in U1 (30% of respondents): +0.52 on average
    assert change["ci"][0] < 0.52 < change["ci"][1]
    u1, u4 = (waves["scales"]["safety"]["units"][u] for u in ("U1", "U4"))
    assert u1["ci"][0] < 0.8 < u1["ci"][1] and u4["ci"][0] < 0.4 < u4["ci"][1]
    assert change["words"] == "higher than in the earlier wave"
    assert waves["scales"]["belong"]["change"]["words"] == "not distinguishable from no change"


def test_holm_that_does_not_survive_is_said(outputs):
    """Department C's safety gap excludes 0 (p .040) but not after Holm (p .120)."""
    groups = next(
        v for n, v in outputs.items() if n.startswith("groups-compare") and "2026" not in n
    )
    gap = groups["scales"]["safety"]["groups"]["C"]
    assert gap["p"] < 0.05 <= gap["p_holm"]
    assert (
        gap["words"] == "lower than the rest, though not after Holm's adjustment over the groups"
    )


def test_text_and_html_show_the_same_numbers():
    case = next(c for c in REF["cases"] if c["command"] == "groups")
    ref = case["scales"]["belong"]["groups"]["C"]
    text = run(_args(case)).stdout
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("C "))
    assert f"{ref['difference']:+.2f}" in line
    assert f"[{ref['ci'][0]:+.2f}, {ref['ci'][1]:+.2f}]" in line
    assert "lower than the rest" in line
    page = run([*_args(case), "--format", "html"]).stdout
    assert page.startswith("<!DOCTYPE html>")
    assert f"{ref['difference']:+.2f}" in page
    assert "<script" not in page and "http" not in page


def test_out_writes_the_file(tmp_path):
    case = next(c for c in REF["cases"] if c["command"] == "waves")
    target = tmp_path / "waves.json"
    result = run([*_args(case), "--format", "json", "--out", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["command"] == "waves"


def test_instrument_scales_are_scored_as_analyze_scores_them(tmp_path):
    """--instrument belonging: bel_mem_4 is reverse-keyed (6 - x) before the mean."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    items = [f"bel_mem_{i}" for i in range(1, 5)] + [f"bel_aff_{i}" for i in range(1, 5)]
    frame = pd.DataFrame(rng.integers(1, 6, size=(60, 8)), columns=items)
    frame["gender"] = ["w", "m", "x"] * 20
    path = tmp_path / "wave.csv"
    frame.to_csv(path, index=False)
    result = run(
        ["groups", str(path), "--instrument", "belonging", "--by", "gender", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)["scales"]["membership"]["groups"]["w"]
    keyed = frame[items[:4]].astype(float)
    keyed["bel_mem_4"] = 6 - keyed["bel_mem_4"]
    score = keyed.mean(axis=1)
    women, rest = score[frame.gender == "w"], score[frame.gender != "w"]
    assert got["n"] == 20 and got["rest"]["n"] == 40
    assert got["difference"] == pytest.approx(women.mean() - rest.mean(), rel=1e-12)
    assert got["sd"] == pytest.approx(women.std(ddof=1), rel=1e-12)


def test_dutch_text_and_html(tmp_path):
    case = next(
        c for c in REF["cases"] if c["command"] == "groups" and c["data"] != "psych_bfi.csv"
    )
    ref = case["scales"]["belong"]["groups"]["C"]
    text = run([*_args(case), "--lang", "nl"]).stdout
    assert text.startswith("Samen verschillen tussen groepen: compare_groups.csv, naar dept")
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("C "))
    low, high = (f"{v:+.2f}".replace(".", ",") for v in ref["ci"])
    assert f"[{low}; {high}]" in line and "lager dan de rest" in line
    assert "respondenten zonder waarde in 'dept'" in text
    page = run([*_args(case), "--format", "html", "--lang", "nl"]).stdout
    assert '<html lang="nl">' in page and "verschil met rest" in page
    assert '<td class="mark">lager dan de rest</td>' in page
    waves = next(c for c in REF["cases"] if c["command"] == "waves")
    text = run([*_args(waves), "--lang", "nl", "--k", "60"]).stdout
    assert "hoger dan in de eerdere ronde" in text
    assert "minder dan 60 ingevulde vragenlijsten in ronde 2025" in text  # U4 holds 59 or fewer


def test_every_string_of_the_renderer_has_a_dutch_translation():
    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    source = Path(__file__).resolve().parents[2] / "webapp" / "cli" / "compare_render.py"
    found = {m for _l, m, _c, _x in extract_from_file("python", str(source), keywords={"_": None})}
    po = source.parents[1] / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        translated = {m.id for m in read_po(handle, locale="nl") if m.id and m.string}
    assert len(found) > 30
    assert sorted(found - translated) == []


def test_notes_say_what_was_left_out(outputs):
    groups = next(v for n, v in outputs.items() if n.startswith("groups-compare"))
    assert (
        "respondents without a value in 'dept' are in no group, but in the rest of every group"
    ) in groups["notes"]
    assert (
        "respondents who answered less than 2/3 of the items of belong have no score on it"
        " and are left out of it"
    ) in groups["notes"]
    args = ["waves", str(REFERENCE_DIR / "data" / "psych_bfi.csv"), "--wave-column", "education"]
    result = run(
        [*args, "--from", "1", "--to", "5", "--scale", "agree=-A1,A2", "--format", "json"]
    )
    assert "waves other than 1 and 5 are left out: 2, 3, 4" in json.loads(result.stdout)["notes"]
