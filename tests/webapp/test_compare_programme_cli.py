"""`samen compare programme` end to end: R's numbers through the CLI, the formats, bad input.

The command is standalone (the ``samen compare`` group attaches it); most tests attach it
to a throwaway click group, and one runs it as ``samen compare programme``.
Reference: ``tests/reference/compare_programme.json``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from webapp.cli.compare_programme import programme

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
REF = json.loads((REFERENCE_DIR / "compare_programme.json").read_text(encoding="utf-8"))
DATA = REFERENCE_DIR / "data" / "compare_programme.csv"
SCALES = ["--scale", "belonging=bel1,bel2,bel3,-bel4", "--scale", "safety=saf1,saf2,saf3"]
DESIGN = ["--unit-column", "team", "--wave-column", "round", "--treated-column", "programme"]
LEFT_OUT = ("T20", "T21", "T22")


@click.group()
def _group() -> None:
    """Throwaway group standing in for `samen compare`."""


_group.add_command(programme)


def _run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(_group, ["programme", *args])


def test_samen_compare_programme_is_the_same_command(tmp_path: Path) -> None:
    """Through the real `samen compare` group: the same JSON as the command on its own."""
    import json

    from webapp.cli import cli

    args = [str(DATA), *DESIGN, *SCALES, "--range", "1-5"]
    alone = _run(*args, "--format", "json")
    whole = CliRunner().invoke(cli, ["compare", "programme", *args, "--format", "json"])
    assert alone.exit_code == whole.exit_code == 0, whole.output
    assert json.loads(whole.stdout) == json.loads(alone.stdout)


@pytest.mark.parametrize("waves", [["--from", "2025-2", "--to", "2026-2"], []])
def test_json_equals_r(waves: list[str]) -> None:
    """With --from/--to, and without them (the column holds two waves, in sorted order)."""
    result = _run(str(DATA), *DESIGN, *SCALES, "--range", "1-5", *waves, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["design"]["before"] == "2025-2" and report["design"]["after"] == "2026-2"
    assert report["design"]["k"] == 5
    for scale, ref in REF["scales"].items():
        got = report["scales"][scale]
        assert got["estimate"] == pytest.approx(ref["estimate"], rel=1e-6)
        assert got["se"] == pytest.approx(ref["se"], abs=1e-4)
        assert got["df"] == pytest.approx(ref["df"], abs=1e-3)
        assert got["ci"] == pytest.approx(ref["ci"], abs=1e-4)
        assert got["p"] == pytest.approx(ref["p"], abs=1e-4)
        assert got["units"] == ref["units"]
        assert got["n"] == ref["n"]
        assert got["mixed"]["estimate"] == pytest.approx(ref["mixed"]["estimate"], rel=1e-6)
        assert got["mixed"]["se"] == pytest.approx(ref["mixed"]["se"], abs=1e-4)
    assert any("3 unit(s) left out" in note for note in report["notes"])


def test_public_data_set_two_of_four_waves() -> None:
    """AchievementAwardsRCT has 1999-2002; --from/--to pick 2000 and 2001."""
    awards = REF["awards"]
    result = _run(
        str(REFERENCE_DIR / "data" / "compare_programme_awards.csv"),
        *["--unit-column", "school_id", "--wave-column", "year", "--treated-column", "treated"],
        *["--scale", "bagrut=Bagrut_status", "--range", "0-1", "--from", "2000", "--to", "2001"],
        *["--format", "json"],
    )
    assert result.exit_code == 0, result.stderr
    got, ref = json.loads(result.stdout)["scales"]["bagrut"], awards["scales"]["bagrut"]
    assert got["estimate"] == pytest.approx(ref["estimate"], rel=1e-6)
    assert got["se"] == pytest.approx(ref["se"], abs=1e-4)
    assert got["df"] == pytest.approx(ref["df"], abs=1e-3)
    assert got["ci"] == pytest.approx(ref["ci"], abs=1e-4)
    assert got["units"] == ref["units"] == {"treated": 20, "control": 19}


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_left_out_units_never_appear(fmt: str) -> None:
    """An analyst reading any format learns that 3 units were left out, not which, nor how
    many responses they held."""
    result = _run(str(DATA), *DESIGN, *SCALES, "--range", "1-5", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    for unit in LEFT_OUT:
        assert unit not in result.stdout
    assert "T19" in result.stdout  # a unit at k in both waves is shown


def test_text_and_html_say_it_in_words(tmp_path: Path) -> None:
    text = _run(str(DATA), *DESIGN, *SCALES, "--range", "1-5")
    assert text.exit_code == 0, text.stderr
    assert "The programme units rose 0.50 more than the other units (95% CI 0.23 to 0.76)" in (
        text.stdout
    )
    assert "Not distinguishable from no programme effect" in text.stdout
    out = tmp_path / "programme.html"
    html = _run(
        str(DATA), *DESIGN, *SCALES, "--range", "1-5", "--format", "html", "--out", str(out)
    )
    assert html.exit_code == 0 and html.stdout == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "</html>" in page
    assert "http" not in page  # self-contained
    assert '<p class="marked">The programme units rose' in page
    # the slope chart: one line per unit shown (19 teams at k, two scales), nothing else
    assert page.count("<line ") == 2 * 19


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_dutch_output(fmt: str) -> None:
    result = _run(str(DATA), *DESIGN, *SCALES, "--range", "1-5", "--lang", "nl", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    page = result.stdout
    assert (
        "De programma-eenheden stegen 0,50 meer dan de andere eenheden (95%-BI 0,23 tot 0,76)"
        in (page)
    )
    assert "Niet te onderscheiden van geen effect van het programma" in page
    assert "3 eenheid/eenheden weggelaten" in page
    for english in ("left out", "programme units", "Notes", "responses", "before"):
        assert english not in page


@pytest.mark.parametrize(
    "args",
    [
        [],  # a row without a unit, unscored responses, a unit below k
        ["--k", "40"],  # too few units
        ["--scale", "flat=q3"],  # scores that do not vary
    ],
)
def test_every_note_has_a_dutch_form(tmp_path: Path, args: list[str]) -> None:
    """Notes of every kind the engine and the command write are rendered in Dutch."""
    body = ["unit,wave,t,q1,q2,q3"]
    answers = iter(_ANSWERS * 2)
    for unit, mark in (("a", "1"), ("b", "1"), ("c", "0"), ("d", "0")):
        for wave in ("w1", "w2"):
            body += [
                f"{unit},{wave},{mark},{next(answers)},{'' if i == 5 else next(answers)},3"
                for i in range(6)
            ]
    body += [",w1,1,1,1,3", "e,w1,0,2,2,3"]  # a row without a unit; a unit below k
    path = tmp_path / "notes.csv"
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    scales = [] if "--scale" in args else ["--scale", "s=q1,q2"]
    result = _run(str(path), *SMALL, *scales, "--range", "1-5", *args, "--lang", "nl")
    assert result.exit_code == 0, result.stderr
    notes = result.stdout.split("Opmerkingen\n-----------\n")[1].splitlines()
    assert len(notes) >= (3 if not args else 1)
    for note in notes:
        assert not re.search(r"\b(left out|units?|responses|programme|no score)\b", note), note


def test_instrument_equals_its_scales_given_inline(tmp_path: Path) -> None:
    """--instrument belonging scores membership (bel_mem_4 reverse-keyed) and affection on
    1-5, exactly as the same scales given with --scale and --range."""
    import numpy as np

    rng = np.random.default_rng(3)
    items = [f"bel_mem_{i}" for i in range(1, 5)] + [f"bel_aff_{i}" for i in range(1, 5)]
    lines = ["team,round,prog," + ",".join(items)]
    for unit in range(8):
        for wave in ("2025", "2026"):
            for _ in range(6):
                answers = ",".join(str(v) for v in rng.integers(1, 6, size=8))
                lines.append(f"u{unit},{wave},{int(unit < 4)},{answers}")
    path = tmp_path / "belonging.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    design = ["--unit-column", "team", "--wave-column", "round", "--treated-column", "prog"]
    by_instrument = _run(str(path), *design, "--instrument", "belonging", "--format", "json")
    assert by_instrument.exit_code == 0, by_instrument.stderr
    inline = _run(
        str(path),
        *design,
        *["--scale", "membership=bel_mem_1,bel_mem_2,bel_mem_3,-bel_mem_4"],
        *["--scale", "affection=" + ",".join(items[4:]), "--range", "1-5", "--format", "json"],
    )
    assert inline.exit_code == 0, inline.stderr
    first, second = json.loads(by_instrument.stdout), json.loads(inline.stdout)
    assert set(first["scales"]) == {"membership", "affection"}
    for scale in ("membership", "affection"):
        assert first["scales"][scale] == second["scales"][scale]
        assert first["scales"][scale]["units"] == {"treated": 4, "control": 4}


def test_too_few_units_gives_null_and_a_note() -> None:
    result = _run(str(DATA), *DESIGN, *SCALES, "--range", "1-5", "--k", "40", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["scales"] == {"belonging": None, "safety": None}
    assert all("at least 2 of each are needed" in note for note in report["notes"])


def _csv(tmp_path: Path, rows: list[str], name: str = "d.csv") -> str:
    path = tmp_path / name
    path.write_text("\n".join(["unit,wave,t,q1,q2", *rows]) + "\n", encoding="utf-8")
    return str(path)


# Answers that vary between the units' waves (identical cells would leave the effect no
# standard error at all, and the command would rightly refuse it).
_ANSWERS = [1 + (i * i * 7 + i // 3) % 5 for i in range(80)]


def _rows(**changes: str) -> list[str]:
    """4 units x 2 waves x 5 responses; `changes` replaces whole rows by index."""
    answers = iter(_ANSWERS)
    rows = []
    for unit, mark in (("a", "1"), ("b", "1"), ("c", "0"), ("d", "0")):
        for wave in ("w1", "w2"):
            rows += [f"{unit},{wave},{mark},{next(answers)},{next(answers)}" for _ in range(5)]
    for index, row in changes.items():
        rows[int(index[1:])] = row
    return rows


SMALL = ["--unit-column", "unit", "--wave-column", "wave", "--treated-column", "t"]
Q = ["--scale", "s=q1,q2"]


def test_small_file_runs(tmp_path: Path) -> None:
    result = _run(_csv(tmp_path, _rows()), *SMALL, *Q, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["scales"]["s"]["units"] == {"treated": 2, "control": 2}


@pytest.mark.parametrize(
    ("rows", "args", "expected"),
    [
        (_rows(r3="a,w1,,1,2"), [], "--treated-column 't' is empty in row 5"),
        (_rows(r3="a,w1,maybe,1,2"), [], "has 'maybe' in row 5"),
        (_rows(r3="a,w1,0,1,2"), [], "unit 'a' is marked both as a programme unit and as not"),
        (_rows(r3="a,w3,1,1,2"), [], "holds 3 wave(s); name the two to compare"),
        (_rows(), ["--from", "w1"], "give both --from and --to"),
        (_rows(), ["--from", "w1", "--to", "w9"], "--to 'w9': no such wave in 'wave'"),
        (_rows(), ["--from", "w1", "--to", "w1"], "the same wave"),
        (_rows(), ["--k", "2"], "never below 3"),
        (_rows(), ["--min-share", "0"], "--min-share"),
        (_rows(r3="a,w1,1,1,x"), [], "column 'q2' has a non-numeric answer 'x' in row 5"),
        (_rows(r3="a,w1,1,1,inf"), [], "row 5"),
        (_rows(), ["--range", "1-4"], "outside the response range 1-4"),
        (_rows(), ["--format", "pdf"], "pdf"),
        (_rows(), ["--instrument", "belonging"], "give either --instrument or --scale"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, rows, args, expected: str) -> None:
    result = _run(_csv(tmp_path, rows), *SMALL, *Q, *args)
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--unit-column", "unit", "--wave-column", "unit", "--treated-column", "t"], "three"),
        (
            ["--unit-column", "q1", "--wave-column", "wave", "--treated-column", "t"],
            "also an item",
        ),
        (["--unit-column", "team", "--wave-column", "wave", "--treated-column", "t"], "no column"),
        (["--wave-column", "wave", "--treated-column", "t"], "--unit-column"),
    ],
)
def test_bad_columns_exit_2_with_one_line(tmp_path: Path, args, expected: str) -> None:
    result = _run(_csv(tmp_path, _rows()), *args, *Q)
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_importing_the_command_stays_light() -> None:
    """`samen --help` imports every command module: this one must not pull in pandas,
    numpy, scipy or the engine (they load when the command runs)."""
    import subprocess
    import sys

    code = (
        "import sys, webapp.cli.compare_programme; "
        "print(sorted(m for m in ('pandas', 'numpy', 'scipy', 'engine') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
