"""The export settings each closed wave is pinned to: its first export decides.

Two exports of the same wave anonymised differently can be joined row by row on their item
answers (identical in both), and the joined file has more quasi-identifiers than either was
made k-anonymous for. :func:`pin_export` records the settings of a wave's first export and
returns them to every later one, which must match (the caller refuses otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from surveys._common import survey_row, wave_row
from surveys.db import Database
from surveys.models import ExportPin

__all__ = ["pin_export", "pinned_export"]


def pinned_export(db: Database, slug: str, wave: str) -> dict[str, Any] | None:
    """The settings wave ``wave`` of survey ``slug`` is pinned to, or None (never exported)."""
    with db.session() as session:
        row = wave_row(session, survey_row(session, slug), wave)
        found = session.scalar(select(ExportPin.settings).where(ExportPin.wave_id == row.id))
    return None if found is None else dict(json.loads(found))


def pin_export(db: Database, slug: str, wave: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Pin the wave to ``settings`` unless it is pinned already; return the pinned settings.

    Raises
    ------
    surveys.errors.NotFound
        Unknown survey or wave.
    """
    text = json.dumps(dict(settings), sort_keys=True)
    try:
        with db.session(write=True) as session:
            row = wave_row(session, survey_row(session, slug), wave)
            found = session.scalar(select(ExportPin.settings).where(ExportPin.wave_id == row.id))
            if found is not None:
                return dict(json.loads(found))
            session.add(ExportPin(wave_id=row.id, settings=text))
    except IntegrityError:  # pinned by a concurrent export between the read and the insert
        pinned = pinned_export(db, slug, wave)
        if pinned is None:
            raise
        return pinned
    return dict(json.loads(text))
