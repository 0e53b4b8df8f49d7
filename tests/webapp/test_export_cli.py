"""`samen export` and :func:`webapp.research.service.export_wave`: k-anonymous, complete, shuffled.

The demo hospital (surveys/demo.py: 40 units, some below k, eight demographic questions)
is built once per session on SQLite and copied per module; the small hospital of
tests/conftest.py runs on both backends.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from webapp.cli import cli

DEMO = "hospital-2026"
CLOSED = "2026-1"
OPEN = "2026-2"
_TEMPLATE: dict[str, Any] = {}


def demo_copy_info(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Any:
    """(URL of a fresh copy of the demo database, the demo's info with its accounts).

    The demo (``build_demo(links=0)``, ~2.6 s of CPU; no consent and so no audit, which only
    ``samen demo`` runs, ~32 s) is built once per test process; every module that wants a
    demo of its own gets a copy of the file, with the same accounts and passwords.
    """
    if "path" not in _TEMPLATE:
        from surveys.db import Database
        from surveys.demo import build_demo

        path = tmp_path_factory.mktemp("demo-template") / "demo.db"
        shutil.copyfile(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
        _TEMPLATE["info"] = build_demo(database, links=0)
        database.dispose()
        _TEMPLATE["path"] = path
    copy = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(_TEMPLATE["path"], copy)
    return f"sqlite:///{copy}", _TEMPLATE["info"]


def demo_copy(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> str:
    """URL of a fresh copy of the demo database (built once per test process)."""
    return demo_copy_info(tmp_path_factory, sqlite_template)[0]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> str:
    return demo_copy(tmp_path_factory, sqlite_template)


@pytest.fixture(scope="module")
def demo_db(demo_url: str):
    from surveys.db import Database

    database = Database(demo_url)
    yield database
    database.dispose()


def quasi_identifier_columns(frame: pd.DataFrame) -> list[str]:
    return ["unit", "language", *[c for c in frame.columns if c.startswith("dem_")]]


def assert_k_anonymous(frame: pd.DataFrame, k: int) -> None:
    """Every combination of the quasi-identifiers (blank counts as a value) occurs >= k times."""
    qis = quasi_identifier_columns(frame)
    sizes = frame[qis].astype(object).where(frame[qis].notna(), "<blank>").value_counts()
    assert len(sizes) > 1  # the check is not vacuous: the file keeps information
    assert sizes.min() >= k, sizes[sizes < k]


def sorted_rows(values: np.ndarray) -> list[tuple[float, ...]]:
    """Rows as sorted tuples; missing (NaN, or a missing code -1..-4 of the file) as -1."""
    filled = np.where(np.isnan(values) | (values < 0), -1.0, values)
    return sorted(map(tuple, filled.tolist()))


def run(url: str, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.setenv("SAMEN_DATABASE_URL", url)
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_csv_export_is_k_anonymous_complete_and_unchanged(
    demo_url, demo_db, tmp_path, monkeypatch
):
    from surveys.responses import load_answers

    out = tmp_path / "export"
    result = run(demo_url, monkeypatch, "export", DEMO, "--wave", CLOSED, "--out", str(out))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [f"{DEMO}_{CLOSED}.csv", "codebook.json", "codebook.md", "datapackage.json"]
    )
    frame = pd.read_csv(out / f"{DEMO}_{CLOSED}.csv", keep_default_na=False, na_values=[""])
    stored = load_answers(demo_db, DEMO, CLOSED)
    assert len(frame) == stored.n  # no row lost
    assert_k_anonymous(frame, 5)
    # item answers unchanged: the same multiset of rows
    items = list(stored.item_ids)
    assert sorted_rows(frame[items].to_numpy(dtype=float)) == sorted_rows(stored.values)
    # units below k were rolled up: every unit in the file has at least k rows
    units = frame["unit"].dropna().value_counts()
    assert units.min() >= 5
    assert "AMBU" not in units  # 4 staff: never on its own
    assert "rolled up" in result.output
    # no order that follows storage (random-key) order
    assert frame[items].to_numpy(dtype=float).tolist() != stored.values.tolist()


@pytest.mark.parametrize("fmt", ["sav", "xlsx"])
def test_spss_and_excel_exports_are_k_anonymous(demo_db, tmp_path, fmt):
    from webapp.research.service import export_wave

    files = export_wave(demo_db, DEMO, CLOSED, fmt, tmp_path, lang="en")
    data_file = files.paths[0]
    assert data_file.name == f"{DEMO}_{CLOSED}.{fmt}"
    if fmt == "sav":
        import pyreadstat

        frame, meta = pyreadstat.read_sav(str(data_file))
        frame = frame.replace({"unit": {"": None}, "language": {"": None}})
        assert meta.column_names_to_labels["unit"]  # labelled
    else:
        frame = pd.read_excel(data_file, sheet_name=0)
    from surveys.responses import count_by_unit

    answered = sum(count_by_unit(demo_db, DEMO, CLOSED).values())
    assert len(frame) == files.rows == answered > 300  # every response, none lost
    assert_k_anonymous(frame, files.k)


def test_rows_are_shuffled_between_exports(demo_db, tmp_path):
    from webapp.research.service import export_frame

    first, _, _ = export_frame(demo_db, DEMO, CLOSED, seed=1)
    second, _, _ = export_frame(demo_db, DEMO, CLOSED, seed=2)
    assert sorted_rows(first.iloc[:, 10:].to_numpy(dtype=float)) == sorted_rows(
        second.iloc[:, 10:].to_numpy(dtype=float)
    )
    assert first.iloc[:, 10:].to_numpy(dtype=float).tolist() != (
        second.iloc[:, 10:].to_numpy(dtype=float).tolist()
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--wave", CLOSED], "nope"),
        ([DEMO, "--wave", "1999-1"], "1999-1"),
        ([DEMO, "--wave", OPEN], "still open"),
        ([DEMO, "--wave", CLOSED, "--lang", "de"], "language 'de'"),
    ],
)
def test_errors_exit_2_with_one_line(demo_url, tmp_path, monkeypatch, args, message):
    out = tmp_path / "out"
    result = run(demo_url, monkeypatch, "export", *args, "--out", str(out))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output
    assert not (out / f"{DEMO}_{CLOSED}.csv").exists()


# --- both backends: the small hospital of tests/conftest.py -----------------------------------

PLAN = {"W1": 7, "W2": 3, "ICU": 6, "HOSP": 2}  # W2 (3) and HOSP's own (2) are below k


def fill(db, plan=PLAN, seed: int = 3) -> int:
    """Answer through invitations (gender: 1 or 2; language: one English response per unit)."""
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.survey_store import get_survey

    definition = get_survey(db, HOSPITAL_SLUG)
    rng = np.random.default_rng(seed)
    for unit, count in plan.items():
        for i, token in enumerate(issue_invitations(db, HOSPITAL_SLUG, unit, count)):
            answers = {
                item.id: None
                if rng.random() < 0.1
                else int(rng.choice(item.response_scale.points))
                for item in definition.items
            }
            demographics = {"dem_gender": 1 + i % 2, "dem_age": int(rng.integers(1, 5))}
            submit_response(db, token, answers, "en" if i == 0 else "nl", demographics)
    return sum(plan.values())


def test_export_on_each_backend(hospital_db, tmp_path):
    from surveys.responses import load_answers
    from surveys.waves import close_wave
    from webapp.research.service import export_wave

    n = fill(hospital_db)
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    files = export_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "csv", tmp_path)
    frame = pd.read_csv(files.paths[0], keep_default_na=False, na_values=[""])
    assert len(frame) == n
    assert_k_anonymous(frame, 5)
    assert files.rolled_up.get("W2") in ("SURG", "HOSP")
    stored = load_answers(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    items = list(stored.item_ids)
    assert sorted_rows(frame[items].to_numpy(dtype=float)) == sorted_rows(stored.values)


def test_a_wave_below_k_is_not_exported(hospital_db, tmp_path):
    from surveys.errors import InputError
    from surveys.waves import close_wave
    from webapp.research.service import export_wave

    fill(hospital_db, {"W1": 3})
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    with pytest.raises(InputError, match="fewer than 5"):
        export_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "csv", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_an_empty_wave_exports_the_header_only(hospital_db, tmp_path):
    from surveys.waves import close_wave
    from webapp.research.service import export_wave

    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    files = export_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "csv", tmp_path / "out")
    frame = pd.read_csv(files.paths[0])
    assert files.rows == 0 and len(frame) == 0
    assert list(frame.columns[:2]) == ["unit", "language"] and "bel_mem_1" in frame.columns
