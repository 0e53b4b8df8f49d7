"""The leader's questionnaire as one form: a radio field per item, in the leader's wording."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.form import BaseForm
from wtforms.validators import Optional

from surveys.leaders import LeaderScale
from webapp.i18n import localized
from webapp.respond.draft import NOT_APPLICABLE
from webapp.respond.forms import answer_choices

__all__ = ["answers_of", "leader_form"]


def leader_form(
    scales: Sequence[LeaderScale],
    formdata: MultiDict | None = None,
    answers: Mapping[str, int] | None = None,
) -> BaseForm:
    """The form (item ids as field names, like the respondent pages); every answer optional."""
    fields = {
        item.id: RadioField(
            localized(scale.texts[item.id]),
            choices=[SelectChoice(value, label) for value, label in answer_choices(item)],
            validators=[Optional()],
        )
        for scale in scales
        for item in scale.items
    }
    form = BaseForm(fields, meta=FlaskForm.Meta())
    data = {key: str(value) for key, value in (answers or {}).items()}
    form.process(formdata, data=data)
    return form


def answers_of(form: BaseForm, scales: Sequence[LeaderScale]) -> dict[str, int | None]:
    """Item id -> code from a validated form ("not applicable" and skipped: None)."""
    out: dict[str, int | None] = {}
    for scale in scales:
        for item in scale.items:
            value = form[item.id].data
            out[item.id] = int(value) if value and value != NOT_APPLICABLE else None
    return out
