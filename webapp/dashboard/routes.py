"""Dashboard routes: form or query in, results-service calls, template out.

- ``/dashboard/``: where a signed-in account starts (a manager: their own unit).
- ``/dashboard/<survey>/``: the survey's latest released wave, the account's unit.
- ``/dashboard/<survey>/<wave>/<unit>``: the page.
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
from webapp.dashboard.assets import gzip_response, install
from webapp.dashboard.svg import chart_svg
from webapp.results.comments import unit_comments, unit_open_answers
from webapp.results.data import request_memo
from webapp.results.sensitive import unwanted_behaviour

__all__: list[str] = []


def _db() -> Any:
    return current_app.extensions["samen_db"]


def _staff() -> UserInfo:
    user = current_staff()
    if user is None:
        abort(login_manager.unauthorized())
    return user


def _start(user: UserInfo, slug: str) -> tuple[str, str]:
    """The wave and unit an account lands on: latest closed wave (else latest), own unit."""
    from webapp.results.data import load_survey

    context = load_survey(_db(), slug)
    if not context.waves:
        raise NotFound(f"survey {slug!r} has no waves yet")
    waves = sorted(context.waves, key=lambda w: (w.opened_on, w.label))
    closed = [w for w in waves if not w.is_open]
    wave = (closed or waves)[-1].label
    if user.role == "manager" and user.unit_code in context.units:
        # a closed wave is shown with the tree it closed with: the latest one that has the unit
        having = [w for w in closed if user.unit_code in context.at_wave(w.label).units]
        opened = [w for w in waves if w.is_open]
        return (having or opened or waves)[-1].label, user.unit_code
    roots = sorted(code for code, up in context.parent.items() if up is None)
    if not roots:
        raise NotFound("the organisation has no units yet")
    return wave, roots[0]


@bp.get("/")
def index() -> Response | str:
    """The surveys; with one survey, straight to the account's unit in it."""
    from surveys.survey_store import list_surveys

    user = _staff()
    surveys = list_surveys(_db())
    if len(surveys) == 1:
        return redirect(url_for("dashboard.survey", survey=surveys[0].slug))
    return render_template("dashboard/index.html", surveys=surveys, user=user)


@bp.get("/<survey>/")
def survey(survey: str) -> Response:
    user = _staff()
    try:
        wave, unit = _start(user, survey)
    except NotFound:
        abort(404)
    return redirect(url_for("dashboard.unit", survey=survey, wave=wave, unit=unit))


@bp.get("/<survey>/<wave>/<unit>")
def unit(survey: str, wave: str, unit: str) -> str:
    """One unit in one wave: every number from :mod:`webapp.results`."""
    # the page asks the service five times: read the survey and organisation once
    with request_memo():
        return _unit_page(survey, wave, unit)


def _unit_page(survey: str, wave: str, unit: str) -> str:
    from surveys.survey_store import get_survey
    from webapp.dashboard.view import build_page, filter_choices

    user = _staff()
    db = _db()
    filter = request.args.get("filter") or None
    try:
        found = results.unit_results(db, survey, wave, unit, user, filter=filter)
        heat = (
            results.heatmap(db, survey, wave, unit, user, filter=filter)
            if found["children"]
            else None
        )
        over_time = results.trend(db, survey, unit, user, filter=filter)
        rate = results.response_rate(db, survey, wave, unit, user) if not filter else None
        definition = get_survey(db, survey)
        comments = unit_comments(db, survey, wave, unit, user, filter=filter)
        open_answers = unit_open_answers(db, survey, wave, unit, user, filter=filter)
        leader_gap = leader_gap_view(db, definition, unit, user)
        summary = _summary(db, definition, found, survey, wave, unit, user, filter)
    except results.AccessDenied:
        abort(403)
    except NotFound:
        abort(404)
    except InputError:
        abort(400)
    page = build_page(
        definition,
        found,
        rate=rate,
        heatmap=heat,
        trend=over_time,
        unit_url=lambda code: url_for("dashboard.unit", survey=survey, wave=wave, unit=code),
    )
    waves = [
        {
            "label": w["wave"],
            "url": url_for(
                "dashboard.unit", survey=survey, wave=w["wave"], unit=unit, filter=filter
            ),
            "current": w["wave"] == wave,
            "released": w["released"],
        }
        for w in over_time["waves"]
    ]
    filters = filter_choices(definition, filter)
    current = next(
        (
            {"question": group["question"], "label": option["label"]}
            for group in filters
            for option in group["options"]
            if option["selected"]
        ),
        None,
    )
    return render_template(
        "dashboard/unit.html",
        page=page,
        waves=waves,
        user=user,
        filters=filters,
        current_filter=current,
        page_url=url_for("dashboard.unit", survey=survey, wave=wave, unit=unit),
        comments=comments,
        open_answers=open_answers,
        unwanted=unwanted_behaviour(definition, found),
        leader_gap=leader_gap,
        summary=summary,
    )


def leader_gap_view(db: Any, definition: Any, unit: str, user: UserInfo) -> dict | None:
    """The signed-in leader's own view beside the team's (``dashboard/_leader_gap.html``)."""
    from webapp.leaders.view import gap_page
    from webapp.results.leaders import leader_gaps

    return gap_page(definition, leader_gaps(db, definition.slug, unit, user))


def _summary(
    db: Any,
    definition: Any,
    found: dict[str, Any],
    survey: str,
    wave: str,
    unit: str,
    user: UserInfo,
    filter: str | None,
) -> dict[str, Any] | None:
    """The one-screen summary (unfiltered, released waves only): scores, change, focus."""
    if filter or not found.get("released", True):
        return None
    from webapp.dashboard.view_summary import build_summary
    from webapp.results.change import previous_wave, unit_change
    from webapp.results.data import load_survey

    before = previous_wave(load_survey(db, survey), wave)
    focus = _focus(db, survey, before.label, unit) if before else []
    items = [f["ref"] for f in focus if f["kind"] == "item"]
    change = unit_change(db, survey, wave, unit, user, items=items)
    summary = build_summary(definition, found, change, focus)
    if user.role == "manager":
        summary["plan_url"] = url_for("dashboard.plan", survey=survey, wave=wave, unit=unit)
    elif user.role == "admin":
        summary["plans_url"] = url_for("dashboard.plans", survey=survey)
    return summary


def _focus(db: Any, survey: str, wave: str, unit: str) -> list[dict[str, Any]]:
    """The focus points of the unit's plan made after ``wave`` (none: [])."""
    from surveys.plans import get_plan

    found = get_plan(db, survey, wave, unit)
    if found is None:
        return []
    return [
        {"kind": p.kind, "ref": p.ref, "action": p.action, "owner_role": p.owner_role}
        for p in found.points
    ]


def _static_routes(state: Any) -> None:
    install(state.app)


bp.record_once(_static_routes)
bp.add_app_template_global(chart_svg, "chart_svg")
bp.after_request(gzip_response)


def _warm_results(state: Any) -> None:
    """Fill the results caches in a background thread (:mod:`webapp.results.warm`)."""
    from webapp.results.warm import start

    start(state.app)


bp.record_once(_warm_results)
