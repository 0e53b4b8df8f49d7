"""``/console/rounds``: open and close a survey's rounds (waves); the response while open.

The CLI's services and messages (``samen wave open/close``: :func:`surveys.waves.open_wave`,
:func:`surveys.waves.close_wave`). The response rate per unit comes from the results
service (:func:`webapp.results.response_rate`, its disclosure control included): a unit
below k responses says "fewer than k responses", never a count; while the round is open a
released rate is a band of whole tens of percent, as on the dashboards
(:func:`webapp.dashboard.view.rate_band`), so the page tells no more than they do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField

from surveys.errors import InputError, NotFound, SamenError
from webapp.console import bp
from webapp.console.access import admin

__all__ = ["OpenForm", "RateRow", "rate_rows"]


class OpenForm(FlaskForm):
    """The label of a new round."""

    label = StringField(_l("Label of the new round"))


class CloseForm(FlaskForm):
    """Closing a round: the POST itself is the confirmation (CSRF only)."""


@dataclass(frozen=True)
class RateRow:
    """One unit's line of the response table: what may be shown of it, as text."""

    code: str
    name: str
    depth: int
    shown: bool
    text: str
    invited: int | None


def _db() -> Any:
    return current_app.extensions["samen_db"]


def _row_text(row: dict[str, Any], k: int, is_open: bool) -> str:
    from flask_babel import format_percent

    from webapp.dashboard.view import rate_band, withheld_text

    if row["suppressed"]:
        return withheld_text(row.get("reason"), k)
    responses, invited = row.get("responses") or 0, row.get("invited")
    if not invited:
        return _("at least %(n)s responses", n=responses)
    if is_open:
        low, high = rate_band(responses, invited, k)
        return _(
            "between %(low)s and %(high)s of those invited",
            low=format_percent(low, "0%"),
            high=format_percent(high, "0%"),
        )
    return format_percent(row["rate"], "0%") if row.get("rate") is not None else ""


def rate_rows(db: Any, slug: str, label: str, user: Any) -> list[RateRow]:
    """Every unit of wave ``label`` in tree order with its response as the results service
    releases it to ``user`` (one :func:`webapp.results.response_rate` per unit with units
    below it)."""
    from webapp.results import response_rate
    from webapp.results.data import load_survey

    context = load_survey(db, slug).at_wave(label)
    info = context.wave(label)
    k = context.definition.k
    roots = sorted(code for code, up in context.parent.items() if up is None)
    released: dict[str, dict[str, Any]] = {}
    for code in context.units:
        if code in roots or context.children[code]:
            rate = response_rate(db, slug, label, code, user)
            released.setdefault(code, rate["total"])
            for row in rate["rows"]:
                released.setdefault(row["unit"], row)
    rows: list[RateRow] = []

    def walk(code: str, depth: int) -> None:
        row = released[code]
        rows.append(
            RateRow(
                code,
                context.units[code].name,
                depth,
                not row["suppressed"],
                _row_text(row, k, info.is_open),
                row.get("invited") if not row["suppressed"] else None,
            )
        )
        for child in sorted(context.children[code], key=lambda c: context.units[c].name.lower()):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return rows


def _definition(slug: str) -> Any:
    from surveys.definitions import get_survey

    try:
        return get_survey(_db(), slug)
    except NotFound:
        abort(404)


def _suggested_label(waves: list[Any]) -> str:
    """``<year>-<n>``: the next free number this year."""
    year = dt.date.today().year
    taken = {w.label for w in waves}
    n = 1
    while f"{year}-{n}" in taken:
        n += 1
    return f"{year}-{n}"


@bp.get("/rounds")
def rounds() -> Response | str:
    """The surveys and their rounds; with one survey, straight to it."""
    from surveys.definitions import list_surveys
    from surveys.waves import list_waves

    db = _db()
    surveys = list_surveys(db)
    if len(surveys) == 1:
        return redirect(url_for("console.rounds_survey", slug=surveys[0].slug))
    return render_template(
        "console/rounds.html", surveys=[(s, list_waves(db, s.slug)) for s in surveys]
    )


def _survey_page(slug: str, form: OpenForm | None = None, status: int = 200) -> tuple[str, int]:
    from surveys.waves import list_waves

    definition = _definition(slug)
    waves = list_waves(_db(), slug)
    current = next((w for w in waves if w.is_open), None)
    rows = rate_rows(_db(), slug, current.label, admin()) if current is not None else []
    if form is None:
        form = OpenForm(data={"label": _suggested_label(waves)})
    page = render_template(
        "console/rounds_survey.html",
        survey=definition,
        waves=sorted(waves, key=lambda w: (w.opened_on, w.label), reverse=True),
        current=current,
        rows=rows,
        form=form,
        close_form=CloseForm(),
    )
    return page, status


@bp.get("/rounds/<slug>")
def rounds_survey(slug: str) -> tuple[str, int]:
    """A survey's rounds: the open one with its response per unit, or the form to open one."""
    return _survey_page(slug)


@bp.post("/rounds/<slug>/open")
def rounds_open(slug: str) -> Response | tuple[str, int]:
    """Open a round (the CLI's ``samen wave open``); its message on the field when refused."""
    from surveys.waves import open_wave

    _definition(slug)
    form = OpenForm()
    if form.validate_on_submit():
        try:
            info = open_wave(_db(), slug, (form.label.data or "").strip())
        except (InputError, SamenError) as exc:
            form.label.errors = [str(exc)]
        else:
            flash(
                _("Wave %(label)s of %(survey)s is open.", label=info.label, survey=slug),
                "success",
            )
            return redirect(url_for("console.rounds_survey", slug=slug))
    return _survey_page(slug, form, status=422)


@bp.get("/rounds/<slug>/<label>/close")
def rounds_close_confirm(slug: str, label: str) -> str:
    """What closing does, and the button that does it."""
    from surveys.waves import list_waves

    definition = _definition(slug)
    wave = next((w for w in list_waves(_db(), slug) if w.label == label), None)
    if wave is None or not wave.is_open:
        abort(404)
    return render_template(
        "console/rounds_close.html", survey=definition, wave=wave, form=CloseForm()
    )


@bp.post("/rounds/<slug>/<label>/close")
def rounds_close(slug: str, label: str) -> Response:
    """Close the round (the CLI's ``samen wave close``) and say what that did."""
    from surveys.waves import close_wave

    _definition(slug)
    form = CloseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        info = close_wave(_db(), slug, label)
    except NotFound:
        abort(404)
    except SamenError as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.rounds_survey", slug=slug))
    flash(_("Wave %(label)s of %(survey)s is closed.", label=info.label, survey=slug), "success")
    flash(
        _(
            "No more answers are taken; the responses were rewritten in random order; the "
            "results are now on the dashboards, for groups of at least %(k)s responses.",
            k=_definition(slug).min_group_size,
        ),
        "info",
    )
    return redirect(url_for("console.rounds_survey", slug=slug))
