"""Equity routes: URL in, :func:`webapp.results.equity.equity` call, page out.

- ``/equity/``: the surveys and their closed waves.
- ``/equity/<survey>/<wave>``: the gaps of one wave.

Admins only: anyone else signed in gets 403, anyone not signed in the sign-in page.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template
from werkzeug.wrappers import Response

from surveys.errors import NotFound
from surveys.users import UserInfo
from webapp.auth import current_staff, login_manager
from webapp.equity import bp
from webapp.results.equity import ROLES

__all__: list[str] = []


def _db() -> Any:
    return current_app.extensions["samen_db"]


def _admin() -> UserInfo:
    user = current_staff()
    if user is None:
        abort(login_manager.unauthorized())
    if user.role not in ROLES:
        abort(403)
    return user


@bp.get("/")
def index() -> Response | str:
    """Every survey with its waves, newest first; closed waves link to their gaps."""
    from surveys.definitions import list_surveys
    from webapp.results.data import load_survey

    user = _admin()
    surveys = []
    for info in list_surveys(_db()):
        context = load_survey(_db(), info.slug)
        waves = sorted(context.waves, key=lambda w: (w.opened_on, w.label), reverse=True)
        surveys.append({"info": info, "waves": waves})
    return render_template("equity/index.html", surveys=surveys, user=user)


@bp.get("/<survey>/<wave>")
def gaps(survey: str, wave: str) -> str:
    from surveys.definitions import get_survey
    from webapp.equity.view import build_equity
    from webapp.results.equity import equity

    user = _admin()
    try:
        found = equity(_db(), survey, wave, user)
        definition = get_survey(_db(), survey)
    except NotFound:
        abort(404)
    return render_template("equity/gaps.html", page=build_equity(definition, found), user=user)
