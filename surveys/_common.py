"""Helpers shared by the services: finding rows by their public names, random keys, today."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.errors import NotFound
from surveys.models import SurveyRow, Unit, Wave

__all__ = [
    "hash_token",
    "new_key",
    "survey_row",
    "today",
    "unit_row",
    "upsert",
    "wave_row",
]


def new_key() -> str:
    """A random primary key (128 bits from ``secrets``): it says nothing about order or time."""
    return secrets.token_urlsafe(16)


def hash_token(token: str) -> str:
    """SHA-256 (hex) of an invitation token: what the database stores instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def today() -> dt.date:
    """Today's date in UTC (wave dates and daily counters)."""
    return dt.datetime.now(dt.UTC).date()


def upsert(dialect: str, entity: Any) -> Any:
    """``INSERT`` with ``on_conflict_do_update`` for SQLite or PostgreSQL."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(entity)
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert

    return postgresql_insert(entity)


def survey_row(session: Session, slug: str) -> SurveyRow:
    row = session.scalar(select(SurveyRow).where(SurveyRow.slug == slug))
    if row is None:
        raise NotFound(f"no survey {slug!r}")
    return row


def wave_row(session: Session, survey: SurveyRow, label: str) -> Wave:
    row = session.scalar(select(Wave).where(Wave.survey_id == survey.id, Wave.label == label))
    if row is None:
        raise NotFound(f"survey {survey.slug!r} has no wave {label!r}")
    return row


def unit_row(session: Session, code: str) -> Unit:
    row = session.scalar(select(Unit).where(Unit.code == code))
    if row is None:
        raise NotFound(f"no unit {code!r}; import the organisation with `samen org import`")
    return row
