"""`samen audit` covers programme evaluations: on the demo it audits their groups with the
released cells and finds nothing; with a rule that let in units the tables hide (at least k
responses alone, counted in responses), it finds the group that rule gives away."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.webapp.test_export_cli import demo_copy
from webapp.research.auditing import audit_survey

DEMO = "hospital-2026"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    from surveys.db import Database

    url = demo_copy(tmp_path_factory, sqlite_template)
    database = Database(url)
    yield database
    database.dispose()


# The audit of the whole demo (every wave, every role pooled) counts 108 programme views
# and finds nothing: tests/webapp/test_cli.py::test_demo_builds_and_prints_working_links
# checks it on the audit `samen demo` runs for the consent (~32 s of CPU, made once).


def test_managers_see_no_programme_views(demo_db):
    from surveys.users import add_user

    add_user(demo_db, "m@example.org", "manager", "a long enough password", unit_code="SNIJ")
    result = audit_survey(demo_db, DEMO, as_email="m@example.org", filters=False)
    assert result.programme_views == 0 and result.ok


def test_samen_audit_prints_the_programme_views(demo_db, monkeypatch):
    from webapp.cli import cli

    monkeypatch.setenv("SAMEN_DATABASE_URL", demo_db.url)
    out = CliRunner().invoke(cli, ["audit", DEMO, "--wave", "2025-2"])
    assert out.exit_code == 0, out.output
    assert "(54 of them of programme evaluations): no group smaller than 5" in out.output
