"""Stored runs of the disclosure audit: the council sees the latest (issue 13).

A run is staff data: the survey, when (UTC, to the second), who ran it (a staff account's
e-mail address, or ``command line``) and the audit's summary line. Nothing about
respondents: the summary names views and counts of views, never answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from surveys._common import survey_row
from surveys.db import Database
from surveys.models import AuditRun

__all__ = ["AuditRunInfo", "latest_run", "record_run"]


@dataclass(frozen=True)
class AuditRunInfo:
    """One stored run: ``at`` (UTC), ``by``, ``ok`` and the summary line."""

    at: dt.datetime
    by: str
    ok: bool
    summary: str


def record_run(db: Database, slug: str, *, by: str, ok: bool, summary: str) -> AuditRunInfo:
    """Store a run of the audit of survey ``slug``; NotFound for an unknown survey."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    by = (by.strip() or "unknown")[:200]
    with db.session(write=True) as session:
        row = survey_row(session, slug)
        session.add(AuditRun(survey_id=row.id, ran_at=now, ran_by=by, ok=ok, summary=summary))
    return AuditRunInfo(now, by, ok, summary)


def latest_run(db: Database, slug: str) -> AuditRunInfo | None:
    """The survey's most recent stored run, or None; NotFound for an unknown survey."""
    with db.session() as session:
        row = survey_row(session, slug)
        run = session.scalar(
            select(AuditRun)
            .where(AuditRun.survey_id == row.id)
            .order_by(AuditRun.ran_at.desc(), AuditRun.id.desc())
            .limit(1)
        )
        if run is None:
            return None
        return AuditRunInfo(run.ran_at, run.ran_by, bool(run.ok), run.summary)
