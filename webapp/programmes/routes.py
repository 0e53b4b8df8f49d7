"""Programme routes: URL in, results-service call, page out.

- ``/programmes/``: the programmes of every survey.
- ``/programmes/<id>``: the evaluation of one programme.
- ``/programmes/<id>/remove`` (POST, admins): remove the programme; back to the list.

Admins and researchers only (researchers without the remove button): anyone else signed in
gets 403, anyone not signed in the sign-in page.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from surveys.errors import NotFound
from surveys.users import UserInfo
from webapp.auth import current_staff, login_manager
from webapp.programmes import bp
from webapp.programmes.forms import RemoveForm
from webapp.results.programme import ROLES

__all__: list[str] = []


def _db() -> Any:
    return current_app.extensions["samen_db"]


def _reader() -> UserInfo:
    user = current_staff()
    if user is None:
        abort(login_manager.unauthorized())
    if user.role not in ROLES:
        abort(403)
    return user


@bp.get("/")
def index() -> str:
    """Every programme, by survey and name, with a link to its evaluation."""
    from surveys.programmes import list_programmes

    user = _reader()
    programmes = list_programmes(_db())
    form = RemoveForm() if user.role == "admin" else None
    return render_template("programmes/index.html", programmes=programmes, user=user, form=form)


@bp.get("/<int:programme_id>")
def evaluation(programme_id: int) -> str:
    """The evaluation of one programme."""
    from webapp.programmes.view import evaluation_page
    from webapp.results.programme import programme_evaluation

    user = _reader()
    try:
        result = programme_evaluation(_db(), programme_id, user)
    except NotFound:
        abort(404)
    page = evaluation_page(result)
    return render_template("programmes/evaluation.html", page=page, result=result, user=user)


@bp.post("/<int:programme_id>/remove")
def remove(programme_id: int) -> Response:
    """Remove a programme (admins; CSRF checked); its responses are untouched."""
    from surveys.programmes import get_programme, remove_programme

    user = _reader()
    if user.role != "admin":
        abort(403)
    form = RemoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        info = get_programme(_db(), programme_id)
        remove_programme(_db(), info.survey, info.name)
    except NotFound:
        abort(404)
    flash(_("Programme %(name)s removed.", name=info.name), "info")
    return redirect(url_for("programmes.index"))
