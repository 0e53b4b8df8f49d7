"""The built-in instrument ``programme_feedback`` in a survey of a programme's participants
(surveys/examples/programme-feedback.yaml): it validates, renders in Dutch and English, its
scales are released only at k responses and its open answers only from the comment threshold
(6 writers, people who wrote an answer; k = 5 responses).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from surveys.users import UserInfo
from tests.webapp.helpers import start
from webapp import create_app, results
from webapp.config import TestConfig
from webapp.results.comments import unit_comments

EXAMPLE = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "programme-feedback.yaml"
ADMIN = UserInfo("admin@example.org", "admin", None, "s-admin")
WAVE = "2026-1"


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


@pytest.fixture
def feedback_db(db):
    from surveys.definitions import create_survey
    from surveys.models import Unit
    from surveys.waves import open_wave

    with db.session(write=True) as session:
        session.add(Unit(code="cohort-1", name="Cohort 1"))
    slug = create_survey(db, EXAMPLE)
    open_wave(db, slug, WAVE)
    return db, slug


def test_the_instrument_validates_and_is_written_in_both_languages():
    from instruments import load_builtin

    inst = load_builtin("programme_feedback")
    assert [s.id for s in inst.scales] == ["course", "useful", "lesson", "practice"]
    assert all(len(s.items) == 3 and s.scored for s in inst.scales)
    for item in inst.items:
        assert set(item.text) == {"nl", "en"} and not item.reverse
        assert item.response_scale.points == (1, 2, 3, 4, 5)
        assert set(item.response_scale.labels["nl"]) == {1, 2, 3, 4, 5}


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "The programme was well organised."),
        ("nl", "Het programma was goed georganiseerd."),
    ],
)
def test_the_participants_survey_renders_in_dutch_and_english(feedback_db, lang, text):
    from surveys.invitations import issue_invitations

    db, slug = feedback_db
    (token,) = issue_invitations(db, slug, "cohort-1", 1)
    client = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db}).test_client()
    started = start(client, token, headers={"Accept-Language": lang})
    assert started.status_code == 303 and started.location == "/survey"
    welcome = client.get(f"/survey?lang={lang}").get_data(as_text=True)
    first = re.search(r'href="(/survey/q/[^"]+)"', welcome)
    assert first is not None, "the welcome page links to the first page of statements"
    html = client.get(first.group(1)).get_data(as_text=True)
    assert text in html


def _fill(db, slug, writers: int, responses: int = 8) -> None:
    from surveys.definitions import get_survey
    from surveys.invitations import issue_invitations
    from surveys.responses import submit_response
    from surveys.waves import close_wave

    definition = get_survey(db, slug)
    rng = np.random.default_rng(4)
    for i, token in enumerate(issue_invitations(db, slug, "cohort-1", responses)):
        answers = {item.id: int(rng.integers(1, 6)) for item in definition.items}
        comment = f"The coaching helped me most ({i})." if i < writers else None
        submit_response(db, token, answers, "en", comment=comment)
    close_wave(db, slug, WAVE)


def test_scales_at_k_and_open_answers_below_the_comment_threshold_withheld(feedback_db):
    db, slug = feedback_db
    _fill(db, slug, writers=5)
    found = results.unit_results(db, slug, WAVE, "cohort-1", ADMIN)
    assert found["k"] == 5 and found["n"] == 8
    assert all(not c["suppressed"] for c in found["scales"].values())
    assert set(found["scales"]) == {"course", "useful", "lesson", "practice"}
    out = unit_comments(db, slug, WAVE, "cohort-1", ADMIN)
    assert out["comment_threshold"] == 6 and out["comment_threshold_counts"] == "writers"
    assert (out["shown"], out["reason"], out["comments"]) == (False, "fewer-than-threshold", None)


def test_open_answers_shown_from_the_comment_threshold(feedback_db):
    db, slug = feedback_db
    _fill(db, slug, writers=6)
    out = unit_comments(db, slug, WAVE, "cohort-1", ADMIN)
    assert out["shown"] and len(out["comments"]) == 6
    assert {c["text"] for c in out["comments"]} == {
        f"The coaching helped me most ({i})." for i in range(6)
    }


def test_below_k_participants_no_scale_is_shown(feedback_db):
    db, slug = feedback_db
    _fill(db, slug, writers=0, responses=4)
    found = results.unit_results(db, slug, WAVE, "cohort-1", ADMIN)
    assert found["n"] is None
    assert all(c["suppressed"] and c["mean"] is None for c in found["scales"].values())
