"""`samen compare`: bad input ends with exit status 2 and one line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from webapp.cli import cli

DATA = "q1,q2,dept,wave,unit\n" + "".join(
    f"{1 + i % 5},{1 + (i * 3) % 5},{'AB'[(i // 2) % 2]},{2025 + i % 2},U{i % 3}\n"
    for i in range(40)
)
SCALE = ["--scale", "s=q1,-q2", "--range", "1-5"]


def _csv(tmp_path: Path, text: str = DATA) -> str:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


CASES = [
    (lambda p: ["groups", _csv(p), *SCALE], "Missing option '--by'"),
    (lambda p: ["groups", _csv(p), "--by", "nope", *SCALE], "no column 'nope'"),
    (lambda p: ["groups", _csv(p), "--by", "q1", *SCALE], "column 'q1' is an item"),
    (lambda p: ["groups", _csv(p), "--by", "dept"], "give either --instrument or --scale"),
    (lambda p: ["groups", _csv(p), "--by", "dept", *SCALE, "--wave", "2025"], "together"),
    (
        lambda p: [
            "groups",
            _csv(p),
            "--by",
            "dept",
            *SCALE,
            "--wave-column",
            "wave",
            "--wave",
            "1999",
        ],
        "--wave '1999': not in column 'wave' (waves: 2025, 2026)",
    ),
    (
        lambda p: [
            "groups",
            _csv(p),
            "--by",
            "dept",
            *SCALE,
            "--wave-column",
            "dept",
            "--wave",
            "A",
        ],
        "name the same column",
    ),
    (
        lambda p: ["groups", _csv(p, "q1,q2,dept\n1,2,A\n2,3,A\n3,3,A\n"), "--by", "dept", *SCALE],
        "fewer than two groups",
    ),
    (lambda p: ["groups", _csv(p), "--by", "dept", *SCALE, "--k", "2"], "never below 3"),
    (lambda p: ["groups", _csv(p), "--by", "dept", *SCALE, "--min-share", "0"], "--min-share"),
    (
        lambda p: ["groups", _csv(p), "--by", "dept", "--scale", "s=q1", "--range", "5-1"],
        "LO must",
    ),
    (
        lambda p: [
            "groups",
            _csv(p, "q1,q2,dept\n1,2,A\n2,inf,B\n3,3,A\n"),
            "--by",
            "dept",
            *SCALE,
        ],
        "column 'q2' has a non-finite answer in row 3",
    ),
    (
        lambda p: ["groups", _csv(p, "q1,q2,dept\n1,2,A\n2,7,B\n3,3,A\n"), "--by", "dept", *SCALE],
        "outside the response range 1-5",
    ),
    (
        lambda p: ["groups", _csv(p, "q1,q2,dept\n1,2,A\n2,x,B\n3,3,A\n"), "--by", "dept", *SCALE],
        "non-numeric answer 'x' in row 3",
    ),
    (lambda p: ["groups", str(p / "missing.csv"), "--by", "dept", *SCALE], "no such file"),
    (lambda p: ["waves", _csv(p), *SCALE], "Missing option '--wave-column'"),
    (lambda p: ["waves", _csv(p), "--wave-column", "wave", "--from", "2025", *SCALE], "together"),
    (
        lambda p: [
            "waves",
            _csv(p),
            "--wave-column",
            "wave",
            "--from",
            "2025",
            "--to",
            "2025",
            *SCALE,
        ],
        "the same wave '2025'",
    ),
    (
        lambda p: [
            "waves",
            _csv(p),
            "--wave-column",
            "wave",
            "--from",
            "2025",
            "--to",
            "2030",
            *SCALE,
        ],
        "--to '2030': not in column 'wave'",
    ),
    (lambda p: ["waves", _csv(p), "--wave-column", "unit", *SCALE], "holds 3 waves (U0, U1, U2)"),
    (
        lambda p: ["waves", _csv(p), "--wave-column", "wave", "--unit-column", "wave", *SCALE],
        "name the same column",
    ),
    (lambda p: ["waves", _csv(p), "--wave-column", "wave", *SCALE, "--format", "pdf"], "pdf"),
    (lambda p: ["nonsense", _csv(p)], "No such command 'nonsense'"),
    (lambda p: ["groups", _csv(p), "--by", "dept", *SCALE, "--lang", "de"], "'de'"),
]


@pytest.mark.parametrize(("make_args", "expected"), CASES)
def test_bad_input_exits_2_with_one_line(tmp_path, make_args, expected):
    result = CliRunner().invoke(cli, ["compare", *make_args(tmp_path)])
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_good_input_of_the_same_file_runs(tmp_path):
    path = _csv(tmp_path)
    for args in (
        ["groups", path, "--by", "dept", *SCALE, "--wave-column", "wave", "--wave", "2026"],
        ["waves", path, "--wave-column", "wave", "--unit-column", "unit", *SCALE],
    ):
        result = CliRunner().invoke(cli, ["compare", *args])
        assert result.exit_code == 0, result.stderr
        assert "not distinguishable" in result.stdout or "than" in result.stdout


def test_error_from_a_real_process_is_one_line(tmp_path):
    path = _csv(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "webapp.cli", "compare", "groups", path, "--by", "nope", *SCALE],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "no column 'nope'" in done.stderr


def test_help_stays_light():
    """`samen compare --help` imports neither scipy nor pandas."""
    code = (
        "import sys; from webapp.cli import cli\n"
        "try:\n    cli(['compare', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('scipy', 'pandas') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "groups" in done.stdout and "waves" in done.stdout
