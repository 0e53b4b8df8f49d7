"""Routes of the JSON API; errors are JSON too: ``{"error": ..., "message": ...}``.

Also a wrong method or an unknown path anywhere under ``/api/`` (TRACE included): a JSON 405
with ``Allow``, a JSON 404 (a routing error happens before any blueprint is known, so those
handlers are the app's).
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

from flask import Response, current_app, jsonify, make_response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as NoRoute

from surveys.errors import InputError, NotFound
from surveys.users import UserInfo
from webapp import results
from webapp.api import bp
from webapp.auth import current_staff
from webapp.results.comments import unit_comments as comments_of

__all__: list[str] = []

_ERRORS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
}
#: The ``filter`` parameter's pattern in openapi.yaml: ``QUESTION:VALUE``, neither empty.
_FILTER = re.compile(r"[^:]+:[^:]+")


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


@bp.app_errorhandler(MethodNotAllowed)
def _method_not_allowed(exc: MethodNotAllowed) -> Any:
    """405 with ``Allow``: JSON under /api/, the friendly page elsewhere."""
    allowed = ", ".join(sorted(exc.valid_methods or ()))
    if request.path.startswith("/api/"):
        response, status = _error(405, f"{request.method} is not allowed here; use {allowed}")
        response.status_code = status
    else:
        from webapp.public.errors import http_error

        response = make_response(http_error(exc))
    if allowed:
        response.headers["Allow"] = allowed
    return response


@bp.app_errorhandler(NoRoute)
def _no_route(exc: NoRoute) -> Any:
    """404 for a path no route matches: JSON under /api/, the friendly page elsewhere."""
    if request.path.startswith("/api/"):
        return _error(404, "no such resource; see /api/v1/openapi.yaml")
    from webapp.public.errors import http_error

    return http_error(exc)


def _filter() -> str | None:
    """The ``filter`` query parameter, refused (400) when it does not match the spec's
    pattern; an empty ``filter=`` is not "no filter"."""
    value = request.args.get("filter")
    if value is not None and not _FILTER.fullmatch(value):
        raise InputError("filter must be QUESTION:VALUE, e.g. dem_gender:2")
    return value


@bp.get("/me")
def me() -> Response:
    """The caller's account: e-mail, role and unit."""
    user = _caller()
    return jsonify(email=user.email, role=user.role, unit=user.unit_code)


@bp.get("/surveys/<survey>/waves/<wave>/units/<unit>/results")
def unit_results(survey: str, wave: str, unit: str) -> Response:
    user = _caller()
    filter = _filter()
    return jsonify(results.unit_results(_db(), survey, wave, unit, user, filter=filter))


@bp.get("/surveys/<survey>/waves/<wave>/units/<unit>/heatmap")
def heatmap(survey: str, wave: str, unit: str) -> Response:
    user = _caller()
    filter = _filter()
    return jsonify(results.heatmap(_db(), survey, wave, unit, user, filter=filter))


@bp.get("/surveys/<survey>/waves/<wave>/units/<unit>/response-rate")
def response_rate(survey: str, wave: str, unit: str) -> Response:
    user = _caller()
    return jsonify(results.response_rate(_db(), survey, wave, unit, user))


@bp.get("/surveys/<survey>/units/<unit>/trend")
def trend(survey: str, unit: str) -> Response:
    user = _caller()
    filter = _filter()
    return jsonify(results.trend(_db(), survey, unit, user, filter=filter))


@bp.get("/surveys/<survey>/waves/<wave>/units/<unit>/comments")
def unit_comments(survey: str, wave: str, unit: str) -> Response:
    user = _caller()
    filter = _filter()
    question = request.args.get("question") or None
    return jsonify(comments_of(_db(), survey, wave, unit, user, filter=filter, question=question))


@bp.get("/programmes/<programme_id>/evaluation")
def programme_evaluation(programme_id: str) -> Response:
    """A programme's evaluation (admins and researchers): the numbers of its page."""
    from webapp.results.programme import programme_evaluation as evaluate

    user = _caller()
    if not programme_id.isdigit():
        raise NotFound(f"no programme {programme_id!r}")
    return jsonify(evaluate(_db(), int(programme_id), user))


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
