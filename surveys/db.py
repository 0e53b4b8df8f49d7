"""The database: one code path for SQLite (the embedded default) and PostgreSQL.

``SAMEN_DATABASE_URL`` selects the store; without it Samen uses a SQLite file in the instance
folder (``SAMEN_INSTANCE_PATH``, default ``./instance``). SQLite connections run in WAL mode
with foreign keys, ``secure_delete`` (freed pages are zeroed, so purged answers are gone from
the file) and a busy timeout; write transactions start with ``BEGIN IMMEDIATE`` so concurrent
writers queue instead of failing. Migrations (Alembic) ship inside the package.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from surveys.errors import SamenError

__all__ = ["Database", "default_url", "instance_path", "normalise_url"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
CHECKPOINT_WAIT_MS = 500
#: PostgreSQL: seconds a pooled connection may have been idle and still be used unchecked;
#: one idle longer is pinged first (and replaced when the ping fails).
PING_AFTER_IDLE_S = 10.0


# SQL logging would put answers, unit codes and token hashes (statement parameters and result
# rows at DEBUG) next to a timestamp in a log file. Samen's engines log under their own name,
# held at WARNING whatever the application's logging configuration, and hide parameters in
# error messages too.
ENGINE_LOGGER = "sqlalchemy.engine.Engine.samen"
ENGINE_OPTIONS: dict[str, Any] = {"hide_parameters": True, "logging_name": "samen"}
logging.getLogger(ENGINE_LOGGER).setLevel(logging.WARNING)


VACUUM_WAIT = 30.0
# Sessions running a transaction, or holding a snapshot, from before transaction :xid
# committed. Any database counts: VACUUM's own snapshot starts at the oldest transaction
# running anywhere in the cluster, and it keeps every row version that snapshot might see.
OLDER_SNAPSHOTS = text(
    "WITH mine AS (SELECT age((CAST(:xid AS bigint) % 4294967296)::text::xid) AS a) "
    "SELECT count(*) FROM pg_stat_activity, mine WHERE pid <> pg_backend_pid() "
    "AND (age(backend_xmin) >= mine.a OR age(backend_xid) >= mine.a)"
)


def instance_path() -> Path:
    """The instance folder: ``SAMEN_INSTANCE_PATH`` or ``./instance``."""
    return Path(os.environ.get("SAMEN_INSTANCE_PATH") or "instance").resolve()


def default_url() -> str:
    """``SAMEN_DATABASE_URL``, else a SQLite file ``samen.db`` in the instance folder."""
    url = os.environ.get("SAMEN_DATABASE_URL")
    if url:
        return normalise_url(url)
    return f"sqlite:///{instance_path() / 'samen.db'}"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` and ``postgres://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event (below) issue BEGIN itself instead of pysqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        f"busy_timeout = {BUSY_TIMEOUT_MS}",
        "journal_mode = WAL",
        "synchronous = NORMAL",
        "foreign_keys = ON",
        "secure_delete = ON",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def _mark_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled PostgreSQL connection before use only when it sat idle for more than
    :data:`PING_AFTER_IDLE_S` (SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round
    trip per request). A connection that fails its ping is replaced, and every connection
    pooled before it with it, as ``pool_pre_ping`` does; one that broke while in use is
    found by the statement that fails, which SQLAlchemy turns into the same invalidation."""
    dialect = engine.dialect

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since <= PING_AFTER_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise exc.InvalidatePoolError(
                f"ping after idle failed: {type(error).__name__}"
            ) from error

    event.listen(engine, "checkin", _mark_idle)
    event.listen(engine, "checkout", checkout)


@lru_cache(maxsize=64)
def _pyformat(sql: str) -> str:
    """``:name`` parameters as ``%(name)s`` (psycopg's style)."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql.replace("%", "%%"))


class Database:
    """A configured engine plus the session and maintenance helpers the services use.

    Only ``surveys`` services open sessions; routes and commands call the services.
    No SQL, parameter or result row is ever logged (see ``ENGINE_LOGGER``).
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = normalise_url(url or default_url())
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise SamenError(f"unsupported database {self.dialect!r}: use SQLite or PostgreSQL")
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                folder = Path(database).resolve().parent
                if not folder.is_dir():
                    raise SamenError(f"database folder {folder} does not exist; run `samen init`")
            self.engine: Engine = create_engine(self.url, **ENGINE_OPTIONS)
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = create_engine(self.url, **ENGINE_OPTIONS)
            _ping_when_idle(self.engine)
        self._writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")

    def __repr__(self) -> str:
        return f"Database({make_url(self.url).render_as_string(hide_password=True)!r})"

    #: Truncate SQLite's log after each start and each stored response (tests of the log set
    #: this False on their instance to read the log as it would be without it).
    truncate_after_use: bool = True

    def truncate_log(self) -> None:
        """SQLite: checkpoint the WAL and truncate it to zero bytes; PostgreSQL: nothing.

        Called right after the commit that starts an invitation and the one that stores a
        response, so a copy of the database files holds at most the last such commit (and no
        older log frames: a WAL that is only reset keeps them past its new end). While a
        reader holds an old snapshot for longer than ``CHECKPOINT_WAIT_MS`` the checkpoint
        gives up; the log then keeps the last few commits until the next truncation.
        """
        if not self.is_sqlite or not self.truncate_after_use:
            return
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            # Wait for readers briefly, not the full busy timeout: a respondent is waiting.
            cursor.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
            try:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cursor.fetchall()
            finally:
                cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                cursor.close()
        finally:
            raw.close()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def read_first(self, sql: str, parameters: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row of one small read, or None: for checks that run on every request.

        ``sql`` is one SELECT with ``:name`` parameters. It runs on a pooled driver connection
        outside any transaction (autocommit: SQLite's connections are; PostgreSQL's are
        switched for the statement, as SQLAlchemy's own ping does), without an ORM session
        or a Core connection around it: about a tenth of their CPU time. Errors come as
        SQLAlchemy's (:class:`sqlalchemy.exc.OperationalError` and kin), like every other
        read's; a connection that broke is dropped from the pool.
        """
        dialect = self.engine.dialect
        dbapi_error = dialect.loaded_dbapi.Error
        statement = sql if self.is_sqlite else _pyformat(sql)
        try:
            raw = self.engine.raw_connection()
        except dbapi_error as error:
            raise exc.DBAPIError.instance(sql, parameters, error, dbapi_error) from error
        cursor = None
        try:
            driver = raw.driver_connection
            autocommit = self.is_sqlite or driver.autocommit  # type: ignore[union-attr]
            if not autocommit:
                driver.autocommit = True  # type: ignore[union-attr]
            try:
                cursor = raw.cursor()
                cursor.execute(statement, dict(parameters))
                row = cursor.fetchone()
            finally:
                if not autocommit and not driver.closed:  # type: ignore[union-attr]
                    driver.autocommit = False  # type: ignore[union-attr]
        except dbapi_error as error:
            if dialect.is_disconnect(error, raw.driver_connection, cursor):
                raw.invalidate(error)
            raise exc.DBAPIError.instance(sql, parameters, error, dbapi_error) from error
        finally:
            if cursor is not None:
                with suppress(dbapi_error):
                    cursor.close()
            raw.close()
        return None if row is None else tuple(row)

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises.

        ``write=True`` takes SQLite's write lock at the start of the transaction, so a
        transaction that reads before it writes waits for other writers instead of failing.
        """
        session = Session(self._writer if write else self.engine, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with the migrations shipped in the package."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def current_revision(self) -> str | None:
        """The schema's Alembic revision, or None for an empty database."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def transaction_id(self, session: Session) -> int | None:
        """PostgreSQL: the id of ``session``'s transaction, for :meth:`vacuum`; SQLite: None."""
        if self.is_sqlite:
            return None
        return int(session.scalar(text("SELECT txid_current()")))

    def vacuum(
        self, tables: Sequence[str], after: int | None = None, wait: float | None = None
    ) -> None:
        """Rewrite storage so deleted rows and old row versions are gone from the files.

        SQLite: ``VACUUM`` (pages were zeroed by ``secure_delete``) and a WAL checkpoint that
        truncates the log. PostgreSQL: ``VACUUM FULL`` of ``tables``, which writes new files
        without dead row versions. It must keep row versions that a transaction older than
        the deleting one (``after``, from :meth:`transaction_id`) might still read, so it
        first waits, at most ``wait`` seconds, until no such transaction is left.
        """
        if self.is_sqlite:
            raw = self.engine.raw_connection()
            try:
                # isolation_level is None on our connections: no implicit BEGIN around VACUUM.
                cursor = raw.cursor()
                cursor.execute("VACUUM")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cursor.close()
            finally:
                raw.close()
            return
        with self.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            deadline = time.monotonic() + (VACUUM_WAIT if wait is None else wait)
            while after is not None and time.monotonic() < deadline:
                older = connection.execute(OLDER_SNAPSHOTS, {"xid": after}).scalar()
                if not older:
                    break
                time.sleep(0.05)
            for table in tables:
                connection.execute(text(f'VACUUM FULL "{table}"'))

    def dispose(self) -> None:
        """Close all pooled connections."""
        self.engine.dispose()
