"""Database fixtures shared by the storage and web tests.

``db`` is a fresh, migrated :class:`surveys.db.Database` per test, parametrised over SQLite and
PostgreSQL (``db_backend`` is ``"sqlite"`` or ``"postgres"``). SQLite: a copy of a file migrated
once per session. PostgreSQL: a database made with ``CREATE DATABASE ... TEMPLATE`` from a
migrated template; after the test its connections are ended and every table emptied
(sequences restarted) so the next test gets it back as new, because dropping a database costs
a checkpoint (about a second). ``db_url`` gives the URL of such a fresh database without
opening it. PostgreSQL is ``SAMEN_TEST_POSTGRES_URL`` (default: postgres on 127.0.0.1:5432);
when it is not reachable the PostgreSQL variants are skipped, except under ``CI=true`` where
that is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

POSTGRES_URL = os.environ.get(
    "SAMEN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]

# Property tests check correctness, not speed: no per-example deadline, so a loaded CI machine
# (or two cores shared with browser tests) cannot turn a slow example into a failure.
settings.register_profile("samen", deadline=None)
settings.load_profile("samen")


def _pg_conninfo(database: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL)
    if database is not None:
        url = url.set(database=database)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_admin():
    import psycopg

    return psycopg.connect(_pg_conninfo(), autocommit=True, connect_timeout=3)


def _pg_url(database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """Name of a migrated template database, or skip (fail under CI) without PostgreSQL."""
    try:
        admin = _pg_admin()
    except Exception as exc:
        message = f"PostgreSQL not reachable at {POSTGRES_URL}: {str(exc).strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: the PostgreSQL tests must run)", pytrace=False)
        pytest.skip(message)
    from surveys.db import Database

    name = f"samen_tmpl_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database = Database(_pg_url(name))
    database.upgrade()
    database.dispose()
    yield name
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


#: Every psycopg connection SQLAlchemy opened in this test session (weakly held).
_OPENED: weakref.WeakSet[Any] = weakref.WeakSet()


def _track_connections() -> None:
    """Note each driver connection SQLAlchemy opens, so a test database can close them."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _opened(dbapi_connection: Any, _record: Any) -> None:
        if type(dbapi_connection).__module__.startswith("psycopg"):
            _OPENED.add(dbapi_connection)


class _PostgresPool:
    """Databases copied from the template, truncated and reused between tests."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.free: list[str] = []
        self.all: list[str] = []

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"samen_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with _pg_admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            # Tests need no durability; commits without waiting for fsync are much faster.
            admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        self.all.append(name)
        return name

    def give_back(self, name: str) -> None:
        """Empty database ``name`` for the next test.

        Connections left open by engines a test did not dispose (an app's own database, a
        CLI command's) are closed first: otherwise the garbage collector finds them open
        later and psycopg's ResourceWarning fails whichever test happens to be running.
        """
        import psycopg

        for connection in list(_OPENED):
            if not connection.closed and connection.info.dbname == name:
                connection.close()

        with _pg_admin() as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        with psycopg.connect(_pg_conninfo(name), autocommit=True) as connection:
            tables = [
                row[0]
                for row in connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            ]
            # DELETE is cheaper than TRUNCATE (new files) for the few rows a test writes.
            connection.execute("SET session_replication_role = replica")  # no FK checks
            for table in tables:
                connection.execute(f'DELETE FROM "{table}"')
            for (sequence,) in connection.execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
            ).fetchall():
                connection.execute(f'ALTER SEQUENCE "{sequence}" RESTART')
        self.free.append(name)

    def drop_all(self) -> None:
        with _pg_admin() as admin:
            for name in self.all:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_pool(postgres_template: str) -> Iterator[_PostgresPool]:
    _track_connections()
    pool = _PostgresPool(postgres_template)
    yield pool
    pool.drop_all()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file to copy for each test."""
    from surveys.db import Database

    path = tmp_path_factory.mktemp("sqlite-template") / "samen.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgres"``: the backend this test variant runs on."""
    return request.param


@pytest.fixture
def db_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated database of the parametrised backend."""
    if db_backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "samen.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    pool = request.getfixturevalue("postgres_pool")
    name = pool.take()
    yield _pg_url(name)
    pool.give_back(name)


@pytest.fixture
def db(db_url: str):
    """A fresh, migrated :class:`surveys.db.Database` (SQLite and PostgreSQL variants)."""
    from surveys.db import Database

    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def empty_db_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database (no tables) of the parametrised backend, for migration tests."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("postgres_template")  # skip or fail without PostgreSQL
    name = f"samen_e_{uuid.uuid4().hex[:16]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


HOSPITAL_UNITS = """unit_id,parent_id,name,manager_email
HOSP,,City Hospital,director@hospital.example
SURG,HOSP,Surgery,
W1,SURG,Ward 1,w1@hospital.example
W2,SURG,Ward 2,
ICU,HOSP,Intensive care,
"""
HOSPITAL_SLUG = "hospital-2026"
HOSPITAL_WAVE = "2026-1"


@pytest.fixture
def hospital_db(db, tmp_path: Path):
    """``db`` with five units (HOSP > SURG > W1, W2; HOSP > ICU), the example survey
    ``hospital-2026`` (surveys/examples/hospital.yaml) and its wave ``2026-1`` open."""
    from surveys.org import import_units
    from surveys.survey_store import create_survey
    from surveys.waves import open_wave

    csv_path = tmp_path / "units.csv"
    csv_path.write_text(HOSPITAL_UNITS, encoding="utf-8")
    import_units(db, csv_path)
    example = Path(__file__).resolve().parent.parent / "surveys" / "examples" / "hospital.yaml"
    create_survey(db, example)
    open_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    return db
