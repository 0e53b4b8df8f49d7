"""The configured database for CLI commands, with domain and connection errors as exit 2.

Every command that works on the database (``SAMEN_DATABASE_URL`` or the instance folder's
SQLite file) goes through :func:`database` or :func:`run`, so all of them report a missing
database, a domain error or a file checked line by line the same way: one line, or one line
per problem; never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from webapp.cli.instruments import CommandError

if TYPE_CHECKING:
    from surveys.db import Database

__all__ = ["MAX_PROBLEMS", "database", "error", "run"]

T = TypeVar("T")
MAX_PROBLEMS = 50


def error(exc: Exception) -> CommandError:
    """One line per problem (at most MAX_PROBLEMS), else the error's own line."""
    from surveys.errors import InputError

    if isinstance(exc, InputError) and len(exc.problems) > 1:
        lines = exc.problems[:MAX_PROBLEMS]
        if len(exc.problems) > MAX_PROBLEMS:
            lines.append(f"... and {len(exc.problems) - MAX_PROBLEMS} more problems")
        return CommandError("\n".join(lines))
    return CommandError(str(exc))


@contextmanager
def database() -> Iterator[Database]:
    """The configured database; domain and connection errors become CommandError."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from surveys.db import Database
    from surveys.errors import SamenError

    try:
        db = Database()
    except SamenError as exc:
        raise error(exc) from None
    try:
        yield db
    except SamenError as exc:
        raise error(exc) from None
    except (OperationalError, ProgrammingError) as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise CommandError(f"database error ({reason}); has `samen init` been run?") from None
    finally:
        db.dispose()


def run(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(db, *args, **kwargs)`` on the configured database."""
    with database() as db:
        return function(db, *args, **kwargs)
