"""Action plans: after the team conversation, a manager records 1 to 3 focus points.

Each focus point is a scale or a statement of the survey, the action the team agreed, the
role that owns it (a role such as "team leader" or "two nurses", never a person's name) and
a date. A plan belongs to a unit and to the wave whose results the team discussed; the next
round's dashboard summary shows each focus point's change beside it.

Plans are the team's own notes, not respondent data. Survey owners (admins) see which units
have a plan (:func:`list_plans`), and its text only when the manager ticked "share with the
survey owner".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from surveys._common import survey_row, unit_row, wave_row
from surveys.db import Database
from surveys.errors import InputError
from surveys.models import Plan, PlanFocus, Unit, Wave

__all__ = [
    "KINDS",
    "MAX_ACTION",
    "MAX_FOCUS",
    "MAX_ROLE",
    "FocusPoint",
    "PlanInfo",
    "PlanListing",
    "get_plan",
    "list_plans",
    "save_plan",
]

#: What a focus point refers to.
KINDS = ("scale", "item")
#: Focus points per plan.
MAX_FOCUS = 3
#: Longest action text and owner role, in characters.
MAX_ACTION = 500
MAX_ROLE = 100


@dataclass(frozen=True)
class FocusPoint:
    """One focus point: ``kind`` "scale" or "item", ``ref`` its id in the survey."""

    kind: str
    ref: str
    action: str
    owner_role: str
    due_on: dt.date


@dataclass(frozen=True)
class PlanInfo:
    """A unit's plan after one wave."""

    survey: str
    wave: str
    unit: str
    shared: bool
    points: tuple[FocusPoint, ...]


@dataclass(frozen=True)
class PlanListing:
    """What a survey owner sees of a plan: always unit and wave; the points only if shared."""

    wave: str
    unit: str
    unit_name: str
    shared: bool
    points: tuple[FocusPoint, ...] | None


def _check(points: Sequence[FocusPoint], refs: dict[str, set[str]] | None) -> None:
    problems = []
    if not 1 <= len(points) <= MAX_FOCUS:
        problems.append(f"a plan has 1 to {MAX_FOCUS} focus points, got {len(points)}")
    seen = set()
    for i, point in enumerate(points, start=1):
        if point.kind not in KINDS:
            problems.append(f"focus point {i}: kind must be 'scale' or 'item'")
        elif refs is not None and point.ref not in refs[point.kind]:
            problems.append(f"focus point {i}: {point.ref!r} is not a {point.kind} of the survey")
        if (point.kind, point.ref) in seen:
            problems.append(f"focus point {i}: {point.ref!r} is chosen twice")
        seen.add((point.kind, point.ref))
        if not point.action.strip() or len(point.action) > MAX_ACTION:
            problems.append(f"focus point {i}: the action needs 1 to {MAX_ACTION} characters")
        if not point.owner_role.strip() or len(point.owner_role) > MAX_ROLE:
            problems.append(f"focus point {i}: the owner role needs 1 to {MAX_ROLE} characters")
    if problems:
        raise InputError("the plan is not valid", problems)


def save_plan(
    db: Database,
    slug: str,
    wave: str,
    unit: str,
    points: Sequence[FocusPoint],
    shared: bool,
    refs: dict[str, set[str]] | None = None,
) -> PlanInfo:
    """Store (or replace) the plan of ``unit`` after wave ``wave``.

    ``refs``: the scale and item ids the survey offers (``{"scale": {...}, "item": {...}}``),
    checked when given. Raises :class:`surveys.errors.InputError` (with one problem per
    line) or :class:`surveys.errors.NotFound`.
    """
    _check(points, refs)
    with db.session(write=True) as session:
        survey = survey_row(session, slug)
        wave_id = wave_row(session, survey, wave).id
        unit_id = unit_row(session, unit).id
        plan = session.scalar(select(Plan).where(Plan.wave_id == wave_id, Plan.unit_id == unit_id))
        if plan is None:
            plan = Plan(wave_id=wave_id, unit_id=unit_id, shared=bool(shared))
            session.add(plan)
            session.flush()
        else:
            plan.shared = bool(shared)
            session.execute(delete(PlanFocus).where(PlanFocus.plan_id == plan.id))
        for position, point in enumerate(points, start=1):
            session.add(
                PlanFocus(
                    plan_id=plan.id,
                    position=position,
                    kind=point.kind,
                    ref=point.ref,
                    action=point.action.strip(),
                    owner_role=point.owner_role.strip(),
                    due_on=point.due_on,
                )
            )
    return PlanInfo(slug, wave, unit, bool(shared), tuple(points))


def _points(session: Session, plan_id: int) -> tuple[FocusPoint, ...]:
    rows = session.scalars(
        select(PlanFocus).where(PlanFocus.plan_id == plan_id).order_by(PlanFocus.position)
    )
    return tuple(FocusPoint(r.kind, r.ref, r.action, r.owner_role, r.due_on) for r in rows)


def get_plan(db: Database, slug: str, wave: str, unit: str) -> PlanInfo | None:
    """The plan of ``unit`` after wave ``wave`` (None: none recorded)."""
    with db.session() as session:
        survey = survey_row(session, slug)
        wave_id = wave_row(session, survey, wave).id
        unit_id = unit_row(session, unit).id
        plan = session.scalar(select(Plan).where(Plan.wave_id == wave_id, Plan.unit_id == unit_id))
        if plan is None:
            return None
        return PlanInfo(slug, wave, unit, plan.shared, _points(session, plan.id))


def list_plans(db: Database, slug: str) -> list[PlanListing]:
    """Every unit's plan in the survey, for its owner: the points only where shared."""
    with db.session() as session:
        survey = survey_row(session, slug)
        rows = session.execute(
            select(Plan, Wave.label, Unit.code, Unit.name)
            .join(Wave, Plan.wave_id == Wave.id)
            .join(Unit, Plan.unit_id == Unit.id)
            .where(Wave.survey_id == survey.id)
            .order_by(Wave.opened_on, Wave.label, Unit.code)
        ).all()
        return [
            PlanListing(
                label,
                code,
                name,
                plan.shared,
                _points(session, plan.id) if plan.shared else None,
            )
            for plan, label, code, name in rows
        ]
