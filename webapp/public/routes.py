"""The landing page and the privacy page of a survey."""

from __future__ import annotations

from flask import abort, current_app, render_template, url_for

from webapp.i18n import remember_language_choice
from webapp.public import bp

__all__: list[str] = []


@bp.before_app_request
def _language_switch() -> None:
    remember_language_choice()


@bp.get("/")
def index() -> str:
    login = url_for("auth.login") if "auth.login" in current_app.view_functions else None
    return render_template("public/index.html", url_for_login=login)


@bp.get("/privacy/<survey>")
def privacy(survey: str) -> str:
    from surveys.consent import RESIDUAL_RISKS
    from surveys.privacy import CATEGORY_NAMES
    from surveys.programmes import list_programmes
    from webapp.respond import services

    try:
        summary = services.privacy(survey)
    except services.NotFound:
        abort(404)
    programmes = list_programmes(current_app.extensions["samen_db"], survey)
    return render_template(
        "public/privacy.html",
        s=summary,
        categories=CATEGORY_NAMES,
        programmes=programmes,
        consent=services.consent(survey),
        risks=RESIDUAL_RISKS,
    )
