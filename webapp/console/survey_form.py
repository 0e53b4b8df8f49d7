"""The survey form of the console, and its round trip to the survey file of the CLI.

:func:`settings_from_form` turns the form into the mapping a survey YAML file holds (the
same keys ``samen survey create`` reads); :func:`form_data_from_settings` fills the form
from stored settings. :func:`field_errors` puts each problem of ``create_survey`` /
``update_survey`` (``FILE: KEY: message``) next to the field it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

__all__ = [
    "LANGUAGES",
    "SurveyForm",
    "field_errors",
    "filter_choices",
    "form_data_from_settings",
    "instrument_choices",
    "settings_from_form",
]

#: Languages the form offers (those of the interface and the built-in instruments).
LANGUAGES = ("nl", "en")
#: Built-in instruments that are optional modules, not choices in the instrument list.
MODULE_INSTRUMENTS = ("demographics", "unwanted_behaviour")
#: Per-language text settings: (setting, form field prefix).
TEXTS = ("title", "organisation", "description")


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (no JavaScript, no multi-select box)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def instrument_choices(language: str) -> list[SelectChoice]:
    """(id, title in ``language``) of each built-in instrument that is not a module."""
    from instruments import load_any
    from instruments.library import list_builtin

    choices = []
    for ref in list_builtin():
        if ref in MODULE_INSTRUMENTS:
            continue
        title = load_any(ref).title
        choices.append(SelectChoice(ref, title.get(language) or next(iter(title.values()))))
    return choices


def filter_choices(language: str) -> list[SelectChoice]:
    """The questions of the built-in demographics module, after "the default"."""
    from flask_babel import gettext

    from instruments import load_any

    choices = [SelectChoice("", gettext("The default (gender)"))]
    for item in load_any("demographics").items:
        choices.append(SelectChoice(item.id, item.text.get(language) or item.id))
    return choices


class SurveyForm(FlaskForm):
    """Every setting of a survey file that a survey owner chooses."""

    id = StringField(_l("Short name (id)"))
    title_nl = StringField(_l("Title in Dutch"))
    title_en = StringField(_l("Title in English"))
    organisation_nl = StringField(_l("Who runs the survey, in Dutch"))
    organisation_en = StringField(_l("Who runs the survey, in English"))
    description_nl = TextAreaField(_l("Introduction in Dutch"))
    description_en = TextAreaField(_l("Introduction in English"))
    languages = MultiCheckboxField(
        _l("Languages"),
        choices=[SelectChoice("nl", _l("Dutch")), SelectChoice("en", _l("English"))],
    )
    instruments = MultiCheckboxField(_l("Instruments"))
    demographics = BooleanField(_l("Background questions (the filters of the dashboards)"))
    unwanted_behaviour = BooleanField(_l("Unwanted behaviour (sensitive, asked with consent)"))
    filter_question = SelectField(
        _l("Filter question: the one background question results may be split by"),
        validate_choice=False,
    )
    open_comments = BooleanField(_l("An open comment at the end"))
    min_group_size = StringField(_l("Minimum group size k (responses)"), default="5")
    comment_threshold = StringField(_l("Comment threshold (writers)"), default="10")
    retention_days = StringField(
        _l("Keep responses for (days after the round closes)"), default="730"
    )
    access = RadioField(
        _l("How respondents get in"),
        choices=[
            SelectChoice("invitations", _l("Personal invitation links, one per person")),
            SelectChoice(
                "open_link", _l("One open link for everyone (respondents pick their unit)")
            ),
        ],
        default="invitations",
    )
    privacy_contact = StringField(_l("Privacy contact (optional)"))


def _number(text: str | None) -> int | str:
    """A whole number when ``text`` is one; else the text, for the survey check's message."""
    value = (text or "").strip()
    try:
        return int(value)
    except ValueError:
        return value


def settings_from_form(form: SurveyForm) -> dict[str, Any]:
    """The survey file's settings: only what the form says, texts for its languages only."""
    languages = [lang for lang in LANGUAGES if lang in (form.languages.data or [])]
    settings: dict[str, Any] = {"id": (form.id.data or "").strip()}
    for key in TEXTS:
        texts = {}
        for lang in languages or LANGUAGES:
            value = (form[f"{key}_{lang}"].data or "").strip()
            if value:
                texts[lang] = value
        if texts or key != "description":
            settings[key] = texts
    settings["languages"] = languages
    settings["instruments"] = list(form.instruments.data or [])
    settings["modules"] = {
        "demographics": bool(form.demographics.data),
        "unwanted_behaviour": bool(form.unwanted_behaviour.data),
        "open_comments": bool(form.open_comments.data),
    }
    question = (form.filter_question.data or "").strip()
    if question:
        settings["filter_question"] = question
    for key in ("min_group_size", "comment_threshold", "retention_days"):
        settings[key] = _number(form[key].data)
    settings["release"] = "closed"
    settings["open_link"] = form.access.data == "open_link"
    contact = (form.privacy_contact.data or "").strip()
    if contact:
        settings["privacy_contact"] = contact
    return settings


def form_data_from_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Form data from a survey file's settings (for editing a stored survey)."""
    data: dict[str, Any] = {"id": settings.get("id", "")}
    for key in TEXTS:
        texts = settings.get(key) or {}
        for lang in LANGUAGES:
            data[f"{key}_{lang}"] = texts.get(lang, "") if isinstance(texts, dict) else ""
    data["languages"] = list(settings.get("languages") or [])
    data["instruments"] = [str(ref) for ref in settings.get("instruments") or []]
    modules = settings.get("modules") or {}
    for module in ("demographics", "unwanted_behaviour", "open_comments"):
        data[module] = bool(modules.get(module))
    data["filter_question"] = str(settings.get("filter_question") or "")
    data["min_group_size"] = str(settings.get("min_group_size", 5))
    data["comment_threshold"] = str(settings.get("comment_threshold", 10))
    data["retention_days"] = str(settings.get("retention_days", 730))
    data["access"] = "open_link" if settings.get("open_link") else "invitations"
    contact = settings.get("privacy_contact")
    data["privacy_contact"] = (
        contact if isinstance(contact, str) else "; ".join(dict(contact or {}).values())
    )
    return data


def _fields_for(key: str, message: str, languages: Iterable[str]) -> list[str]:
    """The form fields a problem about setting ``key`` belongs next to (none: the form's).

    A text missing in several languages goes next to each of their fields.
    """
    base = key.split(".")[0]
    if base in TEXTS:
        named = [f"{base}_{lang}" for lang in LANGUAGES if repr(lang) in message]
        return named or [f"{base}_{next(iter(languages), LANGUAGES[0])}"]
    if base == "modules":
        module = key.partition(".")[2]
        modules = ("demographics", "unwanted_behaviour", "open_comments")
        return [module if module in modules else "instruments"]
    if base in ("open_link", "open_link_k", "open_link_limit"):
        return ["access"]
    if base in (
        "id",
        "languages",
        "instruments",
        "min_group_size",
        "comment_threshold",
        "retention_days",
        "privacy_contact",
        "filter_question",
    ):
        return [base]
    return []


def field_errors(form: SurveyForm, problems: Iterable[str], filename: str) -> list[str]:
    """Put each ``FILE: KEY: message`` problem next to its field; the rest are returned."""
    languages = form.languages.data or []
    rest = []
    for problem in problems:
        text = problem.removeprefix(f"{filename}: ")
        key, sep, message = text.partition(": ")
        names = _fields_for(key, message, languages) if sep else []
        if not names:
            rest.append(text)
        for name in names:
            field = form[name]
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.append(f"{key}: {message}")
    return rest
