"""Open questions in the instrument format (instruments/FORMAT.md, ``open_questions``): loaded
into the model, every problem named with file and path, ids unique across a survey, and the
built-in ``programme_feedback`` asks its two in Dutch and English."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from instruments import (
    InstrumentError,
    OpenQuestion,
    check_survey_instruments,
    load_builtin,
    load_instrument,
    parse_instrument,
)

VALID = Path(__file__).parent / "data" / "valid.yaml"
OPEN = [
    {"id": "t_open_1", "text": {"nl": "Wat ging er goed?", "en": "What went well?"}},
    {"id": "t_open_2", "text": {"nl": "Wat kan beter?", "en": "What could be better?"}},
]


def with_open(questions: Any) -> dict[str, Any]:
    data = yaml.safe_load(VALID.read_text(encoding="utf-8"))
    data["open_questions"] = copy.deepcopy(questions)
    return data


def problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    return [str(p) for p in info.value.problems]


def test_open_questions_load_apart_from_the_scored_items(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(with_open(OPEN), allow_unicode=True), encoding="utf-8")
    instrument = load_instrument(path)
    assert instrument.open_questions == (
        OpenQuestion("t_open_1", {"nl": "Wat ging er goed?", "en": "What went well?"}),
        OpenQuestion("t_open_2", {"nl": "Wat kan beter?", "en": "What could be better?"}),
    )
    # never items: not scored, not in the response's answer string
    assert "t_open_1" not in {item.id for item in instrument.items}
    assert load_instrument(VALID).open_questions == ()


@pytest.mark.parametrize(
    ("questions", "where", "message"),
    [
        (
            [{"id": "t_open_1", "text": {"nl": "Wat ging er goed?"}}],
            "open_questions[0].text.en",
            "missing text for language 'en'",
        ),
        (
            [{**OPEN[0], "response_scale": "agree5"}],
            "open_questions[0].response_scale",
            "unknown key 'response_scale'",
        ),
        ([{"text": OPEN[0]["text"]}], "open_questions[0].id", "missing required key 'id'"),
        ([{**OPEN[0], "id": "Open 1"}], "open_questions[0].id", "must match [a-z][a-z0-9_]*"),
        (
            [{**OPEN[0], "id": "t_alpha_1"}],
            "open_questions[0].id",
            "duplicate id 't_alpha_1' (also at scales[0].items[0].id)",
        ),
        ([OPEN[0], OPEN[0]], "open_questions[1].id", "duplicate id 't_open_1'"),
        ("What went well?", "open_questions", "expected a list of open questions"),
        (["What went well?"], "open_questions[0]", "an open question must be a mapping"),
    ],
)
def test_a_broken_open_question_is_named_by_file_and_path(tmp_path, questions, where, message):
    found = problems(tmp_path, with_open(questions))
    assert any(
        p.startswith(f"{tmp_path / 'broken.yaml'}") and f": {where}" in p and message in p
        for p in found
    ), found


def test_open_question_ids_are_unique_across_a_survey():
    first = parse_instrument(yaml.safe_dump(with_open(OPEN)), "first.yaml")
    other = with_open([{**OPEN[1]}])
    other["id"] = "other"
    for scale in other["scales"]:
        for item in scale["items"]:
            item["id"] = "o_" + item["id"]
    second = parse_instrument(yaml.safe_dump(other), "second.yaml")
    with pytest.raises(InstrumentError) as info:
        check_survey_instruments([first, second])
    (problem,) = info.value.problems
    assert problem.path == "open_questions[0].id" and "'t_open_2'" in problem.message


def test_programme_feedback_asks_the_most_useful_part_and_the_main_lesson():
    instrument = load_builtin("programme_feedback")
    assert [q.id for q in instrument.open_questions] == ["pf_open_useful", "pf_open_lesson"]
    useful, lesson = instrument.open_questions
    assert set(useful.text) == set(lesson.text) == {"nl", "en"}
    assert "most useful" in useful.text["en"] and "nuttigst" in useful.text["nl"]
    assert "main lesson" in lesson.text["en"] and "belangrijkste les" in lesson.text["nl"]
    for question in instrument.open_questions:  # one question each, asked as a question
        for text in question.text.values():
            assert text.endswith("?") and text.count("?") == 1
    assert "comments module" not in instrument.construct["en"]


@pytest.mark.parametrize(("lang", "words"), [("en", "main lesson"), ("nl", "belangrijkste les")])
def test_samen_instruments_show_lists_the_open_questions(lang, words):
    from click.testing import CliRunner

    from webapp.cli.instruments import instruments as group

    shown = CliRunner().invoke(group, ["show", "programme_feedback", "--lang", lang])
    assert shown.exit_code == 0
    tail = shown.output.split("Open questions", 1)[1]
    assert "pf_open_useful" in tail and "pf_open_lesson" in tail and words in tail
    listed = CliRunner().invoke(group, ["list", "--format", "json"])
    (feedback,) = [i for i in json.loads(listed.output) if i["id"] == "programme_feedback"]
    assert feedback["open_questions"] == ["pf_open_useful", "pf_open_lesson"]
