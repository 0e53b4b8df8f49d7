"""Sign-in attempts and pauses in the database (surveys.signin_limits), on both databases."""

from __future__ import annotations

from sqlalchemy import func, select

from surveys.models import SigninFailure
from surveys.signin_limits import forget, forgive, pause, paused_until, record_attempt


def _rows(db) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(SigninFailure)) or 0)


def test_attempts_count_within_the_window_and_age_out(db):
    assert record_attempt(db, "k1", 100.0, 10.0)[0] == 1
    assert record_attempt(db, "k1", 101.0, 11.0)[0] == 2
    assert record_attempt(db, "k2", 101.0, 11.0)[0] == 1  # keys count apart
    count, _ = record_attempt(db, "k1", 200.0, 100.0)  # the attempt at 100 is out (<=)
    assert count == 2
    assert _rows(db) == 3  # and it was deleted on the way


def test_forgive_takes_one_attempt_back(db):
    _count, first = record_attempt(db, "k", 1.0, 0.0)
    record_attempt(db, "k", 2.0, 0.0)
    forgive(db, first)
    assert record_attempt(db, "k", 3.0, 0.0)[0] == 2


def test_pauses_run_until_their_end_and_forget_clears_all(db):
    assert paused_until(db, ["a", "b"], 0.0) is None
    pause(db, "a", 50.0)
    pause(db, "a", 40.0)  # an earlier end does not shorten it
    pause(db, "b", 30.0)
    assert paused_until(db, ["a", "b"], 10.0) == 50.0
    assert paused_until(db, ["b"], 30.0) is None  # over at its end
    record_attempt(db, "a", 11.0, 0.0)
    forget(db, "a")
    assert paused_until(db, ["a"], 10.0) is None
    assert record_attempt(db, "a", 12.0, 0.0)[0] == 1
