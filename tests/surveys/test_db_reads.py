"""The cheap paths of the database layer (issue 15, load): the survey revision drawn by the
database, the small autocommit read behind every respondent page, and PostgreSQL's ping of a
connection only after it sat idle (instead of a round trip on every checkout)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError

HOSPITAL = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"


def _revision(db: Any, slug: str) -> int:
    from surveys.models import SurveyRow

    with db.session() as session:
        return int(session.scalar(select(SurveyRow.revision).where(SurveyRow.slug == slug)))


def test_the_database_draws_a_new_revision_whenever_the_definition_is_written(db: Any) -> None:
    from surveys.models import SurveyRow
    from surveys.survey_store import create_survey

    slug = create_survey(db, HOSPITAL)
    first = _revision(db, slug)
    assert first != 0  # drawn at insert, not the column's default
    with db.session(write=True) as session:
        session.execute(update(SurveyRow).where(SurveyRow.slug == slug).values(open_token="t"))
    assert _revision(db, slug) == first  # another column: the definition is the same
    with db.session(write=True) as session:
        stored = session.scalar(select(SurveyRow.definition).where(SurveyRow.slug == slug))
        session.execute(update(SurveyRow).where(SurveyRow.slug == slug).values(definition=stored))
    assert _revision(db, slug) == first  # written with the same text: nothing changed
    with db.session(write=True) as session:
        session.execute(
            update(SurveyRow)
            .where(SurveyRow.slug == slug)
            .values(definition=stored.replace("City Hospital", "Town Hospital"))
        )
    second = _revision(db, slug)
    assert second not in (0, first)


def test_read_first_returns_a_row_or_none_and_errors_as_sqlalchemy_errors(db: Any) -> None:
    from surveys.survey_store import create_survey

    slug = create_survey(db, HOSPITAL)
    row = db.read_first("SELECT slug, revision FROM surveys WHERE slug = :slug", {"slug": slug})
    assert row == (slug, _revision(db, slug))
    assert db.read_first("SELECT id FROM surveys WHERE slug = :slug", {"slug": "none"}) is None
    assert db.read_first("SELECT '%' || :a", {"a": "x"}) == ("%x",)  # a literal % is kept
    with pytest.raises(SQLAlchemyError):
        db.read_first("SELECT no_such_column FROM surveys", {})
    # The connection went back to the pool as it came: a write transaction still commits.
    with db.session(write=True) as session:
        session.execute(text("INSERT INTO units (code, name) VALUES ('X', 'x')"))
    with db.session() as session:
        assert session.scalar(text("SELECT count(*) FROM units WHERE code = 'X'")) == 1
    if not db.is_sqlite:  # read outside any transaction: no transaction left open
        with db.engine.connect() as connection:
            open_ = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%'"
                )
            ).scalar()
        assert open_ == 0


def _terminate_pooled(db: Any) -> None:
    """End the server side of every pooled connection, as a PostgreSQL restart would."""
    from tests.conftest import _pg_admin

    name = db.engine.url.database
    with _pg_admin() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (name,),
        )


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
def test_postgres_pings_a_connection_that_sat_idle(db: Any, monkeypatch) -> None:
    """A pooled connection idle past PING_AFTER_IDLE_S is pinged first: after the server
    ended it, the next read gets a fresh connection instead of an error."""
    from surveys import db as dbmodule

    assert db.read_first("SELECT 1", {}) == (1,)
    _terminate_pooled(db)
    monkeypatch.setattr(dbmodule, "PING_AFTER_IDLE_S", -1.0)  # every connection is "idle"
    assert db.read_first("SELECT 1", {}) == (1,)
    with db.session() as session:
        assert session.scalar(text("SELECT 2")) == 2


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
def test_postgres_a_connection_that_broke_while_fresh_fails_once(db: Any) -> None:
    """Used again within the idle window, a connection the server ended fails that one
    statement (as SQLAlchemy error: the respondent pages show their friendly 503), and the
    pool is renewed: the next read works."""
    assert db.read_first("SELECT 1", {}) == (1,)
    _terminate_pooled(db)
    with pytest.raises(OperationalError):
        db.read_first("SELECT 1", {})
    assert db.read_first("SELECT 1", {}) == (1,)
