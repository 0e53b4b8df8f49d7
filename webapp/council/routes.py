"""Council routes: URL in, council-service call, page out.

Council members and admins only: anyone else signed in gets 403, anyone not signed in the
sign-in page.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request

from surveys.errors import NotFound
from surveys.users import UserInfo
from webapp.auth import current_staff, login_manager
from webapp.council import bp, service
from webapp.results.access import AccessDenied

__all__: list[str] = []


def _db() -> Any:
    return current_app.extensions["samen_db"]


def _reader() -> UserInfo:
    user = current_staff()
    if user is None:
        abort(login_manager.unauthorized())
    if user.role not in service.ROLES:
        abort(403)
    return user


@bp.get("/")
def index() -> str:
    """The surveys, each with its profile and progress."""
    _reader()
    return render_template("council/index.html", surveys=service.surveys(_db()))


@bp.get("/<survey>/profile")
def profile(survey: str) -> str:
    """The printable privacy profile, its consent and the audit result then."""
    user = _reader()
    try:
        page = service.profile_page(_db(), survey)
    except NotFound:
        abort(404)
    return render_template("council/profile.html", can_audit=user.role == "admin", **page)


@bp.get("/<survey>/progress")
def progress(survey: str) -> str:
    """Responses per unit in the latest wave, at k (no results)."""
    user = _reader()
    try:
        rates = service.progress_page(_db(), survey, user, request.args.get("unit"))
    except (NotFound, AccessDenied):
        abort(404)
    return render_template("council/progress.html", survey=survey, rates=rates)
