"""Sign-in attempts and pauses in the database, where every worker process sees them.

The store behind :class:`webapp.auth.throttle.LoginThrottle` by default. Keys are keyed
hashes (HMAC) of e-mail or client addresses made by the caller; this module never sees an
address. Times are seconds on the wall clock, given by the caller.

Counting is exact across processes: attempts of one key are written and counted one at a
time (SQLite's write lock; on PostgreSQL a transaction-scoped advisory lock on the key), so
the n-th attempt of a burst counts exactly n — the first ``limit`` attempts are checked and
no more (:func:`record_attempt`). Writing first and counting after the commit, without the
lock, kept the upper bound but could let a burst of 60 all count past the limit, so that
none was checked at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from surveys.db import Database
from surveys.models import SigninFailure, SigninPause

__all__ = ["forget", "forgive", "pause", "paused_until", "record_attempt"]


def record_attempt(db: Database, key: str, now: float, horizon: float) -> tuple[int, int]:
    """Write an attempt for ``key`` at ``now``; return how many attempts newer than
    ``horizon`` the key has (this one included) and the attempt's id (for :func:`forgive`).

    Attempts of every key older than ``horizon`` are deleted on the way.
    """
    with db.session(write=True) as session:
        if not db.is_sqlite:  # SQLite's write lock already serialises the transaction
            session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 7301))"), {"key": key}
            )
        row = SigninFailure(key=key, at=now)
        session.add(row)
        session.flush()
        attempt_id = row.id
        count = session.scalar(
            select(func.count())
            .select_from(SigninFailure)
            .where(SigninFailure.key == key, SigninFailure.at > horizon)
        )
    _tidy(db, now, horizon)
    return int(count or 0), attempt_id


def _tidy(db: Database, now: float, horizon: float) -> None:
    """Delete attempts older than ``horizon`` and pauses over at ``now`` (every key).

    In a transaction of its own and allowed to fail: two workers tidying the same rows at
    once may deadlock on PostgreSQL, and then the next attempt tidies instead.
    """
    try:
        with db.session(write=True) as session:
            session.execute(delete(SigninFailure).where(SigninFailure.at <= horizon))
            session.execute(delete(SigninPause).where(SigninPause.until <= now))
    except DBAPIError:
        pass


def forgive(db: Database, attempt_id: int) -> None:
    """Delete one attempt (it succeeded, or it was refused and never checked a password)."""
    with db.session(write=True) as session:
        session.execute(delete(SigninFailure).where(SigninFailure.id == attempt_id))


def pause(db: Database, key: str, until: float) -> None:
    """Pause ``key`` until ``until`` (a later pause already there is kept)."""
    for _try in range(2):  # two workers may cross the limit at once: the second updates
        try:
            with db.session(write=True) as session:
                row = session.get(SigninPause, key)
                if row is None:
                    session.add(SigninPause(key=key, until=until))
                elif row.until < until:
                    row.until = until
            return
        except IntegrityError:
            continue


def paused_until(db: Database, keys: Iterable[str], now: float) -> float | None:
    """The latest pause of ``keys`` still running at ``now``, or None."""
    keys = list(keys)
    with db.session() as session:
        value = session.scalar(
            select(func.max(SigninPause.until)).where(
                SigninPause.key.in_(keys), SigninPause.until > now
            )
        )
    return float(value) if value is not None else None


def forget(db: Database, key: str) -> None:
    """Delete every attempt and any pause of ``key`` (a successful sign-in)."""
    with db.session(write=True) as session:
        session.execute(delete(SigninFailure).where(SigninFailure.key == key))
        session.execute(delete(SigninPause).where(SigninPause.key == key))
