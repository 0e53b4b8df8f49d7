"""API routes of the comparison views: change since the previous wave, equity gaps, drivers.

Thin, as the other routes (:mod:`webapp.api.routes`): one call into :mod:`webapp.results`,
JSON out; errors are the blueprint's JSON errors.
"""

from __future__ import annotations

from flask import Response, jsonify

from webapp.api import bp
from webapp.api.routes import _caller, _db

__all__: list[str] = []


@bp.get("/surveys/<survey>/waves/<wave>/units/<unit>/change")
def unit_change(survey: str, wave: str, unit: str) -> Response:
    from webapp.results.change import unit_change as change_of

    return jsonify(change_of(_db(), survey, wave, unit, _caller()))


@bp.get("/surveys/<survey>/waves/<wave>/equity")
def equity(survey: str, wave: str) -> Response:
    from webapp.results.equity import equity as equity_of

    return jsonify(equity_of(_db(), survey, wave, _caller()))


@bp.get("/surveys/<survey>/waves/<wave>/drivers")
def drivers(survey: str, wave: str) -> Response:
    from webapp.results.drivers import drivers as drivers_of

    return jsonify(drivers_of(_db(), survey, wave, _caller()))
