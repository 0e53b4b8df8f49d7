"""Action-plan routes: the team's plan after a wave, and the survey owner's list.

- ``/dashboard/<survey>/<wave>/<unit>/plan`` (GET, POST): the manager of the unit (or of a
  unit above it) records 1-3 focus points; POST/redirect/GET, CSRF.
- ``/dashboard/<survey>/plans``: admins see which units have a plan, and the text of the
  plans the manager shared.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from surveys.errors import InputError, NotFound
from surveys.users import UserInfo
from webapp import results
from webapp.auth import current_staff, login_manager
from webapp.dashboard import bp
from webapp.dashboard.forms import PlanForm
from webapp.i18n import localized

__all__: list[str] = []


def _db() -> Any:
    return current_app.extensions["samen_db"]


def _staff() -> UserInfo:
    user = current_staff()
    if user is None:
        abort(login_manager.unauthorized())
    return user


def focus_choices(definition: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per instrument, its scored scales and their statements, as select options."""
    from webapp.results.data import scale_id

    groups = []
    for instrument in definition.answer_instruments:
        options = []
        for scale in instrument.scales:
            if not scale.scored or not scale.items:
                continue
            sid = scale_id(definition, instrument.id, scale.id)
            options.append((f"scale:{sid}", str(localized(scale.name))))
            options += [
                (f"item:{item.id}", "\u2003" + str(localized(item.text))) for item in scale.items
            ]
        if options:
            groups.append((str(localized(instrument.title)), options))
    return groups


@bp.route("/<survey>/<wave>/<unit>/plan", methods=["GET", "POST"])
def plan(survey: str, wave: str, unit: str) -> Response | str:
    from surveys.definitions import get_survey
    from surveys.plans import FocusPoint, get_plan, save_plan
    from webapp.results.service import prepare

    user = _staff()
    if user.role != "manager":
        abort(403)
    try:
        context, _filter = prepare(_db(), survey, unit, user, None, wave)
        if context.wave(wave).is_open:
            abort(404)
        definition = get_survey(_db(), survey)
        existing = get_plan(_db(), survey, wave, unit)
    except results.AccessDenied:
        abort(403)
    except NotFound:
        abort(404)
    choices = focus_choices(definition)
    form = PlanForm()
    form.set_choices(choices)
    if request.method == "GET" and existing is not None:
        for entry, point in zip(form.focus, existing.points, strict=False):
            entry.form.ref.data = f"{point.kind}:{point.ref}"
            entry.form.action.data = point.action
            entry.form.owner_role.data = point.owner_role
            entry.form.due_on.data = point.due_on
        form.shared.data = existing.shared
    if form.validate_on_submit():
        points = []
        for entry in form.focus:
            sub = entry.form
            if sub.ref.data:
                kind, _sep, ref = sub.ref.data.partition(":")
                points.append(
                    FocusPoint(kind, ref, sub.action.data, sub.owner_role.data, sub.due_on.data)
                )
        refs: dict[str, set[str]] = {"scale": set(), "item": set()}
        for _group, options in choices:
            for value, _label in options:
                kind, _sep, ref = value.partition(":")
                refs[kind].add(ref)
        try:
            save_plan(_db(), survey, wave, unit, points, bool(form.shared.data), refs)
        except InputError:
            abort(400)  # the form checked the same rules; a mismatch is a bug, not input
        return redirect(url_for("dashboard.plan", survey=survey, wave=wave, unit=unit, saved=1))
    return render_template(
        "dashboard/plan.html",
        form=form,
        user=user,
        unit_name=context.units[unit].name,
        survey_title=localized(definition.title),
        wave=wave,
        saved=request.args.get("saved") == "1" and request.method == "GET",
        back=url_for("dashboard.unit", survey=survey, wave=wave, unit=unit),
    )


@bp.get("/<survey>/plans")
def plans(survey: str) -> str:
    from surveys.definitions import get_survey
    from surveys.plans import list_plans

    user = _staff()
    if user.role != "admin":
        abort(403)
    try:
        definition = get_survey(_db(), survey)
        found = list_plans(_db(), survey)
    except NotFound:
        abort(404)
    labels = {v: label.strip() for _g, opts in focus_choices(definition) for v, label in opts}
    rows = [
        {
            "wave": p.wave,
            "unit": p.unit_name,
            "shared": p.shared,
            "points": [
                {
                    "focus": labels.get(f"{f.kind}:{f.ref}", f.ref),
                    "action": f.action,
                    "owner_role": f.owner_role,
                    "due_on": f.due_on,
                }
                for f in p.points or ()
            ],
        }
        for p in found
    ]
    return render_template(
        "dashboard/plans.html", rows=rows, user=user, survey_title=localized(definition.title)
    )
