"""Survey definitions: the YAML format, validation, and freezing in the database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from instruments import library_dir
from surveys.errors import InputError, NotFound, SamenError
from surveys.survey_store import create_survey, get_survey, list_surveys, load_survey_file

EXAMPLE = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"

MINIMAL = """\
id: mini
title: {nl: Mini, en: Mini}
organisation: {nl: Wij, en: Us}
languages: [nl, en]
instruments: [belonging]
"""


def write(tmp_path, text, name="survey.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_example_has_every_builtin_instrument_and_module():
    definition = load_survey_file(EXAMPLE)
    ids = [i.id for i in definition.instruments]
    assert ids == [
        "belonging",
        "authenticity",
        "social_safety",
        "psychological_safety",
        "inclusive_leadership",
        "work_experience",
        "unwanted_behaviour",
        "demographics",
    ]
    assert definition.languages == ("nl", "en")
    assert set(definition.modules) == {"demographics", "unwanted_behaviour", "open_comments"}
    assert definition.demographics is not None
    assert not any(item.id.startswith("dem_") for item in definition.items)
    assert all(item.id.startswith("dem_") for item in definition.demographic_items)
    assert {i.id for i in definition.sensitive_instruments} == {
        "unwanted_behaviour",
        "demographics",
    }
    assert (definition.min_group_size, definition.comment_threshold) == (5, 10)
    assert definition.release == "closed"


def test_defaults(tmp_path):
    definition = load_survey_file(write(tmp_path, MINIMAL))
    assert definition.min_group_size == 5
    assert definition.comment_threshold == 10
    assert definition.modules == ()
    assert definition.demographics is None
    assert not definition.open_link


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("min_group_size: 2\n", "min_group_size: 2 is below 3"),
        ("min_group_size: 7\ncomment_threshold: 5\n", "comment_threshold: 5 is below 7"),
        ("release: sometimes\n", "release: one of closed, got 'sometimes'"),
        ("release: steps\n", "release: 'steps' is not offered"),
        ("colour: blue\n", "colour: unknown setting"),
        ("modules: {video: true}\n", "modules.video: unknown module"),
        ("open_link: maybe\n", "open_link: true or false"),
        ("modules: {demographics: maybe}\n", "modules.demographics: maybe: not a built-in"),
    ],
)
def test_invalid_settings_are_named(tmp_path, extra, message):
    with pytest.raises(InputError) as info:
        load_survey_file(write(tmp_path, MINIMAL + extra))
    assert any(message in problem for problem in info.value.problems), info.value.problems


def test_unknown_instrument_and_missing_language(tmp_path):
    text = MINIMAL.replace("[belonging]", "[belonging, nosuch]").replace(
        "[nl, en]", "[nl, en, de]"
    )
    with pytest.raises(InputError) as info:
        load_survey_file(write(tmp_path, text))
    joined = "\n".join(info.value.problems)
    assert "nosuch" in joined and "not a built-in instrument" in joined
    assert "no de version" in joined
    assert "title: missing text for 'de'" in joined


def test_not_yaml_and_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"not valid YAML \(line 2\): expected ',' or ']'"):
        load_survey_file(write(tmp_path, "id: [unclosed\n"))
    with pytest.raises(InputError, match="file not found"):
        load_survey_file(tmp_path / "missing.yaml")


def test_stored_definition_does_not_follow_file_edits(db, tmp_path):
    own = tmp_path / "own.yaml"
    shutil.copyfile(library_dir() / "belonging.yaml", own)
    survey = write(tmp_path, MINIMAL.replace("[belonging]", "[own.yaml]"))
    slug = create_survey(db, survey)
    before = get_survey(db, slug)
    first = before.items[0]
    own.write_text(
        own.read_text(encoding="utf-8").replace(first.text["en"], "EDITED LATER"), encoding="utf-8"
    )
    assert load_survey_file(survey).items[0].text["en"] == "EDITED LATER"
    after = get_survey(db, slug)
    assert after.items[0].text["en"] == first.text["en"]
    assert after.item_ids == before.item_ids


def test_create_get_list_and_duplicates(db, tmp_path):
    assert create_survey(db, EXAMPLE) == "hospital-2026"
    assert create_survey(db, write(tmp_path, MINIMAL)) == "mini"
    assert [d.slug for d in list_surveys(db)] == ["hospital-2026", "mini"]
    assert get_survey(db, "hospital-2026").title["nl"].startswith("Werken")
    with pytest.raises(SamenError, match="exists already"):
        create_survey(db, EXAMPLE)
    with pytest.raises(NotFound, match="no survey 'other'"):
        get_survey(db, "other")
