"""``samen privacy dpia``: a DPIA draft filled from the survey's settings (issue 13)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from surveys.consent import give_consent
from surveys.survey_store import get_survey
from tests.conftest import HOSPITAL_SLUG as S
from webapp.cli import cli


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


def _dpia(db, monkeypatch, *args: str) -> str:
    monkeypatch.setenv("SAMEN_DATABASE_URL", db.url)
    result = CliRunner().invoke(cli, ["privacy", "dpia", S, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_markdown_in_english_follows_the_model_and_the_settings(hospital_db, monkeypatch):
    definition = get_survey(hospital_db, S)
    text = _dpia(hospital_db, monkeypatch, "--lang", "en")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings[0].startswith("# DPIA draft: ")
    for part in ("## A. Description", "## B. Lawfulness", "## C. Risks", "## D. Measures"):
        assert any(h.startswith(part) for h in headings), headings
    # art. 9 data marked, one line per special-category question
    art9 = [line for line in text.splitlines() if line.startswith("- ART. 9: ")]
    assert len(art9) == 4 and any("(health)" in line for line in art9)
    assert f"k = {definition.k} responses behind every number" in text
    assert f"at least {definition.comment_threshold} people (writers)" in text
    assert f"kept {definition.retention_days} days after a round closes" in text
    assert "2026-1: open; deleted" in text  # the purge schedule per wave
    assert "The time you answered." in text  # what is not stored, from the privacy statement
    assert "no group smaller than" in text  # the audit's result
    assert "No consent recorded yet" in text
    assert "To complete by the organisation" in text


def test_dutch_html_with_the_consent(hospital_db, monkeypatch):
    give_consent(hospital_db, S, "OR, 2026-12-01")
    html = _dpia(hospital_db, monkeypatch, "--lang", "nl", "--format", "html")
    assert html.lstrip().startswith("<!doctype html>") and '<html lang="nl">' in html
    assert "<h2>A. Beschrijving van de verwerking</h2>" in html
    assert "De ondernemingsraad (OR) stemde op 2026-12-01 in" in html
    assert "@media print" in html
    assert "&lt;token&gt;" in html  # text is escaped, not markup


def test_write_to_a_file(hospital_db, monkeypatch, tmp_path):
    out = tmp_path / "dpia.md"
    said = _dpia(hospital_db, monkeypatch, "--out", str(out))
    assert "written to" in said and out.read_text(encoding="utf-8").startswith("# Concept-DPIA")
