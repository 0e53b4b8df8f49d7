"""Leader routes: the personal link's questionnaire and the coordinator's aggregate page.

- ``GET /l/<token>``: the questionnaire, filled with the answers given so far.
- ``POST /l/<token>``: save (CSRF); then ``/l/<token>/saved``. The language switch saves and
  shows the page again in the other language.
- ``GET /leaders/<survey>/``: admin only (others 403, anyone not signed in the sign-in page).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from surveys.errors import InputError, InvitationUnavailable, NotFound, WaveClosed
from webapp.auth import current_staff, login_manager
from webapp.leaders import bp, staff_bp

__all__: list[str] = []


def _db() -> Any:
    return current_app.extensions["samen_db"]


def _open(token: str) -> Any:
    from surveys.leaders import leader_page

    try:
        return leader_page(_db(), token)
    except InvitationUnavailable:
        return None


@bp.route("/l/<token>", methods=["GET", "POST"])
def answer(token: str) -> Response | str | tuple[str, int]:
    """The leader's questionnaire about their team."""
    from surveys.definitions import get_survey
    from surveys.leaders import leader_scales, save_leader_answers
    from webapp.i18n import current_language
    from webapp.leaders.forms import answers_of, leader_form

    page = _open(token)
    if page is None:
        return render_template("respond/unavailable.html"), 404
    definition = get_survey(_db(), page.survey)
    scales = leader_scales(definition)
    if request.method == "POST" and not page.wave_open:
        return redirect(url_for("leaders.answer", token=token))  # shows the closed round
    if request.method == "POST":
        form = leader_form(scales, request.form)
        if not form.validate():
            abort(400)  # only a tampered form fails: every answer is optional
        try:
            save_leader_answers(_db(), token, answers_of(form, scales), current_language())
        except WaveClosed:  # closed meanwhile
            return redirect(url_for("leaders.answer", token=token))
        except InputError:
            abort(400)
        if request.form.get("nav") == "stay":  # the language switch
            return redirect(url_for("leaders.answer", token=token))
        return redirect(url_for("leaders.saved", token=token))
    form = leader_form(scales, None, page.answers)
    return render_template(
        "leaders/answer.html",
        page=page,
        definition=definition,
        scales=scales,
        form=form,
        token=token,
        lang_form="leader-form" if page.wave_open else None,
    )


@bp.get("/l/<token>/saved")
def saved(token: str) -> Response | str | tuple[str, int]:
    page = _open(token)
    if page is None:
        return render_template("respond/unavailable.html"), 404
    from surveys.definitions import get_survey

    definition = get_survey(_db(), page.survey)
    return render_template("leaders/saved.html", page=page, definition=definition, token=token)


@staff_bp.get("/<survey>/")
def summary(survey: str) -> str:
    """Leaders' views in aggregate, at least k leaders per number (admin only)."""
    from surveys.definitions import get_survey
    from webapp.leaders.view import summary_page
    from webapp.results.access import AccessDenied
    from webapp.results.leaders import leader_summary

    user = current_staff()
    if user is None:
        abort(login_manager.unauthorized())
    if user.role != "admin":
        abort(403)
    try:
        definition = get_survey(_db(), survey)
        found = leader_summary(_db(), survey, user)
    except NotFound:
        abort(404)
    except AccessDenied:
        abort(403)
    return render_template(
        "leaders/summary.html",
        definition=definition,
        summary=summary_page(definition, found),
    )
