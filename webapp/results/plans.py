"""Action plans for the API and the CLI: who may read and write which plan.

The storage is :mod:`surveys.plans`. A manager reads and writes the plan of a unit in
their scope (their unit or one below it), after a closed wave, as on the dashboard's plan
page. A survey owner (admin) sees which units have a plan, and a plan's text only when the
manager shared it (:func:`plan_listing`). Plans are the team's own notes, not respondent
data: no k applies, but nobody else reads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from surveys.db import Database
from surveys.errors import InputError, NotFound
from surveys.plans import FocusPoint, PlanInfo, get_plan, list_plans, save_plan
from surveys.users import UserInfo
from webapp.results.access import AccessDenied
from webapp.results.service import prepare

__all__ = ["focus_refs", "plan_listing", "read_plan", "write_plan"]


def focus_refs(definition: Any) -> dict[str, set[str]]:
    """The scale and item ids a focus point may name: ``{"scale": {...}, "item": {...}}``
    (scored scales with items, as ``<instrument>.<scale>`` when the survey combines
    instruments, and their statements)."""
    from webapp.results.data import scale_id

    refs: dict[str, set[str]] = {"scale": set(), "item": set()}
    for instrument in definition.answer_instruments:
        for scale in instrument.scales:
            if not scale.scored or not scale.items:
                continue
            refs["scale"].add(scale_id(definition, instrument.id, scale.id))
            refs["item"].update(item.id for item in scale.items)
    return refs


def _point(point: FocusPoint) -> dict[str, Any]:
    return {
        "kind": point.kind,
        "ref": point.ref,
        "action": point.action,
        "owner_role": point.owner_role,
        "due_on": point.due_on.isoformat(),
    }


def _plan(found: PlanInfo | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"shared": found.shared, "points": [_point(p) for p in found.points]}


def _manager_context(db: Database, survey: str, wave: str, unit: str, user: UserInfo) -> Any:
    if user.role != "manager":
        raise AccessDenied("a unit's plan is its manager's")
    context, _filter = prepare(db, survey, unit, user, None, wave)
    if context.wave(wave).is_open:
        raise NotFound(f"wave {wave!r} is open: a plan follows a closed wave's results")
    return context


def read_plan(db: Database, survey: str, wave: str, unit: str, user: UserInfo) -> dict[str, Any]:
    """``{"survey", "wave", "unit", "plan": None | {"shared", "points": [...]}}``.

    Raises :class:`AccessDenied` (not a manager, or the unit outside their scope) or
    :class:`surveys.errors.NotFound` (unknown survey, wave or unit; an open wave).
    """
    _manager_context(db, survey, wave, unit, user)
    found = get_plan(db, survey, wave, unit)
    return {"survey": survey, "wave": wave, "unit": unit, "plan": _plan(found)}


def _parse_points(body: Mapping[str, Any]) -> list[FocusPoint]:
    raw = body.get("points")
    if not isinstance(raw, list):
        raise InputError("points: a list of 1 to 3 focus points is required")
    points = []
    for i, entry in enumerate(raw, start=1):
        if not isinstance(entry, Mapping):
            raise InputError(f"points[{i}]: an object is required")
        values = {f: entry.get(f) for f in ("kind", "ref", "action", "owner_role", "due_on")}
        missing = [f for f, v in values.items() if not isinstance(v, str)]
        if missing:
            raise InputError(f"points[{i}]: {', '.join(missing)} must be text")
        try:
            due = dt.date.fromisoformat(values["due_on"])  # type: ignore[arg-type]
        except ValueError:
            raise InputError(f"points[{i}]: due_on must be a date, YYYY-MM-DD") from None
        points.append(
            FocusPoint(
                values["kind"],  # type: ignore[arg-type]
                values["ref"],  # type: ignore[arg-type]
                values["action"],  # type: ignore[arg-type]
                values["owner_role"],  # type: ignore[arg-type]
                due,
            )
        )
    return points


def write_plan(
    db: Database, survey: str, wave: str, unit: str, user: UserInfo, body: Any
) -> dict[str, Any]:
    """Store (or replace) the plan from a JSON body ``{"shared": bool, "points": [{"kind",
    "ref", "action", "owner_role", "due_on"}]}``; returns :func:`read_plan`'s answer.

    Raises :class:`surveys.errors.InputError` for a body that is not a valid plan (each
    problem named), and as :func:`read_plan`.
    """
    context = _manager_context(db, survey, wave, unit, user)
    if not isinstance(body, Mapping):
        raise InputError("the body must be a JSON object with 'points' and 'shared'")
    shared = body.get("shared", False)
    if not isinstance(shared, bool):
        raise InputError("shared must be true or false")
    points = _parse_points(body)
    try:
        save_plan(db, survey, wave, unit, points, shared, focus_refs(context.definition))
    except InputError as exc:
        problems = "; ".join(exc.problems) if getattr(exc, "problems", None) else ""
        raise InputError(f"{exc}: {problems}" if problems else str(exc)) from None
    return read_plan(db, survey, wave, unit, user)


def plan_listing(db: Database, survey: str, user: UserInfo) -> dict[str, Any]:
    """Which units have a plan, for the survey owner: the text only where shared.

    ``{"survey", "plans": [{"wave", "unit", "unit_name", "shared", "points": None |
    [...]}]}``. Raises :class:`AccessDenied` for anyone but an admin.
    """
    if user.role != "admin":
        raise AccessDenied("the list of plans is for the survey owner")
    rows = [
        {
            "wave": p.wave,
            "unit": p.unit,
            "unit_name": p.unit_name,
            "shared": p.shared,
            "points": [_point(f) for f in p.points] if p.shared and p.points else None,
        }
        for p in list_plans(db, survey)
    ]
    return {"survey": survey, "plans": rows}
