"""Deleting a survey's responses for good: ``samen purge SURVEY [--before DATE]``.

Purging deletes the responses, comments, daily counters, unused invitations and leaders' own
views (:mod:`surveys.leaders`) of closed waves, marks the waves purged and vacuums: on
SQLite ``secure_delete`` has zeroed the freed pages and ``VACUUM`` rewrites the file; on
PostgreSQL ``VACUUM FULL`` writes new table files.
The open wave is never purged (close it first).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from surveys._common import survey_row, today
from surveys.db import Database
from surveys.definitions import get_survey
from surveys.models import (
    Comment,
    DailyCount,
    Invitation,
    LeaderView,
    OpenClient,
    Response,
    SpentRight,
    Wave,
)
from surveys.waves import REWRITTEN

__all__ = ["PurgeReport", "expired_before", "purge", "purge_expired"]


@dataclass(frozen=True)
class PurgeReport:
    """What a purge deleted, per kind of row, and from which waves."""

    waves: tuple[str, ...]
    responses: int
    comments: int
    counters: int
    invitations: int
    open_wave_kept: str | None = None


def purge(db: Database, slug: str, before: dt.date | None = None) -> PurgeReport:
    """Delete the data of survey ``slug``'s closed waves (closed before ``before``, if given)."""
    with db.session(write=True) as session:
        survey = survey_row(session, slug)
        waves = session.scalars(
            select(Wave).where(Wave.survey_id == survey.id).order_by(Wave.opened_on, Wave.id)
        ).all()
        chosen = [
            w
            for w in waves
            if w.state == "closed"
            and (before is None or (w.closed_on is not None and w.closed_on < before))
        ]
        open_label = next((w.label for w in waves if w.state == "open"), None)
        ids = [w.id for w in chosen]
        counts = {}
        for name, model in (
            ("responses", Response),
            ("comments", Comment),
            ("counters", DailyCount),
            ("invitations", Invitation),
        ):
            column = model.__table__.c.wave_id
            counts[name] = int(
                session.scalar(select(func.count()).select_from(model).where(column.in_(ids))) or 0
            )
            session.execute(delete(model).where(column.in_(ids)))
        session.execute(delete(OpenClient).where(OpenClient.wave_id.in_(ids)))
        session.execute(delete(SpentRight).where(SpentRight.wave_id.in_(ids)))
        # leaders' own views of their teams (surveys.leaders): personal data, same retention
        session.execute(delete(LeaderView).where(LeaderView.wave_id.in_(ids)))
        for wave in chosen:
            wave.purged_on = today()
        labels = tuple(w.label for w in chosen)
        xid = db.transaction_id(session)
    db.vacuum(REWRITTEN, after=xid)
    return PurgeReport(labels, open_wave_kept=open_label, **counts)


def expired_before(db: Database, slug: str, on: dt.date | None = None) -> dt.date:
    """The date before which closed waves have outlived the survey's ``retention_days``."""
    definition = get_survey(db, slug)
    return (on or today()) - dt.timedelta(days=definition.retention_days)


def purge_expired(db: Database, slug: str, on: dt.date | None = None) -> PurgeReport:
    """Purge the waves that closed longer than ``retention_days`` ago."""
    return purge(db, slug, expired_before(db, slug, on))
