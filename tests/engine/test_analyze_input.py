"""`samen analyze` input checks: non-finite answers and the inferred response range.

Every non-finite answer is bad input (exit 2, one line naming the cell) with or without
``--range``; a response range inferred from the answers is printed in every format, and
refused when the items of a scale do not span the same range or it reaches below 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from webapp.cli import cli

# Each item spans 1-5, so without the bad cell the range could be inferred.
ROWS = ["team,q1,q2,q3", "a,1,2,3", "a,2,1,5", "b,4,5,4", "b,5,4,1", "c,3,3,2"]


def _csv(tmp_path: Path, rows: list[str]) -> str:
    path = tmp_path / "answers.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def _invoke(args: list[str]):
    return CliRunner().invoke(cli, ["analyze", *args])


def _one_line_error(result) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("inf", "inf"),
        ("-inf", "-inf"),
        ("Infinity", "inf"),
        ("INF", "inf"),
        ("1e999", "inf"),
        ("-1e999", "-inf"),
    ],
)
@pytest.mark.parametrize("with_range", [False, True])
def test_an_infinite_answer_is_bad_input_naming_the_cell(tmp_path, cell, shown, with_range):
    rows = [*ROWS[:3], f"b,4,{cell},4", *ROWS[4:]]
    args = [_csv(tmp_path, rows), "--scale", "s=q1,q2,q3", "--group", "team"]
    if with_range:
        args += ["--range", "1-5"]
    line = _one_line_error(_invoke(args))
    assert f"column 'q2' has the non-finite answer {shown} in row 4" in line


@pytest.mark.parametrize("cell", ["nan", "NaN", "-nan"])
@pytest.mark.parametrize("with_range", [False, True])
def test_nan_written_in_a_cell_is_bad_input_not_a_missing_answer(tmp_path, cell, with_range):
    rows = [*ROWS[:2], f"a,2,{cell},5", *ROWS[3:]]
    args = [_csv(tmp_path, rows), "--scale", "s=q1,q2,q3"]
    if with_range:
        args += ["--range", "1-5"]
    line = _one_line_error(_invoke(args))
    assert f"column 'q2' has a non-numeric answer '{cell}' in row 3" in line


def test_the_first_infinite_cell_by_row_is_named(tmp_path):
    rows = [*ROWS[:2], "a,2,1,inf", "b,inf,5,4", *ROWS[4:]]
    line = _one_line_error(_invoke([_csv(tmp_path, rows), "--scale", "s=q1,q2,q3"]))
    assert "column 'q3' has the non-finite answer inf in row 3" in line


def test_infinity_in_a_column_that_is_not_analysed_is_ignored(tmp_path):
    rows = ["other," + ROWS[0]] + ["inf," + row for row in ROWS[1:]]
    result = _invoke([_csv(tmp_path, rows), "--scale", "s=q1,q2,q3", "--format", "json"])
    assert result.exit_code == 0, result.stderr


def test_a_mistyped_negative_answer_is_refused_not_a_wider_range(tmp_path):
    """-3 instead of 3 would make the inferred range -3-5: reverse keying and rwg(j)'s
    null would change silently."""
    rows = [*ROWS[:5], "c,-3,3,2", "c,1,5,5"]
    args = [_csv(tmp_path, rows), "--scale", "s=q1,-q2,q3"]
    line = _one_line_error(_invoke(args))
    assert "--scale s: the answers reach -3, below 0" in line
    assert "--range" in line
    # with --range the same answer is named as outside it
    line = _one_line_error(_invoke([*args, "--range", "1-5"]))
    assert "column 'q1' has the answer -3 in row 6, outside the response range 1-5" in line


def test_items_spanning_different_ranges_are_refused_without_range(tmp_path):
    rows = ["q1,q2,q3", "1,2,3", "2,2,5", "4,5,4", "5,4,1", "3,3,2"]  # q2 only 2-5
    args = [_csv(tmp_path, rows), "--scale", "s=q1,q2,q3"]
    line = _one_line_error(_invoke(args))
    assert "--scale s: the answers span 1-5 but 'q2' only 2-5" in line
    result = _invoke([*args, "--range", "1-5", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    scale = json.loads(result.stdout)["scales"]["s"]
    assert scale["range"] == [1.0, 5.0] and scale["range_inferred"] is False


def test_zero_is_a_valid_lowest_answer(tmp_path):
    rows = ["q1,q2", "0,1", "1,0", "2,2", "1,1"]
    result = _invoke([_csv(tmp_path, rows), "--scale", "s=q1,q2", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["scales"]["s"]["range"] == [0.0, 2.0]


def test_inferred_range_is_printed_in_every_format(tmp_path):
    path = _csv(tmp_path, ROWS)
    args = [path, "--scale", "s=q1,q2", "--scale", "t=q3", "--group", "team"]
    report = json.loads(_invoke([*args, "--format", "json"]).stdout)
    for scale in ("s", "t"):
        assert report["scales"][scale]["range"] == [1.0, 5.0]
        assert report["scales"][scale]["range_inferred"] is True
    text = _invoke(args).stdout
    assert "Response ranges inferred from the lowest and highest answer" in text
    assert "s 1-5; t 1-5" in text
    assert "response range 1-5, inferred from the lowest and highest answer (not given)" in text
    page = _invoke([*args, "--format", "html"]).stdout
    assert "s 1-5; t 1-5" in page
    assert "inferred from the lowest and highest answer (not given)" in page
    given = _invoke([*args, "--range", "1-5"]).stdout
    assert "inferred" not in given
