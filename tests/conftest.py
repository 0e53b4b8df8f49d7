"""Database fixtures shared by the storage and web tests.

``db`` is a fresh, migrated :class:`surveys.db.Database` per test, parametrised over SQLite and
PostgreSQL (``db_backend`` is ``"sqlite"`` or ``"postgres"``). Both are copies of a template
migrated once per session: a file copy for SQLite, ``CREATE DATABASE ... TEMPLATE`` for
PostgreSQL (dropped after the test). ``db_url`` gives the URL of such a fresh database without
opening it. PostgreSQL is ``SAMEN_TEST_POSTGRES_URL`` (default: postgres on 127.0.0.1:5432);
when it is not reachable the PostgreSQL variants are skipped, except under ``CI=true`` where
that is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get(
    "SAMEN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


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
    template = request.getfixturevalue("postgres_template")
    name = f"samen_t_{uuid.uuid4().hex[:16]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _pg_url(name)
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
