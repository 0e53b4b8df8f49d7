"""Forms generated from an instrument page, plus the small fixed forms of the respondent app.

A page form has one :class:`RadioItem` per item: the field name is the item id and the
values are the response codes as strings, plus ``"na"`` when the response scale has a "not
applicable" answer. Every answer is optional: a respondent may skip any question (an ethics
and GDPR requirement for special-category questions, and forced answers invite random ones);
scoring treats a skipped item as missing.

Page forms are plain :class:`PageForm` objects rather than WTForms forms: a page has some 60
answer options, and WTForms builds and renders a field and a widget object per option, which
made most of the server's time per question page. They render the same markup
(``<input id="ITEM-N" name="ITEM" type="radio" value="V">``) and keep items in a mapping,
so an item id such as ``data`` or ``meta`` shadows nothing. CSRF is checked for every POST by
the app's ``CSRFProtect`` (:mod:`webapp.extensions`), as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, TextAreaField
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
    "OpenItem",
    "PageForm",
    "RadioItem",
    "StartForm",
    "SubmitForm",
    "TamperedForm",
    "UnitForm",
    "answer_choices",
    "answer_values",
    "check_fields",
    "open_items",
    "page_answers",
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


def answer_values(item: Item) -> frozenset[str]:
    """The values ``item``'s options post: the values of :func:`answer_choices`, without
    their labels (which cost a translation lookup each)."""
    scale = item.response_scale
    values = {str(point) for point in scale.points}
    if scale.not_applicable:
        values.add(NOT_APPLICABLE)
    if scale.prefer_not_to_say:
        values.add(PREFER_NOT_TO_SAY)
    return frozenset(values)


@dataclass(frozen=True)
class _Label:
    text: str


class RadioItem:
    """One item of a page form: what the ``radio_item`` macro renders, without WTForms'
    per-option field and widget objects (the markup is the same as ``RadioField``'s)."""

    __slots__ = ("choices", "data", "errors", "label", "name")

    def __init__(self, name: str, text: str, choices: list[tuple[str, str]], data: str | None):
        self.name = name
        self.label = _Label(text)
        self.choices = choices
        self.data = data
        self.errors: list[str] = []

    @property
    def id(self) -> str:
        return self.name

    def options(self) -> Markup:
        """Every answer option as ``<label><input type="radio"> <span>text</span></label>``."""
        name = escape(self.name)
        parts = []
        for index, (value, label) in enumerate(self.choices):
            checked = "checked " if value == self.data else ""
            css = "option option-na" if value in (NOT_APPLICABLE, PREFER_NOT_TO_SAY) else "option"
            parts.append(
                f'<label class="{css}" for="{name}-{index}">\n'
                f'        <input {checked}id="{name}-{index}" name="{name}" type="radio" '
                f'value="{escape(value)}">\n'
                f"        <span>{escape(label)}</span>\n"
                f"      </label>"
            )
        return Markup("\n      ".join(parts))


class PageForm:
    """The form of one page: a :class:`RadioItem` per item, by item id (a mapping, so an item
    id such as ``data`` or ``meta`` never shadows a form attribute)."""

    def __init__(self, items: dict[str, RadioItem]) -> None:
        self._items = items

    def __getitem__(self, item_id: str) -> RadioItem:
        return self._items[item_id]

    def __iter__(self) -> Iterator[RadioItem]:
        return iter(self._items.values())

    def validate(self) -> bool:
        """Whether every answer is one of its item's options (or no answer)."""
        return all(
            item.data is None or item.data in {value for value, _label in item.choices}
            for item in self
        )


def page_form(
    page: Page, formdata: MultiDict | None = None, answers: Mapping[str, str] | None = None
) -> PageForm:
    """The form of ``page``, filled from a POST (``formdata``) or from the draft (``answers``).

    An empty or blank posted value is no answer, as WTForms' ``Optional`` treats it;
    :meth:`PageForm.validate` refuses any other value that is not an option (a radio button
    can only send listed values: a tampered form).
    """
    items = {}
    for item in page.items:
        data = formdata.get(item.id) if formdata is not None else (answers or {}).get(item.id)
        if data is not None and not data.strip():
            data = None
        items[item.id] = RadioItem(item.id, localized(item.text), answer_choices(item), data)
    return PageForm(items)


def page_answers(page: Page, formdata: MultiDict) -> dict[str, str | None]:
    """The answers a POST of ``page`` gives, item id -> value (None: no answer), as
    :func:`page_form` with ``formdata`` reads them and :meth:`PageForm.validate` accepts them,
    without building the form: :class:`TamperedForm` for a value that is not an option of
    its item (a radio button can only send listed values). Unknown and repeated fields are
    :func:`check_fields`'s to refuse."""
    answers: dict[str, str | None] = {}
    for item in page.items:
        data = formdata.get(item.id)
        if data is not None and not data.strip():
            data = None
        if data is not None and data not in answer_values(item):
            raise TamperedForm(f"{item.id}: {data!r} is not one of its options")
        answers[item.id] = data
    return answers


class OpenItem:
    """One open question of a page: a text box the ``textarea`` macro renders (label, hint,
    errors), with the question id as field name and id, at most :data:`COMMENT_MAX_CHARS`."""

    __slots__ = ("data", "errors", "label", "name")

    def __init__(self, name: str, text: str, data: str) -> None:
        self.name = name
        self.label = _Label(text)
        self.data = data
        self.errors: list[str] = []

    @property
    def id(self) -> str:
        return self.name

    def __call__(self, **attrs: object) -> Markup:
        """``<textarea id=... name=...>text</textarea>`` with ``attrs`` (rows, maxlength...)."""
        shown = "".join(
            f' {escape(key.replace("_", "-"))}="{escape(value)}"' for key, value in attrs.items()
        )
        name = escape(self.name)
        return Markup(
            f'<textarea id="{name}" name="{name}"{shown}>\n{escape(self.data)}</textarea>'
        )

    @property
    def too_long(self) -> bool:
        return len(self.data) > COMMENT_MAX_CHARS


def open_items(
    page: Page, formdata: MultiDict | None = None, answers: Mapping[str, str] | None = None
) -> list[OpenItem]:
    """The open questions of ``page`` as text boxes, filled from a POST or the draft."""
    out = []
    for question in page.open_questions:
        if formdata is not None:
            data = (formdata.get(question.id) or "").replace("\r\n", "\n").strip()
        else:
            data = (answers or {}).get(question.id, "")
        out.append(OpenItem(question.id, localized(question.text), data))
    return out


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
