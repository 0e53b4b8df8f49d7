"""The privacy summary of a survey, and purging with a date or the retention period."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import text

from surveys.invitations import issue_invitations
from surveys.privacy import privacy_summary
from surveys.purge import expired_before, purge, purge_expired
from surveys.responses import count_responses, submit_response
from surveys.survey_store import load_survey_file
from surveys.waves import close_wave, open_wave
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE

EXAMPLE = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"


def test_privacy_summary_follows_the_settings():
    definition = load_survey_file(EXAMPLE)
    summary = privacy_summary(definition)
    assert summary.min_group_size == 5 and summary.comment_threshold == 10
    assert summary.retention_days == 730
    by_id = {i.id: i for i in summary.instruments}
    assert by_id["demographics"].sensitive and not by_id["belonging"].sensitive
    special = {q.id: q.category for q in summary.special_category_questions}
    assert special == {
        "dem_born_nl": "origin",
        "dem_parents_abroad": "origin",
        "dem_disability": "health",
        "dem_lgbtiq": "sexual_orientation",
    }
    assert all(q.category == "sensitive" for q in by_id["unwanted_behaviour"].questions)
    assert sum(i.n_questions for i in summary.instruments) == len(definition.items) + 8
    for lang in ("nl", "en"):
        who = " ".join(summary.who_sees[lang])
        assert "5" in who and "10" in who and "730" in who
    assert any("IP" in line for line in summary.not_stored["en"])
    # Demographics are stored in the response row itself: the page must not say otherwise.
    about_you = [line for line in summary.stored["en"] if line.startswith("Your answers to")]
    assert about_you == [
        "Your answers to the optional questions about you, if you answer them. They are kept "
        "with your other answers, never with your comment."
    ]
    assert not any("los van je andere antwoorden" in line for line in summary.stored["nl"])
    assert any("tijdstip" in line for line in summary.not_stored["nl"])
    assert summary.minutes >= 10


def test_privacy_summary_changes_with_k(tmp_path):
    text_ = EXAMPLE.read_text(encoding="utf-8").replace("min_group_size: 5", "min_group_size: 7")
    path = tmp_path / "s.yaml"
    path.write_text(text_.replace("comment_threshold: 10", "comment_threshold: 12"), "utf-8")
    summary = privacy_summary(load_survey_file(path))
    assert "at least 7 people" in " ".join(summary.who_sees["en"])
    assert "at least 12 people" in " ".join(summary.who_sees["en"])


def _answer(db, unit, n):
    for token in issue_invitations(db, HOSPITAL_SLUG, unit, n):
        submit_response(db, token, {"bel_mem_1": 3}, "nl")


def test_purge_before_date_keeps_newer_and_open_waves(hospital_db):
    db = hospital_db
    _answer(db, "W1", 3)
    close_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    with db.session(write=True) as session:
        session.execute(text("UPDATE waves SET closed_on = :d"), {"d": dt.date(2024, 1, 31)})
    open_wave(db, HOSPITAL_SLUG, "2026-2")
    _answer(db, "W2", 2)
    issue_invitations(db, HOSPITAL_SLUG, "W2", 4)
    nothing = purge(db, HOSPITAL_SLUG, before=dt.date(2024, 1, 31))
    assert nothing.waves == () and nothing.responses == 0
    assert count_responses(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 3
    report = purge(db, HOSPITAL_SLUG, before=dt.date(2024, 2, 1))
    assert report.waves == (HOSPITAL_WAVE,) and report.responses == 3
    assert report.open_wave_kept == "2026-2"
    assert count_responses(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 0
    assert count_responses(db, HOSPITAL_SLUG, "2026-2") == 2


def test_purge_expired_uses_retention(hospital_db):
    db = hospital_db
    _answer(db, "ICU", 2)
    close_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    closed = dt.date(2025, 1, 1)
    with db.session(write=True) as session:
        session.execute(text("UPDATE waves SET closed_on = :d"), {"d": closed})
    assert expired_before(db, HOSPITAL_SLUG, on=dt.date(2027, 1, 1)) == dt.date(2025, 1, 1)
    assert purge_expired(db, HOSPITAL_SLUG, on=closed + dt.timedelta(days=730)).responses == 0
    assert purge_expired(db, HOSPITAL_SLUG, on=closed + dt.timedelta(days=731)).responses == 2


def test_statements_come_in_dutch_and_english_for_a_survey_in_one_language(tmp_path):
    text_ = EXAMPLE.read_text(encoding="utf-8").replace("languages: [nl, en]", "languages: [nl]")
    path = tmp_path / "nl.yaml"
    path.write_text(text_, encoding="utf-8")
    summary = privacy_summary(load_survey_file(path))
    assert summary.languages == ("nl",)
    for statements in (summary.stored, summary.not_stored, summary.who_sees):
        assert set(statements) == {"nl", "en"}
    assert "Your name, e-mail or IP address." in summary.not_stored["en"]
