"""The export form: which closed wave, which file format, which label language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

__all__ = ["ExportForm"]


class ExportForm(FlaskForm):
    """Choices are filled in by the route from the survey (closed waves, its languages)."""

    wave = SelectField(_l("Wave"), validators=[DataRequired()])
    format = SelectField(
        _l("File format"),
        choices=[
            SelectChoice("csv", _l("CSV (text, UTF-8)")),
            SelectChoice("sav", _l("SPSS (.sav, with labels)")),
            SelectChoice("xlsx", _l("Excel (.xlsx)")),
        ],
        default="csv",
        validators=[DataRequired()],
    )
    language = SelectField(_l("Language of labels"), validators=[DataRequired()])
    submit = SubmitField(_l("Download (zip)"))
