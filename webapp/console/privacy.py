"""``/console/privacy``: the disclosure audit of a wave, the privacy page, and retention.

- The audit is ``samen audit`` (:func:`webapp.research.service.audit_survey`): every view a
  role can request in a released (closed) wave, checked together; the page shows its summary
  in words and every finding. Open waves release nothing, so there is nothing to audit yet.
- Retention: each closed wave's responses are kept ``retention_days`` (the survey's setting)
  after it closed; then the wave has *expired* and can be purged for good with
  :func:`surveys.purge.purge_expired` (``samen purge SURVEY --expired``). The purge asks
  twice: a button leads to a page that lists what will be deleted, whose form needs a tick.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SubmitField

from surveys.errors import NotFound, SamenError
from surveys.survey_definition import SurveyDefinition
from surveys.waves import WaveInfo
from webapp.auth.session import database
from webapp.console import bp
from webapp.console.access import admin

__all__ = ["AuditForm", "PurgeForm", "Retention", "retention"]


class AuditForm(FlaskForm):
    """Which closed wave to audit (``samen audit SURVEY --wave W``)."""

    wave = SelectField(_l("Round"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Run the audit"))


class PurgeForm(FlaskForm):
    """The second question before a purge."""

    sure = BooleanField(_l("Yes, delete these responses for good"))
    submit = SubmitField(_l("Delete for good"))


@dataclass(frozen=True)
class Retention:
    """One wave's retention: until when it is kept and whether it may be purged now."""

    wave: WaveInfo
    keep_until: dt.date | None  # None while the wave is open
    expired: bool


def retention(
    definition: SurveyDefinition, waves: list[WaveInfo], today: dt.date
) -> list[Retention]:
    """Each wave's retention on ``today``: a closed wave is kept ``retention_days`` after it
    closed and has expired from the day after (what ``samen purge --expired`` deletes)."""
    out = []
    for wave in waves:
        until = None
        if wave.closed_on is not None:
            until = wave.closed_on + dt.timedelta(days=definition.retention_days)
        expired = until is not None and wave.purged_on is None and until < today
        out.append(Retention(wave, until, expired))
    return out


def _survey(slug: str) -> SurveyDefinition:
    from surveys.survey_store import get_survey

    try:
        return get_survey(database(), slug)
    except NotFound:
        abort(404)


def _context(definition: SurveyDefinition) -> dict[str, Any]:
    from surveys._common import today
    from surveys.waves import list_waves

    waves = list_waves(database(), definition.slug)
    rows = retention(definition, waves, today())
    form = AuditForm(formdata=None)
    form.wave.choices = [(w.label, w.label) for w in waves if w.state == "closed"]
    return {
        "s": definition,
        "rows": rows,
        "expired": [r for r in rows if r.expired],
        "audit_form": form,
    }


@bp.get("/privacy")
def privacy() -> Any:
    """The surveys, each with a link to its audit, privacy settings and retention."""
    from surveys.survey_store import list_surveys

    admin()
    surveys = list_surveys(database())
    return render_template("console/privacy.html", surveys=surveys)


@bp.get("/privacy/<survey>")
def privacy_survey(survey: str) -> str:
    """A survey's privacy settings, the audit form and each wave's retention."""
    admin()
    return render_template("console/privacy_survey.html", **_context(_survey(survey)))


@bp.post("/privacy/<survey>/audit")
def privacy_audit(survey: str) -> Any:
    """Run ``samen audit`` on one closed wave and show what it found."""
    from surveys.audit_runs import record_run
    from webapp.research.service import audit_survey

    admin()
    definition = _survey(survey)
    context = _context(definition)
    form = AuditForm()
    form.wave.choices = context["audit_form"].wave.choices
    labels = [value for value, _label in form.wave.choices]
    if not form.validate_on_submit():
        return render_template("console/privacy_survey.html", **context), 400
    if form.wave.data not in labels:
        form.wave.errors = [_("Choose a closed round: an open round releases nothing yet.")]
        context["audit_form"] = form
        return render_template("console/privacy_survey.html", **context), 400
    try:
        result = audit_survey(database(), survey, form.wave.data)
    except SamenError as exc:
        form.wave.errors = [str(exc)]
        context["audit_form"] = form
        return render_template("console/privacy_survey.html", **context), 400
    # stored for the council page ("the latest audit run"): staff data, no answers
    record_run(database(), survey, by=admin().email, ok=result.ok, summary=result.summary())
    return render_template(
        "console/privacy_audit.html", s=definition, wave=form.wave.data, result=result
    )


@bp.route("/privacy/<survey>/purge", methods=["GET", "POST"])
def privacy_purge(survey: str) -> Any:
    """Second question, then the purge of the survey's expired waves."""
    from surveys.purge import purge_expired

    admin()
    definition = _survey(survey)
    context = _context(definition)
    if not context["expired"]:
        flash(_("No round of this survey has passed its retention period."), "error")
        return redirect(url_for("console.privacy_survey", survey=survey))
    form = PurgeForm()
    if request.method == "POST" and form.validate_on_submit():
        if form.sure.data:
            report = purge_expired(database(), survey)
            flash(
                _(
                    "Purged rounds %(waves)s: deleted %(responses)s responses, %(comments)s "
                    "comments, %(counters)s daily counters and %(invitations)s unused "
                    "invitations for good.",
                    waves=", ".join(report.waves) or "–",
                    responses=report.responses,
                    comments=report.comments,
                    counters=report.counters,
                    invitations=report.invitations,
                ),
                "info",
            )
            return redirect(url_for("console.privacy_survey", survey=survey))
        form.sure.errors = [_("Tick the box to delete the responses.")]
    status = 400 if request.method == "POST" else 200
    return render_template("console/privacy_purge.html", form=form, **context), status
