"""The export settings each closed wave is pinned to: its first export decides.

Two exports of the same wave anonymised differently can be joined row by row on their item
answers (identical in both), and the joined file has more quasi-identifiers than either was
made k-anonymous for. :func:`pin_export` records the settings of a wave's first export and
returns them to every later one, which must match (the caller refuses otherwise).

A pin is reset (:func:`reset_pin`) only while no file was written with it
(:func:`count_file`): an export refused or failed after it pinned. Once a file exists it
cannot be recalled, and the join needs nothing but that file and a second one, so a reset
then is refused: no admin statement that "every copy was deleted" can be checked, and the
guarantee would rest on it. The answers of that wave are exported with its settings or not
at all; other settings need a new wave (new answers, which join with nothing).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from surveys._common import survey_row, wave_row
from surveys.db import Database
from surveys.models import ExportPin, PrivacyChange

__all__ = ["PinInUse", "count_file", "pin_export", "pinned_export", "pinned_files", "reset_pin"]


class PinInUse(Exception):
    """A pin cannot be reset: files were written with it (the message says how many)."""


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


def count_file(db: Database, slug: str, wave: str) -> None:
    """Count one file written with the wave's pinned settings (after it is written)."""
    with db.session(write=True) as session:
        row = wave_row(session, survey_row(session, slug), wave)
        pin = session.get(ExportPin, row.id)
        if pin is not None:
            pin.files = int(pin.files or 0) + 1


def pinned_files(db: Database, slug: str, wave: str) -> int:
    """Files written with the wave's pinned settings (0 when it is not pinned)."""
    with db.session() as session:
        row = wave_row(session, survey_row(session, slug), wave)
        found = session.scalar(select(ExportPin.files).where(ExportPin.wave_id == row.id))
    return int(found or 0)


def reset_pin(db: Database, slug: str, wave: str) -> dict[str, Any] | None:
    """Remove the wave's pin if no file was written with it; the old settings, or None.

    The reset is recorded with the survey's privacy changes (what the council page lists).

    Raises
    ------
    PinInUse
        A file was written with the pin (see the module docstring for why that is final).
    surveys.errors.NotFound
        Unknown survey or wave.
    """
    with db.session(write=True) as session:
        row = wave_row(session, survey_row(session, slug), wave)
        pin = session.get(ExportPin, row.id)
        if pin is None:
            return None
        if int(pin.files or 0) > 0:
            raise PinInUse(
                f"wave {wave!r} of {slug!r}: {pin.files} file(s) were written with these "
                "settings; a file anonymised otherwise could be joined with them on the "
                "answers. The pin stays: export this wave with its settings, or export a "
                "new wave"
            )
        settings = dict(json.loads(pin.settings))
        session.delete(pin)
        was = ", ".join(f"{key} {value}" for key, value in sorted(settings.items()))
        session.add(  # the privacy profile's record of changes (what and when, never who)
            PrivacyChange(
                survey_id=row.survey_id,
                changed_on=dt.date.today(),
                what=f"export settings of wave {wave} reset before any file was written "
                f"(were: {was})",
            )
        )
    return settings
