"""Forms generated from an instrument page, plus the small fixed forms of the respondent app.

A page form has one :class:`~wtforms.RadioField` per item: the field name is the item id and the
values are the response codes as strings, plus ``"na"`` when the response scale has a "not
applicable" answer. Every answer is optional: a respondent may skip any question (an ethics
and GDPR requirement for special-category questions, and forced answers invite random ones);
scoring treats a skipped item as missing.

Page forms are :class:`~wtforms.form.BaseForm` instances rather than ``FlaskForm`` subclasses
because item ids become field names, and an item id such as ``data`` or ``meta`` would shadow a
form attribute; ``BaseForm`` keeps fields in a mapping. They use ``FlaskForm.Meta``, so CSRF
works as in every other form.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.form import BaseForm
from wtforms.validators import InputRequired, Length, Optional

from instruments.model import Item
from webapp.i18n import localized
from webapp.respond.draft import NOT_APPLICABLE, PREFER_NOT_TO_SAY
from webapp.respond.questionnaire import Page

__all__ = [
    "COMMENT_MAX_CHARS",
    "NAV_FIELD",
    "CommentForm",
    "ConsentForm",
    "StartForm",
    "SubmitForm",
    "TamperedForm",
    "UnitForm",
    "answer_choices",
    "check_fields",
    "page_form",
]

#: Longest open comment, in characters.
COMMENT_MAX_CHARS = 1000
#: Name of the submit buttons that say where to go: ``back`` or ``next``.
NAV_FIELD = "nav"
_CSRF_FIELD = "csrf_token"


class TamperedForm(ValueError):
    """The posted form is not one our pages can produce (unknown field, repeated field)."""


def answer_choices(item: Item) -> list[tuple[str, str]]:
    """``(value, label)`` pairs for ``item``: its response codes, then ``na`` and ``pn`` (prefer
    not to say) where its scale has them."""
    scale = item.response_scale
    labels = localized(scale.labels)
    choices = [
        (str(point), labels.get(point, str(point)) if isinstance(labels, dict) else str(point))
        for point in scale.points
    ]
    if scale.not_applicable:
        choices.append((NOT_APPLICABLE, localized(scale.not_applicable)))
    if scale.prefer_not_to_say:
        choices.append((PREFER_NOT_TO_SAY, localized(scale.prefer_not_to_say)))
    return choices


def page_form(
    page: Page, formdata: MultiDict | None = None, answers: Mapping[str, str] | None = None
) -> BaseForm:
    """The form of ``page``, filled from a POST (``formdata``) or from the draft (``answers``)."""
    fields = {
        item.id: RadioField(
            localized(item.text),
            choices=[SelectChoice(value, label) for value, label in answer_choices(item)],
            validators=[Optional()],
        )
        for item in page.items
    }
    form = BaseForm(fields, meta=FlaskForm.Meta())
    form.process(formdata, data=dict(answers or {}))
    return form


def check_fields(formdata: MultiDict, allowed: set[str]) -> None:
    """Raise :class:`TamperedForm` for a field our page does not have, or a repeated field."""
    for name in formdata:
        if name not in allowed and name not in (_CSRF_FIELD, NAV_FIELD):
            raise TamperedForm(f"unknown field {name!r}")
        if len(formdata.getlist(name)) > 1:
            raise TamperedForm(f"field {name!r} given more than once")


class ConsentForm(FlaskForm):
    """Agree or decline to see special-category questions (the buttons carry the choice)."""


class CommentForm(FlaskForm):
    """The optional open comment."""

    comment = TextAreaField(
        _l("Your comment (optional)"), validators=[Optional(), Length(max=COMMENT_MAX_CHARS)]
    )


class UnitForm(FlaskForm):
    """The open link's "pick your unit"; choices are set from the unit list per request."""

    unit = SelectField(
        _l("Your team or department"),
        validators=[InputRequired(_l("Choose your team or department."))],
    )


class StartForm(FlaskForm):
    """The invitation link's button: exchange the link for a right to answer (POST only).

    A GET of the link (a mail scanner, a link preview, a curious list holder) uses nothing.
    """


class SubmitForm(FlaskForm):
    """The review page's send button."""
