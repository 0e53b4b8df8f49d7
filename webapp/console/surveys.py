"""``/console/surveys``: compose a survey with a form, edit it, its YAML file, a preview.

The form becomes the survey file the CLI reads (:mod:`webapp.console.survey_form`), written
to a temporary file and stored by the CLI's own service (:func:`surveys.definitions.
create_survey`; :func:`surveys.editing.update_survey` for a change), so the console adds no
second way of storing a survey and shows the CLI's messages, each next to its field.

- ``surveys``: the surveys, the YAML upload, links to each survey's pages;
- ``surveys_new`` (GET form, POST create), ``surveys_edit`` (GET form, POST change;
  settings the privacy profile locks are shown fixed once a wave has responses or is open);
- ``surveys_download``: the survey file (YAML); ``surveys_upload`` (POST): create or change
  a survey from a YAML file;
- ``surveys_preview``: every page as a respondent sees it, per language (nothing stored).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response

from surveys.errors import InputError, NotFound, SamenError
from webapp.console import bp
from webapp.console.survey_form import (
    LANGUAGES,
    SurveyForm,
    field_errors,
    filter_choices,
    form_data_from_settings,
    instrument_choices,
    settings_from_form,
)
from webapp.i18n import current_language

__all__ = ["YamlForm", "lock_text"]

#: Name of the temporary survey file; messages name it, so it reads as the form's file.
FORM_FILE = "survey.yaml"
#: Largest survey file the console takes.
MAX_YAML_BYTES = 60 * 1024


class YamlForm(FlaskForm):
    """A survey file to create a survey from, or to change the survey it names."""

    file = FileField(_l("Survey file (YAML)"), validators=[FileRequired(_l("Choose a file."))])


def _db() -> Any:
    return current_app.extensions["samen_db"]


def _survey_or_404(slug: str) -> Any:
    from surveys.definitions import get_survey

    try:
        return get_survey(_db(), slug)
    except NotFound:
        abort(404)


def _store(settings: dict[str, Any], change: bool) -> tuple[str, list[str]]:
    """Write ``settings`` as a survey file and create (or change) the survey from it."""
    return _store_raw(yaml.safe_dump(settings, allow_unicode=True).encode("utf-8"), change)


def _created_message(slug: str) -> None:
    """The CLI's report of a created survey, as flashes."""
    from surveys.definitions import get_survey

    definition = get_survey(_db(), slug)
    flash(
        _(
            "Survey %(slug)s created: %(instruments)s instruments, %(questions)s questions, "
            "k = %(k)s.",
            slug=slug,
            instruments=len(definition.instruments),
            questions=len(definition.items),
            k=definition.min_group_size,
        ),
        "success",
    )
    if definition.open_link:
        flash(
            _(
                "Anyone with the open link can add answers: results are shown only for the "
                "organisation and the units directly below it, for groups of at least "
                "%(n)s responses, without filters.",
                n=definition.open_link_k,
            ),
            "info",
        )


def lock_text(lock: Any) -> str | None:
    """Why the privacy settings are fixed, in the interface language (None: they are not)."""
    if lock is None:
        return None
    if lock.kind == "open":
        return _(
            "round %(wave)s is open and respondents may have answers in progress", wave=lock.wave
        )
    return _(
        "round %(wave)s has responses, and its respondents were promised these settings",
        wave=lock.wave,
    )


def _form(data: dict[str, Any] | None = None) -> SurveyForm:
    form = SurveyForm(data=data) if data is not None else SurveyForm()
    form.instruments.choices = instrument_choices(current_language())
    form.filter_question.choices = filter_choices(current_language())
    return form


def _list_page(
    upload: YamlForm, problems: list[str] | None = None, status: int = 200
) -> tuple[str, int]:
    from surveys.definitions import list_surveys
    from surveys.editing import locked_reason
    from surveys.waves import list_waves

    db = _db()
    rows = [
        (s, list_waves(db, s.slug), lock_text(locked_reason(db, s.slug))) for s in list_surveys(db)
    ]
    page = render_template(
        "console/surveys.html",
        rows=rows,
        upload=upload,
        languages=LANGUAGES,
        problems=problems or [],
    )
    return page, status


@bp.get("/surveys")
def surveys() -> tuple[str, int]:
    """The surveys, each with its pages, and the YAML upload."""
    return _list_page(YamlForm())


@bp.route("/surveys/new", methods=["GET", "POST"])
def surveys_new() -> Response | tuple[str, int]:
    """Compose a new survey (POST/redirect/GET); the CLI's messages next to the fields."""
    form = _form({"languages": list(LANGUAGES)} if not _posted() else None)
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            slug, _changed = _store(settings_from_form(form), change=False)
        except InputError as exc:
            problems = field_errors(form, exc.problems or [str(exc)], FORM_FILE)
        except SamenError as exc:  # the id is taken
            form.id.errors = [str(exc)]
        else:
            _created_message(slug)
            return redirect(url_for("console.surveys"))
    status = 422 if _posted() else 200
    page = render_template(
        "console/survey_form.html", form=form, problems=problems, locked=None, slug=None
    )
    return page, status


def _posted() -> bool:
    from flask import request

    return request.method == "POST"


@bp.route("/surveys/<slug>/edit", methods=["GET", "POST"])
def surveys_edit(slug: str) -> Response | tuple[str, int]:
    """Change a survey. Locked settings (see :data:`surveys.editing.LOCKED`) are shown fixed,
    with the reason, once a wave has responses or is open; their stored values are kept."""
    from surveys.editing import LOCKED, locked_reason, stored_settings

    _survey_or_404(slug)
    stored = stored_settings(_db(), slug)
    reason = locked_reason(_db(), slug)
    form = _form(form_data_from_settings(stored) if not _posted() else None)
    problems: list[str] = []
    if form.validate_on_submit():
        settings = settings_from_form(form)
        settings["id"] = slug  # the id names the survey in links and commands: fixed
        if reason is not None:  # disabled fields send nothing: keep what is stored
            settings.update({key: stored[key] for key in LOCKED if key in stored})
            for key in LOCKED:
                if key not in stored:
                    settings.pop(key, None)
        try:
            _slug, changed = _store(settings, change=True)
        except InputError as exc:
            problems = field_errors(form, exc.problems or [str(exc)], FORM_FILE)
        else:
            if changed:
                flash(
                    _(
                        "Survey %(slug)s changed: %(settings)s.",
                        slug=slug,
                        settings=", ".join(changed),
                    ),
                    "success",
                )
            else:
                flash(_("Nothing changed in survey %(slug)s.", slug=slug), "info")
            return redirect(url_for("console.surveys"))
    if reason is not None:  # show the stored values in the fixed fields
        fixed = form_data_from_settings(stored)
        for name in _locked_fields():
            form[name].data = fixed[name]
    form.id.data = slug
    page = render_template(
        "console/survey_form.html",
        form=form,
        problems=problems,
        locked=lock_text(reason),
        locked_fields=_locked_fields() if reason else (),
        slug=slug,
    )
    return page, 422 if _posted() else 200


def _locked_fields() -> tuple[str, ...]:
    """The form fields of the locked settings."""
    return (
        "languages",
        "instruments",
        "demographics",
        "unwanted_behaviour",
        "open_comments",
        "filter_question",
        "min_group_size",
        "comment_threshold",
        "retention_days",
        "access",
    )


@bp.get("/surveys/<slug>/survey.yaml")
def surveys_download(slug: str) -> Response:
    """The survey file (YAML) of ``slug``: ``samen survey create`` takes it back."""
    from surveys.editing import survey_yaml

    _survey_or_404(slug)
    response = current_app.response_class(
        survey_yaml(_db(), slug), mimetype="application/yaml; charset=utf-8"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}.yaml"'
    return response


@bp.post("/surveys/upload")
def surveys_upload() -> Response | tuple[str, int]:
    """Create a survey from a YAML file, or change the survey with its id."""
    from surveys.definitions import list_surveys

    form = YamlForm()
    problems: list[str] = []
    if form.validate_on_submit():
        raw = form.file.data.read(MAX_YAML_BYTES + 1)
        if len(raw) > MAX_YAML_BYTES:
            form.file.errors = [_("The file is larger than %(kb)s KB.", kb=MAX_YAML_BYTES // 1024)]
        else:
            try:
                settings = yaml.safe_load(raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, yaml.YAMLError):
                settings = None
            exists = isinstance(settings, dict) and settings.get("id") in {
                s.slug for s in list_surveys(_db())
            }
            try:
                slug, changed = _store_raw(raw, change=exists)
            except InputError as exc:
                problems = exc.problems or [str(exc)]
            except SamenError as exc:
                problems = [str(exc)]
            else:
                if exists:
                    flash(
                        _(
                            "Survey %(slug)s changed: %(settings)s.",
                            slug=slug,
                            settings=", ".join(changed) or "-",
                        ),
                        "success",
                    )
                else:
                    _created_message(slug)
                return redirect(url_for("console.surveys"))
    return _list_page(form, problems, status=422)


def _store_raw(raw: bytes, change: bool) -> tuple[str, list[str]]:
    """Create (or change) a survey from the survey file ``raw``, with the CLI's services;
    messages name the file ``survey.yaml``, not the temporary path."""
    from surveys.definitions import create_survey
    from surveys.editing import update_survey

    with tempfile.TemporaryDirectory(prefix="samen-survey-") as folder:
        path = Path(folder) / FORM_FILE
        path.write_bytes(raw)
        try:
            if change:
                return update_survey(_db(), path)
            return create_survey(_db(), path), []
        except InputError as exc:
            problems = [p.replace(str(path), FORM_FILE) for p in exc.problems or [str(exc)]]
            raise InputError(str(exc).replace(str(path), FORM_FILE), problems) from None


from webapp.console import preview  # noqa: E402, F401  (the preview's views)
