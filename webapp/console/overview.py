"""``/console/``: the overview: each survey with its open round, the unit count, and the
sections of the console."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from webapp.console import bp
from webapp.console.access import admin

__all__: list[str] = []


def _db() -> Any:
    return current_app.extensions["samen_db"]


@bp.get("/")
def index() -> str:
    """The console's start page."""
    from surveys.definitions import list_surveys
    from surveys.org import list_units
    from surveys.waves import current_wave

    admin()
    db = _db()
    surveys = [(s, current_wave(db, s.slug)) for s in list_surveys(db)]
    return render_template(
        "console/index.html",
        surveys=surveys,
        units=len(list_units(db)),
    )
