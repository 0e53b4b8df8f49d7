"""surveys.leaders on SQLite and PostgreSQL: links stored as hashes, one row per leader and
wave, answers checked against the leader's questionnaire, nothing in the employees' tables."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from sqlalchemy import func, select

from surveys import users as users_module
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE

PASSWORD = "a long enough password"


@pytest.fixture
def leader_db(hospital_db, monkeypatch):
    from surveys.users import add_user

    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    add_user(hospital_db, "icu@example.org", "manager", PASSWORD, "ICU")
    return hospital_db


def _rows(db, model) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_invite_save_and_read_back(leader_db):
    from surveys._common import hash_token
    from surveys.leaders import invite_leader, leader_page, leader_views_of, save_leader_answers
    from surveys.models import Comment, LeaderView, Response

    link = invite_leader(leader_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU")
    assert link.email == "icu@example.org"
    page = leader_page(leader_db, link.token)
    assert (page.unit, page.wave, page.wave_open, page.answered) == (
        "ICU",
        HOSPITAL_WAVE,
        True,
        False,
    )
    save_leader_answers(
        leader_db, link.token, {"bel_mem_1": 5, "il_fair_4": 1, "aut_val_1": None}, "en"
    )
    (view,) = leader_views_of(leader_db, HOSPITAL_SLUG, "ICU", "ICU@example.org")
    assert view.answers == {"bel_mem_1": 5, "il_fair_4": 1}
    # a second link replaces the first; the answers stay; still one row
    again = invite_leader(leader_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU", "icu@example.org")
    assert leader_page(leader_db, again.token).answers == {"bel_mem_1": 5, "il_fair_4": 1}
    with leader_db.session() as session:
        (stored,) = session.scalars(select(LeaderView)).all()
        assert stored.token_hash == hash_token(again.token) and stored.language == "en"
    # nothing reached the employees' tables
    assert _rows(leader_db, Response) == 0 and _rows(leader_db, Comment) == 0


def test_answers_outside_the_questionnaire_are_refused(leader_db):
    from surveys.errors import InputError, InvitationUnavailable
    from surveys.leaders import invite_leader, save_leader_answers

    link = invite_leader(leader_db, HOSPITAL_SLUG, HOSPITAL_WAVE, "ICU")
    with pytest.raises(InputError) as caught:
        save_leader_answers(
            leader_db, link.token, {"we_pls_1": 3, "bel_mem_1": 7, "bel_mem_2": True}
        )
    assert len(caught.value.problems) == 3
    assert "we_pls_1" in caught.value.problems[0]
    with pytest.raises(InvitationUnavailable):
        save_leader_answers(leader_db, "x" * 200, {})


def test_a_survey_without_the_leader_instruments_gets_no_link(leader_db, tmp_path):
    from surveys.definitions import create_survey
    from surveys.errors import InputError
    from surveys.leaders import invite_leader
    from surveys.waves import open_wave

    path = tmp_path / "other.yaml"
    path.write_text(
        "id: other\ntitle: {nl: Ander, en: Other}\norganisation: {nl: O, en: O}\n"
        "languages: [nl, en]\ninstruments: [work_experience]\n",
        encoding="utf-8",
    )
    create_survey(leader_db, path)
    open_wave(leader_db, "other", "1")
    with pytest.raises(InputError, match="none of the instruments a leader answers"):
        invite_leader(leader_db, "other", "1", "ICU")
