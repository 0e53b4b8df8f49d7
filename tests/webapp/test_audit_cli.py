"""`samen audit` and :func:`webapp.research.service.audit_survey`.

What the results service shows passes the engine's audit (the demo hospital, and the small
hospital of tests/conftest.py on both backends with filters); unsuppressed views, fed
through the same engine functions, fail it with exit 1 and the combination of views.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from click.testing import CliRunner

from surveys import users as users_module
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.test_export_cli import CLOSED, DEMO, OPEN, demo_copy, fill
from webapp.cli import cli

MANAGER = "surg@example.org"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    from surveys.db import Database

    database = Database(demo_copy(tmp_path_factory, sqlite_template))
    yield database
    database.dispose()


@pytest.fixture
def answered(hospital_db):
    """The small hospital with wave 2026-1 answered (W2: 3, HOSP's own: 2) and closed."""
    from surveys.users import add_user
    from surveys.waves import close_wave

    fill(hospital_db)
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    add_user(hospital_db, MANAGER, "manager", "a long enough password", unit_code="SURG")
    return hospital_db


def unsuppressed(data, measure, scope, questions, cache=None):
    """Every cell in scope, each filter category answered there: no suppression at all."""
    cells = {(unit, None, None) for unit in scope}
    for question in questions:
        answers = data.demographic(question)
        for unit in scope:
            inside = data.in_subtree(unit)
            for value in {int(v) for v in answers[inside & (answers == answers)]}:
                cells.add((unit, question, str(value)))
    return cells


def audit(db, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.setenv("SAMEN_DATABASE_URL", db.url)
    return CliRunner().invoke(cli, ["audit", *args], catch_exceptions=False)


def test_demo_unit_totals_pass_for_every_role_and_a_manager(demo_db):
    """Every measure's unit totals (the filtered views: next test) on the demo."""
    from webapp.research.service import audit_survey

    steps: list[str] = []
    everyone = audit_survey(demo_db, DEMO, CLOSED, filters=False, progress=steps.append)
    assert everyone.ok, everyone.lines()[:5]
    assert steps[0] == f"{CLOSED} responses (1/{len(steps)})"
    assert any(step.startswith(f"{CLOSED} item ") for step in steps)
    assert everyone.waves == (CLOSED,)
    assert everyone.views > 1000  # every measure (responses, scales, items) x released unit
    assert everyone.summary().startswith(f"checked {everyone.views} views over")
    open_wave = audit_survey(demo_db, DEMO, OPEN, filters=False)
    assert open_wave.waves == () and open_wave.held == (OPEN,) and open_wave.views == 0
    manager = audit_survey(
        demo_db, DEMO, CLOSED, "manager.chir-b@stadsziekenhuis.example", filters=False
    )
    assert manager.ok
    assert 0 < manager.views < everyone.views


def test_demo_filtered_views_pass(demo_db):
    """The response counts the service shows with every filter, audited over the answers to
    all eight demographic questions at once (the full `samen audit` does this for every
    measure: about 1.5 minutes on the demo)."""
    from engine.disclosure.audit import audit
    from engine.disclosure.audit_views import atoms_of, cell_views
    from webapp.research.auditing import served_cells
    from webapp.results.data import load_survey, load_wave

    context = load_survey(demo_db, DEMO)
    data = load_wave(demo_db, context, CLOSED)
    questions = tuple(data.matrix.demographic_ids)
    measure = data.measures[""]
    cells = served_cells(data, measure, frozenset(context.parent), questions)
    assert any(question for _, question, _ in cells)  # filter cells are shown
    own = data.own_profiles(measure.valid, questions)
    result = audit(atoms_of(own), cell_views(context.parent, own, cells, questions), 5)
    assert result.ok, [finding.describe() for finding in result.findings[:3]]


def test_demo_survey_fails_with_unsuppressed_views(demo_db):
    from webapp.research.service import audit_survey

    result = audit_survey(demo_db, DEMO, CLOSED, filters=False, cells_of=unsuppressed)
    assert not result.ok
    lines = result.lines()
    # AMBU (4 staff) would be shown on its own
    assert any(
        line.startswith(f"{CLOSED} responses: group of") and "unit:AMBU" in line for line in lines
    )


def test_audit_exits_0_with_one_line(answered, monkeypatch):
    result = audit(answered, monkeypatch, HOSPITAL_SLUG)
    assert result.exit_code == 0, result.output + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("checked ")
    assert "no group smaller than 5 can be derived" in lines[0]
    assert "filters not audited" not in lines[0]
    assert f"waves: {HOSPITAL_WAVE}" in lines[0]


def test_audit_as_a_manager(answered, monkeypatch):
    result = audit(answered, monkeypatch, HOSPITAL_SLUG, "--wave", HOSPITAL_WAVE, "--as", MANAGER)
    assert result.exit_code == 0, result.output + result.stderr
    assert f"{MANAGER} (manager)" in result.output


def test_unsuppressed_views_exit_1_with_each_finding(answered, monkeypatch):
    import webapp.research.auditing as auditing

    monkeypatch.setattr(auditing, "served_cells", unsuppressed)
    result = audit(answered, monkeypatch, HOSPITAL_SLUG)
    assert result.exit_code == 1
    findings = result.stdout.strip().splitlines()
    assert findings and all(" group of " in line for line in findings)
    # W2's 3 respondents, shown directly; HOSP's own 2 by differencing
    # every measure leaks, e.g. the response counts: a group of 1 to 4 and the views that
    # give it, added and subtracted
    counts = [
        line for line in findings if line.startswith(f"{HOSPITAL_WAVE} responses: group of ")
    ]
    assert counts and all("derivable: " in line and "unit:" in line for line in counts)
    assert any(" - unit:" in line for line in findings)  # found by differencing
    assert "finding(s) of a group smaller than 5" in result.stderr


# Errors come before any statistics: SQLite is enough.
@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "nope"),
        ([HOSPITAL_SLUG, "--wave", "1999-1"], "1999-1"),
        ([HOSPITAL_SLUG, "--as", "nobody@example.org"], "nobody@example.org"),
    ],
)
def test_errors_exit_2_with_one_line(hospital_db, monkeypatch, args, message):
    result = audit(hospital_db, monkeypatch, *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
