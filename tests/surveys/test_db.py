"""The database layer: URLs, SQLite settings, migrations matching the models."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from surveys.db import MIGRATIONS, Database, default_url, instance_path, normalise_url
from surveys.errors import SamenError
from surveys.models import Base

TABLES = {
    "units",
    "surveys",
    "waves",
    "invitations",
    "responses",
    "comments",
    "daily_counts",
    "open_clients",
}


def test_default_url_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("SAMEN_DATABASE_URL", raising=False)
    monkeypatch.setenv("SAMEN_INSTANCE_PATH", str(tmp_path / "inst"))
    assert instance_path() == (tmp_path / "inst").resolve()
    assert default_url() == f"sqlite:///{(tmp_path / 'inst').resolve() / 'samen.db'}"
    monkeypatch.setenv("SAMEN_DATABASE_URL", "postgresql://u@h/db")
    assert default_url() == "postgresql+psycopg://u@h/db"


def test_normalise_url_picks_psycopg3():
    assert normalise_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_unsupported_or_missing_folder_is_one_line(tmp_path):
    with pytest.raises(SamenError, match="samen init"):
        Database(f"sqlite:///{tmp_path / 'nope' / 'x.db'}")
    with pytest.raises(SamenError, match="unsupported database"):
        Database("mysql://u@h/db")


def test_sqlite_runs_wal_with_foreign_keys_and_secure_delete(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 's.db'}")
    with db.engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "secure_delete", "busy_timeout")
        }
    db.dispose()
    assert pragma["journal_mode"] == "wal"
    assert pragma["foreign_keys"] == 1
    assert pragma["secure_delete"] == 1
    assert pragma["busy_timeout"] >= 5000


def test_migrations_build_the_schema_of_the_models(empty_db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    import surveys.password_resets  # its model joins Base.metadata too
    import surveys.users  # noqa: F401  (its model joins Base.metadata)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    db = Database(empty_db_url)
    assert db.current_revision() is None
    db.upgrade()
    assert db.current_revision() == head
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    db.dispose()
    assert differences == []


def test_session_rolls_back_on_error(db):
    with pytest.raises(RuntimeError), db.session(write=True) as session:
        session.execute(text("INSERT INTO units (code, name) VALUES ('X', 'x')"))
        raise RuntimeError("boom")
    with db.session() as session:
        assert session.execute(text("SELECT count(*) FROM units")).scalar() == 0
