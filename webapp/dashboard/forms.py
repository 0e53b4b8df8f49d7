"""The action-plan form: up to three focus points, each with the action the team agreed,
the role that owns it and a date (:mod:`surveys.plans`)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from surveys.plans import MAX_ACTION, MAX_FOCUS, MAX_ROLE

__all__ = ["FocusForm", "PlanForm"]


class FocusForm(Form):
    """One focus point; empty when ``ref`` is empty (then the other fields are ignored)."""

    ref = SelectField(_l("Scale or statement"), choices=[], validate_choice=False)
    action = TextAreaField(_l("What the team agreed to do"), validators=[Length(max=MAX_ACTION)])
    owner_role = StringField(
        _l("Who takes it up (a role, not a name)"), validators=[Length(max=MAX_ROLE)]
    )
    due_on = DateField(_l("By when"), validators=[Optional()])


class PlanForm(FlaskForm):
    focus = FieldList(FormField(FocusForm), min_entries=MAX_FOCUS, max_entries=MAX_FOCUS)
    shared = BooleanField(_l("Share this plan's text with the survey owner"))
    submit = SubmitField(_l("Save the plan"))

    def set_choices(self, choices: list[tuple[str, Any]]) -> None:
        """``choices``: ``[(value, label)]`` or ``[(group, [(value, label)])]`` for each slot."""
        for entry in self.focus:
            entry.form.ref.choices = choices

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        allowed = {
            value
            for entry in self.focus
            for _group, options in entry.form.ref.choices
            for value, _label in options
        }
        filled = 0
        refs = set()
        for entry in self.focus:
            sub = entry.form
            if not sub.ref.data:
                continue
            filled += 1
            if sub.ref.data not in allowed:
                sub.ref.errors.append(_l("Choose a scale or statement from the list."))
                ok = False
            elif sub.ref.data in refs:
                sub.ref.errors.append(_l("This one is already a focus point."))
                ok = False
            refs.add(sub.ref.data)
            if not (sub.action.data or "").strip():
                sub.action.errors.append(_l("Write down what the team agreed to do."))
                ok = False
            if not (sub.owner_role.data or "").strip():
                sub.owner_role.errors.append(_l("Name the role that takes it up."))
                ok = False
            if sub.due_on.data is None and not sub.due_on.errors:
                sub.due_on.errors.append(_l("Give a date."))
                ok = False
        if filled == 0:
            self.focus[0].form.ref.errors.append(_l("Choose at least one focus point."))
            ok = False
        return ok
