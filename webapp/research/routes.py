"""Research routes: form or URL in, :mod:`webapp.research.service` call, page or file out.

- ``/research/``: the surveys.
- ``/research/<survey>/``: its waves, with report links and the export form (POST: the
  export as a zip download).
- ``/research/<survey>/<wave>/report``: the psychometric report of a closed wave.
- ``/research/<survey>/<wave>/report.html`` and ``.json``: the same report as a download,
  one self-contained HTML file (style inline, no scripts or links to the server) or the
  JSON that ``samen analyze --format json`` writes (plus the wave's header fields).

Only researchers and admins: anyone else signed in gets 403, anyone not signed in the
sign-in page.
"""

from __future__ import annotations

import io
from typing import Any

from flask import abort, current_app, redirect, render_template, send_file, url_for
from werkzeug.wrappers import Response

from surveys.errors import InputError, NotFound
from surveys.users import UserInfo
from webapp.auth import current_staff, login_manager
from webapp.i18n import number
from webapp.research import bp
from webapp.research.forms import ExportForm

__all__: list[str] = []

#: Roles that may use the research pages.
ROLES = ("admin", "researcher")


def _db() -> Any:
    return current_app.extensions["samen_db"]


def _researcher() -> UserInfo:
    user = current_staff()
    if user is None:
        abort(login_manager.unauthorized())
    if user.role not in ROLES:
        abort(403)
    return user


def _survey(slug: str) -> Any:
    from webapp.results.data import load_survey

    try:
        return load_survey(_db(), slug)
    except NotFound:
        abort(404)


@bp.get("/")
def index() -> Response | str:
    """The surveys; with one survey, straight to it."""
    from surveys.survey_store import list_surveys

    user = _researcher()
    surveys = list_surveys(_db())
    if len(surveys) == 1:
        return redirect(url_for("research.survey", survey=surveys[0].slug))
    return render_template("research/index.html", surveys=surveys, user=user)


@bp.route("/<survey>/", methods=["GET", "POST"])
def survey(survey: str) -> Response | str | tuple[str, int]:
    """The survey's waves and the export form; a valid POST answers with the zip."""
    from wtforms.fields.choices import SelectChoice

    from webapp.i18n import LANGUAGE_NAMES, localized
    from webapp.research.export_profiles import PROFILE_LABELS, PROFILES, ExportProfile
    from webapp.research.service import export_zip

    user = _researcher()
    context = _survey(survey)
    waves = sorted(context.waves, key=lambda w: (w.opened_on, w.label), reverse=True)
    closed = [w.label for w in waves if not w.is_open]
    form = ExportForm()
    form.wave.choices = [SelectChoice(label, label) for label in closed]
    definition = context.definition
    form.language.choices = [
        SelectChoice(lang, LANGUAGE_NAMES.get(lang, lang)) for lang in definition.languages
    ]
    form.profile.choices = [SelectChoice(name, PROFILE_LABELS[name]) for name in PROFILES]
    questions = [SelectChoice("", "-")] + [
        SelectChoice(item.id, f"{item.id}: {localized(item.text)}")
        for item in definition.demographic_items
    ]
    form.question_1.choices = questions
    form.question_2.choices = questions
    error = None
    if form.validate_on_submit():
        picked = tuple(q for q in (form.question_1.data, form.question_2.data) if q)
        profile = ExportProfile(
            form.profile.data or "full",
            tuple(dict.fromkeys(picked)),
            tuple(c.strip() for c in (form.order.data or "").split(",") if c.strip()),
            form.suppression.data or "local",
        )
        try:
            name, payload = export_zip(
                _db(), survey, form.wave.data, form.format.data, form.language.data, profile
            )
        except (InputError, NotFound) as exc:
            error = str(exc)
        else:
            return send_file(
                io.BytesIO(payload),
                mimetype="application/zip",
                as_attachment=True,
                download_name=name,
            )
    page = render_template(
        "research/survey.html",
        definition=definition,
        waves=waves,
        form=form,
        error=error,
        user=user,
    )
    return (page, 400) if error or form.errors else page


@bp.get("/<survey>/<wave>/report")
def report(survey: str, wave: str) -> str | tuple[str, int]:
    """The psychometric report of one closed wave."""
    from webapp.research.numbers import page_fmt, page_fmt_ci, page_fmt_p
    from webapp.research.service import wave_report

    user = _researcher()
    context = _survey(survey)
    try:
        info = context.wave(wave)
    except NotFound:
        abort(404)
    found: dict[str, Any] | None = None
    problem = None
    drivers = None
    if not info.is_open:  # an open wave releases nothing: the page says so
        try:
            found = wave_report(_db(), survey, wave)
        except InputError as exc:
            problem = str(exc)
        if found is not None:
            drivers = _drivers(context.definition, survey, wave)
    page = render_template(
        "research/report.html",
        definition=context.definition,
        wave=info,
        report=found,
        problem=problem,
        fmt=page_fmt,
        fmt_ci=page_fmt_ci,
        fmt_p=page_fmt_p,
        number=number,
        user=user,
        drivers=drivers,
    )
    return (page, 409) if problem or info.is_open else page


def _drivers(definition: Any, survey: str, wave: str) -> dict[str, Any] | None:
    """The drivers section (:mod:`webapp.results.drivers`), None without outcome scales."""
    from webapp.research.drivers_view import build_drivers
    from webapp.results.drivers import wave_drivers

    return build_drivers(definition, wave_drivers(_db(), survey, wave))


def _stylesheet() -> str:
    """The site's and the research pages' style sheets, for a report file that stands alone."""
    from pathlib import Path

    parts = [Path(current_app.static_folder or "", "samen.css")]
    parts.append(Path(bp.static_folder or "", "research.css"))
    return "\n".join(path.read_text(encoding="utf-8") for path in parts)


@bp.get("/<survey>/<wave>/report.<any(html, json):kind>")
def report_file(survey: str, wave: str, kind: str) -> Response | str | tuple[str, int]:
    """The psychometric report of one closed wave as a file to download (409 while the wave
    is open or when no report can be made, as the page)."""
    from datetime import date

    from webapp.research.numbers import page_fmt, page_fmt_ci, page_fmt_p
    from webapp.research.service import report_json, wave_report

    _researcher()
    context = _survey(survey)
    try:
        info = context.wave(wave)
    except NotFound:
        abort(404)
    if info.is_open:
        return report(survey, wave)  # the page says why there is no file yet
    try:
        found = wave_report(_db(), survey, wave)
    except InputError:
        return report(survey, wave)
    name = f"samen-report-{survey}-{wave}.{kind}"
    if kind == "json":
        payload = report_json(found).encode("utf-8")
        mimetype = "application/json"
    else:
        payload = render_template(
            "research/report.html",
            layout="research/_file.html",
            standalone=True,
            stylesheet=_stylesheet(),
            made_on=date.today().isoformat(),
            definition=context.definition,
            wave=info,
            report=found,
            problem=None,
            fmt=page_fmt,
            fmt_ci=page_fmt_ci,
            fmt_p=page_fmt_p,
            number=number,
        ).encode("utf-8")
        mimetype = "text/html"
    return send_file(
        io.BytesIO(payload), mimetype=mimetype, as_attachment=True, download_name=name
    )
