"""Changing a stored survey (surveys.editing), the filter question setting, and the org
import's preview (surveys.org.preview_units): what the console stores goes through these."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from surveys.definitions import create_survey, get_survey
from surveys.editing import locked_reason, survey_yaml, update_survey
from surveys.errors import InputError
from surveys.org import import_units, list_units, preview_units

HOSPITAL = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"


def _write(tmp_path: Path, settings: dict, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return path


def _settings(db, slug: str) -> dict:
    return yaml.safe_load(survey_yaml(db, slug))


def _units(db) -> None:
    from surveys.models import Unit

    with db.session(write=True) as session:
        session.add(Unit(code="org", name="Org"))


def test_the_yaml_round_trip_gives_the_same_survey(db, tmp_path):
    slug = create_survey(db, HOSPITAL)
    settings = _settings(db, slug)
    settings["id"] = "copy"
    copy = get_survey(db, create_survey(db, _write(tmp_path, settings)))
    original = get_survey(db, slug)
    assert copy.item_ids == original.item_ids
    assert (copy.k, copy.comment_threshold, copy.title) == (
        original.k,
        original.comment_threshold,
        original.title,
    )


def test_update_changes_settings_and_reports_them(db, tmp_path):
    slug = create_survey(db, HOSPITAL)
    settings = _settings(db, slug)
    settings["min_group_size"] = 7
    settings["title"]["en"] = "New title"
    assert update_survey(db, _write(tmp_path, settings)) == (slug, ["min_group_size", "title"])
    assert get_survey(db, slug).k == 7
    assert update_survey(db, _write(tmp_path, settings, "again.yaml")) == (slug, [])


def test_locked_once_a_wave_is_open_and_after_it_had_responses(db, tmp_path):
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.waves import close_wave, open_wave

    _units(db)
    slug = create_survey(db, HOSPITAL)
    assert locked_reason(db, slug) is None
    open_wave(db, slug, "w1")
    assert "'w1' is open" in str(locked_reason(db, slug))
    settings = _settings(db, slug)
    settings["min_group_size"] = 3
    settings["instruments"] = settings["instruments"][:2]
    settings["title"]["en"] = "Changed"
    with pytest.raises(InputError) as info:
        update_survey(db, _write(tmp_path, settings))
    assert [p.split(": ")[1] for p in info.value.problems] == ["instruments", "min_group_size"]
    assert get_survey(db, slug).title["en"] != "Changed"  # all or nothing
    definition = get_survey(db, slug)
    item = definition.items[0]
    (token,) = issue_invitations(db, slug, "org", 1)
    submit_response(db, token, {item.id: item.response_scale.points[0]}, "en")
    close_wave(db, slug, "w1")
    assert "'w1' has responses" in str(locked_reason(db, slug))
    texts_only = _settings(db, slug)
    texts_only["title"]["en"] = "Changed"
    assert update_survey(db, _write(tmp_path, texts_only, "t.yaml"))[1] == ["title"]


def test_a_closed_wave_without_responses_does_not_lock(db):
    from surveys.waves import close_wave, open_wave

    slug = create_survey(db, HOSPITAL)
    open_wave(db, slug, "w1")
    close_wave(db, slug, "w1")
    assert locked_reason(db, slug) is None


def test_filter_question_must_be_a_demographic_question(db, tmp_path):
    settings = yaml.safe_load(HOSPITAL.read_text(encoding="utf-8"))
    settings["filter_question"] = "dem_tenure"
    slug = create_survey(db, _write(tmp_path, settings))
    assert get_survey(db, slug).filter_question == "dem_tenure"
    settings["id"], settings["filter_question"] = "other", "belonging_1"
    with pytest.raises(InputError, match="filter_question: 'belonging_1' is not a demographic"):
        create_survey(db, _write(tmp_path, settings, "o.yaml"))


def test_preview_units_stores_nothing_and_says_what_the_import_would_do(db, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("unit_id,parent_id,name\nORG,,Org\nA,ORG,Unit A\n", encoding="utf-8")
    report, after = preview_units(db, first)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [u.code for u in after] == ["A", "ORG"]
    assert list_units(db) == []
    import_units(db, first)
    second = tmp_path / "b.csv"
    second.write_text("unit_id,parent_id,name\nA,ORG,Renamed\nB,A,Unit B\n", encoding="utf-8")
    report, after = preview_units(db, second)
    assert (report.created, report.updated, report.unchanged, report.not_in_file) == (
        1,
        1,
        0,
        ("ORG",),
    )
    assert {u.code: u.name for u in after} == {"ORG": "Org", "A": "Renamed", "B": "Unit B"}
    assert {u.code: u.name for u in list_units(db)} == {"ORG": "Org", "A": "Unit A"}
    bad = tmp_path / "c.csv"
    bad.write_text("unit_id,parent_id,name\nC,NOPE,Unit C\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: parent_id 'NOPE'"):
        preview_units(db, bad)


def test_the_cli_prints_the_yaml_and_updates_from_it(db_url, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from webapp.cli import cli

    monkeypatch.setenv("SAMEN_DATABASE_URL", db_url)
    runner = CliRunner()
    assert runner.invoke(cli, ["survey", "create", str(HOSPITAL)]).exit_code == 0
    printed = runner.invoke(cli, ["survey", "yaml", "hospital-2026"])
    assert printed.exit_code == 0
    settings = yaml.safe_load(printed.output)
    settings["retention_days"] = 365
    result = runner.invoke(cli, ["survey", "update", str(_write(tmp_path, settings))])
    assert result.exit_code == 0, result.output
    assert result.output == "Survey 'hospital-2026' changed: retention_days.\n"
    settings["min_group_size"] = 2
    refused = runner.invoke(cli, ["survey", "update", str(_write(tmp_path, settings, "b.yaml"))])
    assert refused.exit_code == 2
    assert "min_group_size: 2 is below 3" in refused.output
