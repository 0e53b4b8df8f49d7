"""`samen programme add|list|remove` end to end through click."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from surveys.waves import close_wave, open_wave
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from webapp.cli import cli


@pytest.fixture
def run(hospital_db, db_url, monkeypatch):
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    open_wave(hospital_db, HOSPITAL_SLUG, "2026-2")
    monkeypatch.setenv("SAMEN_DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


ADD = ("programme", "add", HOSPITAL_SLUG, "Inclusive leadership", "--cohort", "2026 spring")
WAVES = ("--before", HOSPITAL_WAVE, "--after", "2026-2")


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_add_list_remove_with_a_csv(run, tmp_path):
    units = tmp_path / "cohort.csv"
    units.write_text("unit\nW1\nICU\n", encoding="utf-8")
    added = run(*ADD, *WAVES, "--units", str(units))
    assert added.exit_code == 0, added.output
    assert "2 units, waves 2026-1 (before) and 2026-2 (after)" in added.output
    assert "/programmes/1" in added.output
    listed = run("programme", "list", HOSPITAL_SLUG)
    assert listed.output.strip().split("\t") == [
        "1",
        HOSPITAL_SLUG,
        "Inclusive leadership",
        "2026 spring",
        "2026-1 -> 2026-2",
        "ICU,W1",
    ]
    removed = run("programme", "remove", HOSPITAL_SLUG, "Inclusive leadership")
    assert removed.exit_code == 0 and "Removed programme" in removed.output
    assert run("programme", "list").output == ""


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_add_with_unit_options(run):
    added = run(*ADD, *WAVES, "--unit", "W2", "--unit", "ICU")
    assert added.exit_code == 0, added.output
    assert "ICU,W2" in run("programme", "list").output


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_csv_problems_one_line_each(run, tmp_path):
    units = tmp_path / "cohort.csv"
    units.write_text("unit\nW1\nNOPE\nW1\n", encoding="utf-8")
    result = run(*ADD, *WAVES, "--units", str(units))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 2, lines
    assert "cohort.csv: line 3: no unit 'NOPE'" in lines[0]
    assert "cohort.csv: line 4: unit 'W1' is given twice (also" in lines[1]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ("--before", "2026-2", "--after", HOSPITAL_WAVE, "--unit", "W1", "--unit", "W2"),
            "(before) is not closed",
        ),
        (
            ("--before", HOSPITAL_WAVE, "--after", HOSPITAL_WAVE, "--unit", "W1", "--unit", "W2"),
            "same wave",
        ),
        ((*WAVES,), "either with --units FILE.csv or with --unit CODE"),
        ((*WAVES, "--units", "missing.csv"), "missing.csv: file not found"),
    ],
)
def test_errors_exit_2_with_one_line(run, extra, message):
    result = run(*ADD, *extra)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_remove_unknown(run):
    result = run("programme", "remove", HOSPITAL_SLUG, "Nothing")
    assert result.exit_code == 2 and "has no programme 'Nothing'" in result.output
