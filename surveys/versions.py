"""Cheap whole-wave counts for the results service's caches and response rates.

One query each, instead of one per unit (:func:`surveys.invitations.count_unused_invitations`
with a unit): the response-rate table of an organisation of hundreds of units asked one
query per unit.
"""

from __future__ import annotations

from sqlalchemy import func, select

from surveys._common import survey_row, wave_row
from surveys.db import Database
from surveys.models import Invitation, InvitationCount, Response, Unit

__all__ = ["count_unused_by_unit"]


def count_unused_by_unit(db: Database, slug: str, wave: str) -> dict[str, int]:
    """Unanswered invitations of a wave per unit code (units without any are absent).

    The same numbers as :func:`surveys.invitations.count_unused_invitations` per unit: not
    started, plus started minus responses (never below 0).
    """
    with db.session() as session:
        row = wave_row(session, survey_row(session, slug), wave)
        unused = session.execute(
            select(Unit.code, func.count())
            .select_from(Invitation)
            .join(Unit, Unit.id == Invitation.unit_id)
            .where(Invitation.wave_id == row.id)
            .group_by(Unit.code)
        ).all()
        started = session.execute(
            select(Unit.code, InvitationCount.started)
            .join(Unit, Unit.id == InvitationCount.unit_id)
            .where(InvitationCount.wave_id == row.id, InvitationCount.started > 0)
        ).all()
        answered = dict(
            session.execute(
                select(Unit.code, func.count())
                .select_from(Response)
                .join(Unit, Unit.id == Response.unit_id)
                .where(Response.wave_id == row.id)
                .group_by(Unit.code)
            ).all()
        )
    counts = {code: int(n) for code, n in unused}
    for code, n in started:
        waiting = int(n) - int(answered.get(code, 0))
        if waiting > 0:
            counts[code] = counts.get(code, 0) + waiting
    return counts
