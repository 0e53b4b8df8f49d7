"""Waves (survey rounds): open, close, list.

Closing a wave is where the last on-disk link between a response and its moment of
submission is cut (DESIGN.md, "What no link means on disk"): in one transaction every response
and comment of the wave is read, deleted and written again in random order under a new random
key, the open link's client hashes and their key are erased, and then the tables are vacuumed.
The same transaction stores the organisation tree the wave closed with
(:func:`surveys.org.snapshot_tree`): the wave's results are computed on that tree from then
on, whatever a later ``samen org import`` changes.
Afterwards, on PostgreSQL, all the wave's rows carry the rewrite's transaction id (``xmin``)
and no dead row version remains; on SQLite freed pages are zeroed and the file rewritten.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from surveys._common import new_key, survey_row, today, wave_row
from surveys.db import Database
from surveys.errors import InputError, SamenError
from surveys.models import Comment, OpenClient, Response, SurveyRow, Wave
from surveys.org import snapshot_tree

__all__ = ["WaveInfo", "close_wave", "current_wave", "list_waves", "open_wave"]

LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: Tables a close (and a purge) rewrites; vacuumed afterwards.
REWRITTEN = ("responses", "comments", "invitations", "open_clients", "daily_counts")


@dataclass(frozen=True)
class WaveInfo:
    """A wave as users name it: survey slug and label, with its state and dates."""

    survey: str
    label: str
    state: str
    opened_on: dt.date
    closed_on: dt.date | None = None
    purged_on: dt.date | None = None

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def _info(survey: SurveyRow, wave: Wave) -> WaveInfo:
    return WaveInfo(
        survey.slug, wave.label, wave.state, wave.opened_on, wave.closed_on, wave.purged_on
    )


def _open_wave_row(session: Session, survey: SurveyRow) -> Wave | None:
    return session.scalar(select(Wave).where(Wave.survey_id == survey.id, Wave.state == "open"))


def open_wave(db: Database, slug: str, label: str) -> WaveInfo:
    """Open a new wave ``label`` of survey ``slug``; only one wave is open at a time."""
    if not LABEL.fullmatch(label or ""):
        raise InputError(f"wave label {label!r}: use letters, digits, '.', '-', '_' (e.g. 2026-1)")
    with db.session(write=True) as session:
        survey = survey_row(session, slug)
        other = _open_wave_row(session, survey)
        if other is not None:
            raise SamenError(f"wave {other.label!r} of {slug!r} is still open; close it first")
        exists = session.scalar(
            select(Wave.id).where(Wave.survey_id == survey.id, Wave.label == label)
        )
        if exists is not None:
            raise SamenError(f"survey {slug!r} already has a wave {label!r}")
        wave = Wave(survey_id=survey.id, label=label, state="open", opened_on=today())
        if survey.open_token is not None:
            wave.open_secret = secrets.token_bytes(32)
        session.add(wave)
        session.flush()
        return _info(survey, wave)


def close_wave(db: Database, slug: str, label: str) -> WaveInfo:
    """Close wave ``label``: no more responses; rewrite its rows in random order; vacuum.

    The wave keeps the organisation tree it closed with (written in the same transaction).
    """
    with db.session(write=True) as session:
        survey = survey_row(session, slug)
        wave = wave_row(session, survey, label)
        # Lock the wave against submissions that would slip in after the rewrite read it.
        session.refresh(wave, with_for_update=True)
        if wave.state != "open":
            raise SamenError(f"wave {label!r} of {slug!r} is closed already")
        rewrite_rows(session, wave.id)
        session.execute(delete(OpenClient).where(OpenClient.wave_id == wave.id))
        wave.open_secret = None
        snapshot_tree(session, wave.id)
        wave.state = "closed"
        wave.closed_on = today()
        info = _info(survey, wave)
        xid = db.transaction_id(session)
    db.vacuum(REWRITTEN, after=xid)
    return info


def rewrite_rows(session: Session, wave_id: int) -> None:
    """Delete and re-insert a wave's responses and comments in random order with new keys."""
    shuffle = secrets.SystemRandom().shuffle
    for model, columns in (
        (Response, ("unit_id", "language", "answers", "demographics")),
        (Comment, ("unit_id", "language", "text", "question")),
    ):
        table = cast(Table, model.__table__)
        selected = [table.c[name] for name in columns]
        rows = [
            tuple(r) for r in session.execute(select(*selected).where(table.c.wave_id == wave_id))
        ]
        if not rows:
            continue
        shuffle(rows)
        session.execute(delete(table).where(table.c.wave_id == wave_id))
        batch = 5000
        for start in range(0, len(rows), batch):
            values = [
                {"id": new_key(), "wave_id": wave_id, **dict(zip(columns, row, strict=True))}
                for row in rows[start : start + batch]
            ]
            session.execute(insert(table), values)


def current_wave(db: Database, slug: str) -> WaveInfo | None:
    """The open wave of survey ``slug``, or None."""
    with db.session() as session:
        survey = survey_row(session, slug)
        wave = _open_wave_row(session, survey)
        return _info(survey, wave) if wave is not None else None


def list_waves(db: Database, slug: str) -> list[WaveInfo]:
    """All waves of survey ``slug``, oldest first."""
    with db.session() as session:
        survey = survey_row(session, slug)
        waves = session.scalars(
            select(Wave).where(Wave.survey_id == survey.id).order_by(Wave.opened_on, Wave.id)
        ).all()
        return [_info(survey, wave) for wave in waves]
