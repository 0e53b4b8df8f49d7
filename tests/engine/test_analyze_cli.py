"""`samen analyze`: end-to-end against R, the three formats, and every input error.

The references are ``tests/reference/report_reference*.json``, written by
``tests/reference/report_reference.R`` (psych, lavaan, multilevel) on the CSV files named in
their headers: psych's bfi (6-point, reverse keys, education groups; run with ``--range``)
and a synthetic team survey (4-point, teams of one, respondents without a team, missing
answers; run without ``--range``, so the range is the observed one).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from functools import cache
from itertools import permutations
from pathlib import Path

import pytest
from click.testing import CliRunner

from webapp.cli import cli

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
REFS = {
    name: json.loads((REFERENCE_DIR / file).read_text(encoding="utf-8"))
    for name, file in (
        ("bfi", "report_reference.json"),
        ("teams", "report_reference_teams.json"),
    )
}
WITH_RANGE = {"bfi": True, "teams": False}
REF = REFS["bfi"]


def _args(name: str) -> list[str]:
    header = REFS[name]["header"]
    args = [str(REFERENCE_DIR / header["csv"]), "--group", header["group"]]
    for scale, keys in header["keys"].items():
        args += ["--scale", f"{scale}={','.join(keys)}"]
    if WITH_RANGE[name]:
        args += ["--range", "{:g}-{:g}".format(*header["range"])]
    return args


BFI_ARGS = _args("bfi")

# Tolerances of the issue: 1e-3 for alpha, ICC (and the other descriptive numbers),
# 2e-3 for omega and fit indices.
TOL_SCALE = {
    "n": 0,
    "mean": 1e-3,
    "sd": 1e-3,
    "alpha": 1e-3,
    "std_alpha": 1e-3,
    "omega_total": 2e-3,
    "ordinal_alpha": 2e-3,
    "icc1": 1e-3,
    "icc2": 1e-3,
    "rwg_j_mean": 1e-3,
    "rwg_j_median": 1e-3,
}
TOL_ITEM = {"mean": 1e-3, "sd": 1e-3, "r_drop": 1e-3, "alpha_if_dropped": 1e-3}
TOL_CFA = {
    "chisq": 2e-3,
    "df": 0,
    "p": 2e-3,
    "cfi": 2e-3,
    "tli": 2e-3,
    "rmsea": 2e-3,
    "srmr": 2e-3,
}
SCALES = [(name, scale) for name, ref in REFS.items() for scale in ref["scales"]]


def run(args: list[str]):
    return CliRunner().invoke(cli, ["analyze", *args], catch_exceptions=False)


@cache
def _report(name: str) -> str:
    result = run([*_args(name), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def report_of(name: str) -> dict:
    return json.loads(_report(name))


@pytest.fixture
def ours() -> dict:
    return report_of("bfi")


def close(a: float, b: float, tol: float) -> bool:
    # chi-square is large: compare it relatively
    return abs(a - b) <= tol * max(1.0, abs(b) if abs(b) > 100 else 1.0)


# Chi-square statistics (CFA, Bartlett) are N times a discrepancy: a relative error of 2e-3
# would let N - 1 for N pass (1 / 2577 for bfi). They agree with R to ~1e-10 relative.
TOL_CHISQ_REL = 1e-6


# -- end to end against R ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REFS))
def test_top_level_matches_r(name):
    got, want = report_of(name), REFS[name]
    assert got["n"] == want["n"]
    assert list(got["scales"]) == list(want["scales"])
    assert got["notes"] == []
    for scale in got["scales"].values():
        assert scale["range"] == want["header"]["range"]


def test_teams_reference_has_what_it_is_meant_to_test():
    teams = report_of("teams")
    assert teams["group"]["n_missing"] == 8
    assert teams["group"]["n_groups"] == 50
    assert all(s["rwg_j_groups"] < 50 for s in teams["scales"].values())  # teams of one


@pytest.mark.parametrize(("name", "scale"), SCALES)
@pytest.mark.parametrize("field", sorted(TOL_SCALE))
def test_scale_fields_match_r(name, scale, field):
    got, want = report_of(name)["scales"][scale], REFS[name]["scales"][scale]
    assert close(got[field], want[field], TOL_SCALE[field])


@pytest.mark.parametrize(("name", "scale"), SCALES)
def test_alpha_ci_and_items_match_r(name, scale):
    got, want = report_of(name)["scales"][scale], REFS[name]["scales"][scale]
    for a, b in zip(got["alpha_ci"], want["alpha_ci"], strict=True):
        assert close(a, b, 1e-3)
    assert list(got["items"]) == list(want["items"])
    for item, row in want["items"].items():
        for key, tol in TOL_ITEM.items():
            assert close(got["items"][item][key], row[key], tol), (item, key)


@pytest.mark.parametrize("name", sorted(REFS))
def test_efa_matches_r(name):
    got, want = report_of(name)["efa"], REFS[name]["efa"]
    assert close(got["kmo"], want["kmo"], 1e-3)
    for item, value in want["kmo_items"].items():
        assert close(got["kmo_items"][item], value, 1e-3)
    assert got["bartlett"]["df"] == want["bartlett"]["df"]
    assert got["bartlett"]["chisq"] == pytest.approx(want["bartlett"]["chisq"], rel=TOL_CHISQ_REL)
    assert close(got["bartlett"]["p"], want["bartlett"]["p"], 2e-3)
    assert got["parallel_n_factors"] == want["parallel_n_factors"]
    assert got["n_factors"] == want["n_factors"] == len(REFS[name]["scales"])


def _matrix(loadings: dict) -> tuple[list[str], list[str], list[list[float]]]:
    items = list(loadings)
    factors = list(next(iter(loadings.values())))
    return items, factors, [[loadings[i][f] for f in factors] for i in items]


@pytest.mark.parametrize("name", sorted(REFS))
def test_efa_loadings_match_r_up_to_order_and_sign(name):
    items, r_factors, want = _matrix(REFS[name]["efa"]["loadings"])
    _, our_factors, got = _matrix({i: report_of(name)["efa"]["loadings"][i] for i in items})
    assert len(our_factors) == len(r_factors)
    best = math.inf
    for perm in permutations(range(len(our_factors))):
        worst = 0.0
        for j, k in enumerate(perm):
            col_got = [row[k] for row in got]
            col_want = [row[j] for row in want]
            sign = 1.0 if sum(a * b for a, b in zip(col_got, col_want, strict=True)) >= 0 else -1.0
            worst = max(
                worst, max(abs(sign * a - b) for a, b in zip(col_got, col_want, strict=True))
            )
        best = min(best, worst)
    assert best <= 2e-3


@pytest.mark.parametrize("name", sorted(REFS))
@pytest.mark.parametrize("field", sorted(TOL_CFA))
def test_cfa_fit_matches_r(name, field):
    assert close(report_of(name)["cfa"][field], REFS[name]["cfa"][field], TOL_CFA[field])
    if field == "chisq":
        got, want = report_of(name)["cfa"]["chisq"], REFS[name]["cfa"]["chisq"]
        assert got == pytest.approx(want, rel=TOL_CHISQ_REL)


@pytest.mark.parametrize("name", sorted(REFS))
def test_cfa_ci_and_loadings_match_r(name):
    got, want = report_of(name)["cfa"], REFS[name]["cfa"]
    for a, b in zip(got["rmsea_ci"], want["rmsea_ci"], strict=True):
        assert close(a, b, 2e-3)
    assert set(got["loadings"]) == set(want["loadings"])
    for item, row in want["loadings"].items():
        assert got["loadings"][item].keys() == row.keys()
        for factor, value in row.items():
            assert close(got["loadings"][item][factor], value, 2e-3)


@pytest.mark.parametrize("name", sorted(REFS))
def test_omega_matches_r(name):
    got, want = report_of(name)["omega"], REFS[name]["omega"]
    for key in ("hierarchical", "total"):
        assert close(got[key], want[key], 2e-3), key
    assert got["n_factors"] == want["n_factors"]


# -- formats -------------------------------------------------------------------------------


def test_text_is_the_default_and_shows_the_numbers(ours):
    result = run(BFI_ARGS)
    assert result.exit_code == 0
    text = result.stdout
    for scale, s in ours["scales"].items():
        rows = " | ".join(ln for ln in text.splitlines() if ln.startswith(scale + " "))
        for key in ("alpha", "omega_total", "icc1", "icc2", "rwg_j_mean"):
            assert f"{s[key]:.3f}" in rows, (scale, key)
    assert f"{ours['efa']['kmo']:.3f}" in text
    assert f"{ours['cfa']['cfi']:.3f}" in text
    assert f"{ours['omega']['hierarchical']:.3f}" in text
    assert f"{ours['scales']['agree']['items']['A2']['r_drop']:.3f}" in text
    assert "-A1" in text  # reverse-keyed item marked


def test_html_is_self_contained_with_the_same_numbers(ours, tmp_path):
    out = tmp_path / "report.html"
    result = run([*BFI_ARGS, "--format", "html", "--out", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<style>" in page
    for external in ("http://", "https://", "<script", "<link", "<img", "url("):
        assert external not in page
    assert f'<td class="num">{ours["scales"]["consc"]["alpha"]:.3f}</td>' in page
    assert f"{ours['cfa']['rmsea']:.3f}" in page
    assert f"{ours['efa']['loadings']['E2']['MR1']:.3f}" in page or any(
        f"{v:.3f}" in page for v in ours["efa"]["loadings"]["E2"].values()
    )
    assert page.count("<table>") == 2 + len(ours["scales"]) + 3  # scales x 2, items, EFA, fit, CFA


def test_out_writes_json_file(tmp_path, ours):
    out = tmp_path / "r.json"
    result = run([*BFI_ARGS, "--format", "json", "--out", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == ours


def test_semicolon_bom_and_decimal_comma(tmp_path):
    path = tmp_path / "answers.csv"
    rows = ["team;q1;q2;q3", "a;1;2;2", "a;2;3;3", "b;4;4,5;5", "b;5;5;4", "c;3;;3", "c;2;1;1"]
    path.write_bytes(("\ufeff" + "\n".join(rows) + "\n").encode("utf-8"))
    result = run([str(path), "--scale", "s=q1,q2,q3", "--group", "team", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n"] == 6
    assert report["scales"]["s"]["items"]["q2"]["mean"] == pytest.approx((2 + 3 + 4.5 + 5 + 1) / 5)
    assert report["scales"]["s"]["range"] == [1.0, 5.0]  # observed, no --range
    assert report["scales"]["s"]["range_inferred"] is True
    assert report["group"]["n_groups"] == 3
    assert json.loads(json.dumps(report, allow_nan=False)) == report


def test_na_is_missing_like_an_empty_cell(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("q1,q2,q3\n1,NA,2\n2,3,\n4,4,5\n5,5,4\n", encoding="utf-8")
    args = [str(path), "--scale", "s=q1,q2,q3", "--range", "1-5", "--format", "json"]
    report = json.loads(run(args).stdout)
    assert report["scales"]["s"]["items"]["q2"]["mean"] == pytest.approx(4.0)
    assert report["scales"]["s"]["items"]["q3"]["mean"] == pytest.approx(11 / 3)


@pytest.mark.parametrize("end", [",", ",,", ", "])
def test_delimiter_at_the_end_of_every_row_shifts_no_column(tmp_path, end):
    """pandas would read such a file with q1 as the index and every item from the column to
    its right; an empty last field is no answer beyond the header."""
    rows = ["q1,q2,q3", "1,2,3", "2,3,4", "3,3,3", "5,4,4"]
    path = _csv(tmp_path, rows[0] + "\n" + "".join(r + end + "\n" for r in rows[1:]))
    report = json.loads(
        run([path, "--scale", "s=q1,q3", "--range", "1-5", "--format", "json"]).stdout
    )
    items = report["scales"]["s"]["items"]
    assert items["q1"]["mean"] == pytest.approx(11 / 4)
    assert items["q3"]["mean"] == pytest.approx(14 / 4)


def test_range_sets_reverse_keying(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("q1,q2,q3\n1,5,1\n2,4,2\n3,3,5\n5,1,4\n", encoding="utf-8")
    observed = json.loads(run([str(path), "--scale", "s=q1,-q2,q3", "--format", "json"]).stdout)
    widened = json.loads(
        run([str(path), "--scale", "s=q1,-q2,q3", "--range", "1-7", "--format", "json"]).stdout
    )
    assert observed["scales"]["s"]["items"]["q2"]["mean"] == pytest.approx(1 + 5 - 3.25)
    assert widened["scales"]["s"]["items"]["q2"]["mean"] == pytest.approx(1 + 7 - 3.25)
    assert observed["scales"]["s"]["range_inferred"] is True
    assert widened["scales"]["s"]["range_inferred"] is False


# -- instruments ---------------------------------------------------------------------------


def _builtin_with_reverse():
    instruments = pytest.importorskip("instruments")
    for ref in instruments.list_builtin():
        inst = instruments.load_builtin(ref)
        scored = [s for s in inst.scales if s.scored and any(i.reverse for i in s.items)]
        if scored and len([s for s in inst.scales if s.scored]) >= 2:
            return inst
    pytest.skip("no built-in instrument with two scored scales and a reverse-keyed item")


def test_instrument_scales_become_the_report_scales(tmp_path):
    import numpy as np

    inst = _builtin_with_reverse()
    scored = [s for s in inst.scales if s.scored]
    items = [it for s in scored for it in s.items]
    rng = np.random.default_rng(1)
    low, high = items[0].response_scale.minimum, items[0].response_scale.maximum
    answers = rng.integers(low, high + 1, size=(40, len(items)))
    lines = [",".join(["unit", *(it.id for it in items)])]
    lines += [",".join([f"u{r % 4}", *map(str, row)]) for r, row in enumerate(answers)]
    path = tmp_path / "survey.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run([str(path), "--instrument", inst.id, "--group", "unit", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report["scales"]) == [s.id for s in scored]
    for s in scored:
        got = report["scales"][s.id]
        assert got["reverse"] == [it.id for it in s.items if it.reverse]
        assert got["range"] == [
            s.items[0].response_scale.minimum,
            s.items[0].response_scale.maximum,
        ]


def test_two_instruments_prefix_scale_ids(tmp_path):
    instruments = pytest.importorskip("instruments")
    first, second = (instruments.load_builtin(i) for i in ("belonging", "authenticity"))
    items = [it for inst in (first, second) for s in inst.scales if s.scored for it in s.items]
    path = tmp_path / "survey.csv"
    rows = [",".join(it.id for it in items)]
    rows += [",".join(str(1 + (r * 7 + c * 3) % 5) for c in range(len(items))) for r in range(12)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run(
        [
            str(path),
            "--instrument",
            "belonging",
            "--instrument",
            "authenticity",
            "--format",
            "json",
        ]
    )
    assert result.exit_code == 0, result.stderr
    ids = list(json.loads(result.stdout)["scales"])
    assert ids and all(i.startswith(("belonging.", "authenticity.")) for i in ids)


# -- errors: exit 2 and one line -----------------------------------------------------------


def _csv(tmp_path: Path, text: str, name: str = "d.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


GOOD = "team,q1,q2,q3\na,1,2,3\na,2,2,3\nb,4,5,4\nb,5,4,4\n"


@pytest.mark.parametrize(
    ("make_args", "expected"),
    [
        (lambda d: ["missing.csv", "--scale", "s=q1,q2"], "missing.csv: no such file"),
        (lambda d: [_csv(d, GOOD), "--scale", "s=q1,q9"], "no column 'q9'"),
        (lambda d: [_csv(d, GOOD), "--scale", "s=q1,q2", "--group", "unit"], "no column 'unit'"),
        (
            lambda d: [_csv(d, "q1,q2\n1,2\n3,x\n2,2\n"), "--scale", "s=q1,q2"],
            "column 'q2' has a non-numeric answer 'x' in row 3",
        ),
        (
            lambda d: [
                _csv(d, "t,q1,q2\na,1,2\na,3,3\na,2,2\n"),
                "--scale",
                "s=q1,q2",
                "--group",
                "t",
            ],
            "fewer than two groups",
        ),
        (lambda d: [_csv(d, "q1,q2\n1,2\n3,3\n"), "--scale", "s=q1,q2"], "at least 3"),
        (lambda d: [_csv(d, GOOD), "--scale", "s"], "expected NAME=ITEM"),
        (lambda d: [_csv(d, GOOD), "--scale", "s=q1,,q2"], "empty item name"),
        (lambda d: [_csv(d, GOOD), "--scale", "s=q1,-q1"], "listed twice"),
        (lambda d: [_csv(d, GOOD), "--scale", "s=q1,q2", "--range", "5-1"], "LO must be smaller"),
        (lambda d: [_csv(d, GOOD), "--scale", "s=q1,q2", "--range", "one-five"], "expected LO-HI"),
        (lambda d: [_csv(d, GOOD), "--scale", "a=q1,q2", "--scale", "b=q2,q3"], "in two scales"),
        (lambda d: [_csv(d, GOOD), "--scale", "a=q1", "--scale", "a=q2"], "defined twice"),
        (lambda d: [_csv(d, GOOD)], "give either --instrument or --scale"),
        (
            lambda d: [_csv(d, GOOD), "--scale", "s=q1,q2", "--instrument", "belonging"],
            "give either --instrument or --scale",
        ),
        (
            lambda d: [_csv(d, GOOD), "--scale", "s=q1,q2", "--range", "1-4"],
            "column 'q2' has the answer 5 in row 4, outside the response range 1-4",
        ),
        (lambda d: [_csv(d, GOOD), "--scale", "s=q1,q2", "--min-share", "0"], "--min-share"),
        (lambda d: [_csv(d, GOOD), "--scale", "s=q1,q2", "--format", "pdf"], "pdf"),
        (lambda d: [_csv(d, GOOD), "--scale", "s=q1,q2", "--nonsense"], "--nonsense"),
        (lambda d: [_csv(d, "q1,q1\n1,2\n"), "--scale", "s=q1"], "appears twice in the header"),
        (lambda d: [_csv(d, ""), "--scale", "s=q1"], "empty file"),
        (
            lambda d: [_csv(d, "q1,q2,q3\n1,2,3\n2,3,4,5\n3,3,3\n"), "--scale", "s=q1,q3"],
            "row 3 has 4 fields, the header 3",
        ),
        (lambda d: [_csv(d, GOOD), "--scale", "s=q1,team"], "non-numeric answer 'a' in row 2"),
        (lambda d: [_csv(d, GOOD), "--scale", "s=q1,q2", "--group", "q1"], "also an item"),
        (
            lambda d: [_csv(d, GOOD), "--instrument", "no_such_instrument"],
            "--instrument no_such_instrument",
        ),
        (
            lambda d: [_csv(d, GOOD), "--instrument", _csv(d, "id: [unclosed\n", "bad.yaml")],
            "bad.yaml",
        ),
        (
            lambda d: [_csv(d, "q1,q2,q3\n1,,\n2,,\n3,,\n"), "--scale", "s=q2,q3"],
            "no answers at all",
        ),
        (
            lambda d: [_csv(d, "q1,q2\n3,3\n3,3\n3,3\n"), "--scale", "s=q1,q2"],
            "every answer is 3",
        ),
        (
            lambda d: [
                *(_csv(d, GOOD), "--scale", "s=q1,q2", "--range", "1-5"),
                *("--out", str(d / "no" / "x.txt")),
            ],
            "cannot write",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, make_args, expected):
    result = CliRunner().invoke(cli, ["analyze", *make_args(tmp_path)])
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_error_from_a_real_process_is_one_line(tmp_path):
    path = _csv(tmp_path, "q1,q2\n1,2\n3,oops\n2,2\n")
    done = subprocess.run(
        [sys.executable, "-m", "webapp.cli", "analyze", path, "--scale", "s=q1,q2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"Error: {path}: column 'q2' has a non-numeric answer 'oops' in row 3"
    ]


def test_cli_import_stays_light():
    """`samen --help` must not pay for pandas, scipy or the engine."""
    code = (
        "import sys, webapp.cli; "
        "print(sorted(m for m in ('pandas', 'scipy', 'numpy', 'engine.report.pipeline') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
