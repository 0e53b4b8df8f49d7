"""The works council's consent to a survey's privacy profile, and the lock it puts on it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from surveys.consent import (
    ConsentLocked,
    change_definition,
    changes,
    check_profile,
    consent_history,
    give_consent,
    latest_consent,
    parse_by,
    profile,
)
from surveys.errors import InputError
from surveys.survey_store import get_survey
from tests.conftest import HOSPITAL_SLUG as S


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


def _stored(db) -> str:
    from sqlalchemy import select

    from surveys.models import SurveyRow

    with db.session() as session:
        return session.scalar(select(SurveyRow.definition).where(SurveyRow.slug == S))


def _with_k(db, k: int):
    """The survey's definition and stored text with min_group_size ``k`` (a settings change)."""
    import json

    stored = json.loads(_stored(db))
    stored["settings"]["min_group_size"] = k
    text = json.dumps(stored, ensure_ascii=False, sort_keys=True)
    return dataclasses.replace(get_survey(db, S), min_group_size=k), text


def test_parse_by():
    assert parse_by("OR, 2026-12-01") == ("OR", dt.date(2026, 12, 1))
    assert parse_by(" Ondernemingsraad Zuid ,2027-01-31 ") == (
        "Ondernemingsraad Zuid",
        dt.date(2027, 1, 31),
    )
    for bad in ("OR", "OR 2026-12-01", "OR, 2026-13-01", ", 2026-12-01", ""):
        with pytest.raises(InputError):
            parse_by(bad)


def test_profile_names_its_units_and_matches_the_service(hospital_db):
    from webapp.results.release import filter_question

    definition = get_survey(hospital_db, S)
    found = profile(definition)
    assert found["k_responses"] == definition.k
    assert found["comment_threshold_writers"] == definition.comment_threshold
    assert found["sensitive_k_responses"] == max(definition.k, definition.comment_threshold)
    assert found["homogeneity_min_outside_respondents"] == 2
    assert found["filter_question"] == filter_question(definition)  # same rule as the service
    assert "unwanted_behaviour" in found["sensitive_instruments"]
    assert found["retention_days"] == definition.retention_days
    assert set(found["who_sees"]) == {"admin", "researcher", "manager", "council"}


def test_consent_is_recorded_and_locks_the_profile(hospital_db):
    assert latest_consent(hospital_db, S) is None and check_profile(hospital_db, S) == []
    given = give_consent(hospital_db, S, "OR, 2026-12-01", audit="no group smaller than 5")
    assert (given.by, given.on) == ("OR", dt.date(2026, 12, 1))
    stored = latest_consent(hospital_db, S)
    assert stored is not None and stored.profile == profile(get_survey(hospital_db, S))
    assert stored.audit == "no group smaller than 5"
    definition, text = _with_k(hospital_db, 7)
    with pytest.raises(ConsentLocked, match="k_responses: 5 -> 7"):
        change_definition(hospital_db, S, definition, text)
    assert get_survey(hospital_db, S).min_group_size == 5  # nothing changed
    assert changes(hospital_db, S) == []


def test_a_change_with_a_new_consent_is_recorded_without_who(hospital_db):
    give_consent(hospital_db, S, "OR, 2026-12-01")
    definition, text = _with_k(hospital_db, 7)
    changed = change_definition(
        hospital_db, S, definition, text, new_consent="OR, 2027-02-01", today=dt.date(2027, 2, 2)
    )
    assert "k_responses: 5 -> 7" in changed
    assert get_survey(hospital_db, S).min_group_size == 7
    ((day, what),) = changes(hospital_db, S)
    assert day == dt.date(2027, 2, 2) and "k_responses: 5 -> 7" in what
    assert "OR" not in what  # what changed and when, not by whom
    history = consent_history(hospital_db, S)
    assert [c.on for c in history] == [dt.date(2026, 12, 1), dt.date(2027, 2, 1)]
    assert history[-1].profile["k_responses"] == 7 and check_profile(hospital_db, S) == []


def test_without_consent_changes_are_free_and_not_recorded(hospital_db):
    definition, text = _with_k(hospital_db, 6)
    assert change_definition(hospital_db, S, definition, text) == []
    assert get_survey(hospital_db, S).min_group_size == 6 and changes(hospital_db, S) == []


def test_a_change_behind_the_lock_shows_as_pending(hospital_db):
    """A stored definition changed around change_definition (e.g. by hand in the database)
    shows as pending on the privacy page, it does not silently pass as consented."""
    from sqlalchemy import update

    from surveys.models import SurveyRow

    give_consent(hospital_db, S, "OR, 2026-12-01")
    _, text = _with_k(hospital_db, 8)
    with hospital_db.session(write=True) as session:
        session.execute(update(SurveyRow).where(SurveyRow.slug == S).values(definition=text))
    assert check_profile(hospital_db, S) == ["k_responses: 5 -> 8"]


def test_cli_consent_and_council_account(hospital_db, monkeypatch):
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST
    from click.testing import CliRunner

    from surveys import users as users_module
    from surveys.users import get_user
    from webapp.cli import cli

    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))
    monkeypatch.setenv("SAMEN_DATABASE_URL", hospital_db.url)
    runner = CliRunner()
    bad = runner.invoke(cli, ["survey", "consent", S, "--by", "OR"])
    assert bad.exit_code == 2 and "BODY, YYYY-MM-DD" in bad.output
    assert latest_consent(hospital_db, S) is None
    done = runner.invoke(cli, ["survey", "consent", S, "--by", "OR, 2026-12-01"])
    assert done.exit_code == 0, done.output
    assert "Consent recorded" in done.output and "locked" in done.output
    consent = latest_consent(hospital_db, S)
    assert consent is not None and consent.on == dt.date(2026, 12, 1)
    assert "no group smaller than" in consent.audit  # the audit ran and its summary is kept
    added = runner.invoke(
        cli,
        ["user", "add", "or@example.org", "--role", "council"],
        input="a long enough password\na long enough password\n",
    )
    assert added.exit_code == 0, added.output
    assert get_user(hospital_db, "or@example.org").role == "council"


def test_samen_survey_update_honours_the_lock(hospital_db, tmp_path):
    """main's ``samen survey update`` (surveys/editing.py) goes through the same lock, also
    before any wave (when its own lock on privacy settings does not apply yet)."""
    import re

    from surveys.editing import survey_yaml, update_survey
    from surveys.survey_store import create_survey

    text = survey_yaml(hospital_db, S)
    assert re.search(r"^min_group_size: 5$", text, re.M)
    text = re.sub(r"^id: .*$", "id: consent-test", text, flags=re.M)
    first = tmp_path / "first.yaml"
    first.write_text(text)
    slug = create_survey(hospital_db, first)  # no wave yet
    path = tmp_path / "changed.yaml"
    path.write_text(re.sub(r"^min_group_size: 5$", "min_group_size: 6", text, flags=re.M))
    give_consent(hospital_db, slug, "OR, 2026-12-01")
    with pytest.raises(ConsentLocked, match="k_responses: 5 -> 6"):
        update_survey(hospital_db, path)
    assert get_survey(hospital_db, slug).min_group_size == 5 and changes(hospital_db, slug) == []
    update_survey(hospital_db, path, new_consent="OR, 2027-01-15")
    assert get_survey(hospital_db, slug).min_group_size == 6
    ((_, what),) = changes(hospital_db, slug)
    assert "k_responses: 5 -> 6" in what
    assert latest_consent(hospital_db, slug).on == dt.date(2027, 1, 15)


def test_the_profile_states_the_homogeneity_rule_the_engine_applies():
    from engine.disclosure.homogeneity import MIN_OUTSIDE
    from surveys import consent

    assert consent.MIN_OUTSIDE == MIN_OUTSIDE
