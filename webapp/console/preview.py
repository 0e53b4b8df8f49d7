"""``/console/surveys/<slug>/preview/<lang>/<step>``: a survey as its respondents see it.

Each step is rendered with the respondent app's own template (welcome, consent, every page
of questions, the comment, the review), in the language of the URL, so the preview cannot
drift from what respondents get. The templates' links and forms point back into the preview
(``url_for`` is replaced for the ``respond.*`` endpoints): the buttons move between steps,
and nothing chosen in the preview is kept or stored.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.console import bp

__all__ = ["preview_steps"]


def preview_steps(questionnaire: Any) -> list[Any]:
    """Every step a respondent can see, sensitive pages included."""
    return questionnaire.steps(None)


def _step_id(step: Any) -> str:
    from webapp.respond.resume import step_id

    return step_id(step)


def _questionnaire(slug: str) -> tuple[Any, bool]:
    from flask import current_app

    from surveys.errors import NotFound
    from surveys.survey_store import get_survey
    from webapp.respond.questionnaire import Questionnaire

    try:
        definition = get_survey(current_app.extensions["samen_db"], slug)
    except NotFound:
        abort(404)
    return Questionnaire.from_definition(definition), definition.open_link


def _preview_url_for(slug: str, lang: str, steps: list[Any]) -> Any:
    """``url_for`` for the respondent templates: their steps lead to preview steps."""
    fixed = {"respond.welcome": "welcome", "respond.consent": "consent", "respond.unit": "unit"}
    fixed.update({"respond.comment": "comment", "respond.review": "review"})

    def url(endpoint: str, **values: Any) -> str:
        if endpoint == "respond.page":
            return url_for("console.surveys_preview", slug=slug, lang=lang, step=values["page_id"])
        if endpoint in fixed:
            return url_for("console.surveys_preview", slug=slug, lang=lang, step=fixed[endpoint])
        if endpoint == "respond.send":
            return url_for("console.surveys_preview", slug=slug, lang=lang, step="review")
        return url_for(endpoint, **values)

    return url


@bp.route("/surveys/<slug>/preview/<lang>/", defaults={"step": ""}, methods=["GET", "POST"])
@bp.route("/surveys/<slug>/preview/<lang>/<step>", methods=["GET", "POST"])
def surveys_preview(slug: str, lang: str, step: str) -> Response | str:
    """One step of the survey in ``lang``; a POST (a button) moves on, storing nothing."""
    from webapp.i18n import LANGUAGE_NAMES
    from webapp.respond.flow import ANSWERS_FORM
    from webapp.respond.forms import (
        COMMENT_MAX_CHARS,
        CommentForm,
        ConsentForm,
        SubmitForm,
        open_items,
        page_form,
    )
    from webapp.respond.resume import progress

    questionnaire, open_link = _questionnaire(slug)
    if lang not in questionnaire.languages:
        abort(404)
    steps = preview_steps(questionnaire)
    # the open link asks for the unit first (respondents with an invitation have one)
    ids = ["unit"] * open_link + [_step_id(s) for s in steps]
    step = step or ids[0]
    if step not in ids:
        abort(404)
    index = ids.index(step)
    switch = request.args.get("lang")
    if switch in questionnaire.languages and switch != lang:
        return redirect(url_for("console.surveys_preview", slug=slug, lang=switch, step=step))
    if request.method == "POST":
        nav = request.form.get("nav")
        if step == "review" and nav not in ("back",):
            flash(_("End of the preview: nothing was sent or stored."), "info")
            return redirect(url_for("console.surveys_preview", slug=slug, lang=lang), 303)
        move = -1 if nav == "back" else (0 if nav in ("stay", "save") else 1)
        target = ids[max(0, min(len(ids) - 1, index + move))]
        return redirect(url_for("console.surveys_preview", slug=slug, lang=lang, step=target), 303)
    if step == "unit":
        return _unit_page(questionnaire, slug, lang, ids)
    current = steps[ids.index(step) - open_link]
    context: dict[str, Any] = {
        "q": questionnaire,
        "url_for": _preview_url_for(slug, lang, steps),
        "preview_slug": slug,
        "preview_lang": lang,
        "preview_languages": questionnaire.languages,
        "preview_step": step,
        "preview_language_names": LANGUAGE_NAMES,
        **progress(steps, current),
    }
    if step == "welcome":
        template = "respond/welcome.html"
        following = ids[index + 1]
        context.update(
            next_url=url_for("console.surveys_preview", slug=slug, lang=lang, step=following),
            open_link=open_link,
        )
    elif step == "consent":
        template = "respond/consent.html"
        context.update(form=ConsentForm(), consent=None)
    elif step == "comment":
        template = "respond/comment.html"
        context.update(form=CommentForm(), comment_max=COMMENT_MAX_CHARS, ret=False)
        context.update(lang_form=ANSWERS_FORM)
    elif step == "review":
        template = "respond/review.html"
        from webapp.respond.draft import RespondentState
        from webapp.respond.services import review_facts

        # the review page's facts as a respondent of this survey reads them (no unit chosen,
        # the open link when the survey has one)
        preview_state = RespondentState(right="", survey=slug, wave="", open_link=open_link)
        context.update(
            facts=review_facts(preview_state),
            answered=0,
            comment="",
            open_answers={},
            form=SubmitForm(),
            back_url=url_for("console.surveys_preview", slug=slug, lang=lang, step=ids[-2]),
        )
    else:
        template = "respond/page.html"
        context.update(page=current, form=page_form(current), ret=False, lang_form=ANSWERS_FORM)
        context.update(texts=open_items(current), text_max=COMMENT_MAX_CHARS)
    with force_locale(lang):
        if step == "review":
            from webapp.respond.review import review_sections

            # every question unanswered, in the preview's language
            context["sections"] = review_sections(questionnaire, steps, lang, {})
        return render_template("console/preview.html", template=template, **context)


def _unit_page(questionnaire: Any, slug: str, lang: str, ids: list[str]) -> str:
    """The open link's first step: which unit the respondent answers for."""
    from flask import current_app
    from wtforms.fields.choices import SelectChoice

    from surveys.org import list_units
    from webapp.i18n import LANGUAGE_NAMES
    from webapp.respond.flow import ANSWERS_FORM
    from webapp.respond.forms import UnitForm

    form = UnitForm()
    units = sorted(list_units(current_app.extensions["samen_db"]), key=lambda u: u.name.casefold())
    form.unit.choices = [SelectChoice("", "—")] + [SelectChoice(u.code, u.name) for u in units]
    steps = list(ids)
    with force_locale(lang):
        return render_template(
            "console/preview.html",
            template="respond/unit.html",
            q=questionnaire,
            form=form,
            lang_form=ANSWERS_FORM,
            url_for=_preview_url_for(slug, lang, steps),
            preview_slug=slug,
            preview_lang=lang,
            preview_languages=questionnaire.languages,
            preview_step="unit",
            preview_language_names=LANGUAGE_NAMES,
            step=1,
            steps=len(steps),
        )
