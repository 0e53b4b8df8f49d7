"""The export form: which closed wave, file format, label language and export profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

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
    # profile and picked questions: choices from webapp.research.export_profiles / the survey
    profile = SelectField(_l("Export profile"), default="full", validators=[DataRequired()])
    question_1 = SelectField(_l("Pick: first demographic question"), validators=[Optional()])
    question_2 = SelectField(_l("Pick: second demographic question"), validators=[Optional()])
    order = StringField(
        _l("Importance order (question ids, most important first, comma-separated)"),
        validators=[Optional(), Length(max=500)],
    )
    suppression = SelectField(
        _l("Suppression"),
        choices=[
            SelectChoice("local", _l("Local: withhold the fewest cells")),
            SelectChoice("columns", _l("Columns: withhold a whole column per rare row")),
        ],
        default="local",
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Download (zip)"))
