"""API routes of action plans: a manager's plan of a unit, the survey owner's list.

Thin, as the other routes (:mod:`webapp.api.routes`): one call into
:mod:`webapp.results.plans`, JSON out; errors are the blueprint's JSON errors. The PUT takes
a JSON body. With a bearer token it needs no CSRF token (a browser never sends one on its
own); with the session cookie it needs the ``X-CSRFToken`` header, as any state change.
"""

from __future__ import annotations

from flask import Response, jsonify, request

from webapp.api import bp
from webapp.api.routes import _caller, _db
from webapp.auth.session import bearer_token
from webapp.extensions import csrf

__all__: list[str] = []


@bp.get("/surveys/<survey>/waves/<wave>/units/<unit>/plan")
def unit_plan(survey: str, wave: str, unit: str) -> Response:
    from webapp.results.plans import read_plan

    return jsonify(read_plan(_db(), survey, wave, unit, _caller()))


@bp.put("/surveys/<survey>/waves/<wave>/units/<unit>/plan")
@csrf.exempt
def save_unit_plan(survey: str, wave: str, unit: str) -> Response:
    from webapp.results.plans import write_plan

    user = _caller()
    if bearer_token() is None:
        csrf.protect()  # a cookie session: the CSRF token, as for every form
    body = request.get_json(silent=True)
    return jsonify(write_plan(_db(), survey, wave, unit, user, body))


@bp.get("/surveys/<survey>/plans")
def survey_plans(survey: str) -> Response:
    from webapp.results.plans import plan_listing

    return jsonify(plan_listing(_db(), survey, _caller()))
