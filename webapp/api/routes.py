"""Routes of the JSON API; errors are JSON too: ``{"error": ..., "message": ...}``."""

from __future__ import annotations

from importlib import resources
from typing import Any

from flask import Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from surveys.errors import InputError, NotFound
from surveys.users import UserInfo
from webapp import results
from webapp.api import bp
from webapp.auth import current_staff
from webapp.results.comments import unit_comments as comments_of

__all__: list[str] = []

_ERRORS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found"}


def _error(status: int, message: str) -> tuple[Response, int]:
    response = jsonify(error=_ERRORS.get(status, "error"), message=message)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="samen"'
    return response, status


class _Unauthorized(Exception):
    pass


def _caller() -> UserInfo:
    user = current_staff()
    if user is None:
        raise _Unauthorized()
    return user


def _db() -> Any:
    return current_app.extensions["samen_db"]


@bp.errorhandler(_Unauthorized)
def _unauthorized(_exc: _Unauthorized) -> tuple[Response, int]:
    return _error(401, "sign in or send Authorization: Bearer <token>")


@bp.errorhandler(results.AccessDenied)
def _forbidden(exc: results.AccessDenied) -> tuple[Response, int]:
    return _error(403, str(exc))


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound) -> tuple[Response, int]:
    return _error(404, str(exc))


@bp.errorhandler(InputError)
def _bad_request(exc: InputError) -> tuple[Response, int]:
    return _error(400, str(exc))


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException) -> tuple[Response, int]:
    return _error(exc.code or 500, exc.description or exc.name)


@bp.get("/me")
def me() -> Response:
    """The caller's account: e-mail, role and unit."""
    user = _caller()
    return jsonify(email=user.email, role=user.role, unit=user.unit_code)


@bp.get("/surveys/<survey>/waves/<wave>/units/<unit>/results")
def unit_results(survey: str, wave: str, unit: str) -> Response:
    user = _caller()
    filter = request.args.get("filter")
    return jsonify(results.unit_results(_db(), survey, wave, unit, user, filter=filter))


@bp.get("/surveys/<survey>/waves/<wave>/units/<unit>/heatmap")
def heatmap(survey: str, wave: str, unit: str) -> Response:
    user = _caller()
    filter = request.args.get("filter")
    return jsonify(results.heatmap(_db(), survey, wave, unit, user, filter=filter))


@bp.get("/surveys/<survey>/waves/<wave>/units/<unit>/response-rate")
def response_rate(survey: str, wave: str, unit: str) -> Response:
    user = _caller()
    return jsonify(results.response_rate(_db(), survey, wave, unit, user))


@bp.get("/surveys/<survey>/units/<unit>/trend")
def trend(survey: str, unit: str) -> Response:
    user = _caller()
    filter = request.args.get("filter")
    return jsonify(results.trend(_db(), survey, unit, user, filter=filter))


@bp.get("/surveys/<survey>/waves/<wave>/units/<unit>/comments")
def unit_comments(survey: str, wave: str, unit: str) -> Response:
    user = _caller()
    filter = request.args.get("filter")
    return jsonify(comments_of(_db(), survey, wave, unit, user, filter=filter))


@bp.get("/surveys/<survey>/units/<unit>/leader-view")
def leader_view(survey: str, unit: str) -> Response:
    """The caller's own view of their team beside the team's released results (the gap)."""
    from webapp.results.leaders import leader_gaps

    user = _caller()
    found = leader_gaps(_db(), survey, unit, user)
    if found is None:
        raise NotFound(f"you have given no view of unit {unit!r} in survey {survey!r}")
    return jsonify(found)


@bp.get("/surveys/<survey>/leaders/summary")
def leader_summary(survey: str) -> Response:
    """Leaders' views in aggregate, over at least k leaders (admin only)."""
    from webapp.results.leaders import leader_summary as summary_of

    return jsonify(summary_of(_db(), survey, _caller()))


@bp.get("/openapi.yaml")
def openapi() -> Response:
    """The API description (OpenAPI 3.1); public, like any documentation."""
    text = resources.files("webapp").joinpath("openapi.yaml").read_text(encoding="utf-8")
    return Response(text, mimetype="application/yaml")
