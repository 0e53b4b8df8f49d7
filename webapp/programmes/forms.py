"""The one form of the programme pages: removing a programme (admins only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

__all__ = ["RemoveForm"]


class RemoveForm(FlaskForm):
    """Only the CSRF token and the button: removing changes state, so it is a POST."""

    submit = SubmitField(_l("Remove programme"))
