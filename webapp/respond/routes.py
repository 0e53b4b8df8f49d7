"""Respondent pages: invitation link, welcome, consent, the question pages, review, thanks.

The GET of an invitation link shows the same landing page for every link -- unused, used,
unknown, of a closed wave -- and reads nothing from the database: mail scanners and link
previews fetch links, and whoever holds a mail-merge list could otherwise try them. Its Start
button (a POST with CSRF) uses the invitation up, in a transaction of its own, for a random
right to submit kept in the encrypted session cookie; Send spends that right in the
transaction that stores the response.

Every step that keeps answers is a POST with CSRF that saves to the encrypted session and
redirects (303) to the next step, so back, forward and reload never lose or resend anything.
Nothing but the Start is written to the database before the final send. The same POST serves
the language switch (the page's answers are saved, then the page is shown in the other
language) and "save and continue later". Opening the link again in the same browser resumes
at the step the respondent was on (:mod:`webapp.respond.resume`); the cookie keeps the draft
for ``SAMEN_DRAFT_LIFETIME`` after the last save, so a closed browser resumes too.
"""

from __future__ import annotations

import contextlib
import secrets

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from webapp.i18n import SESSION_INVITATION_LANG, SESSION_SURVEY_LANGUAGES, current_language
from webapp.respond import bp, flow, services
from webapp.respond.draft import RespondentState, encode
from webapp.respond.flow import ANSWERS_FORM, COOKIE_BUDGET, SessionExpired, cookie_size
from webapp.respond.forms import (
    COMMENT_MAX_CHARS,
    NAV_FIELD,
    CommentForm,
    ConsentForm,
    StartForm,
    SubmitForm,
    TamperedForm,
    UnitForm,
    check_fields,
    open_items,
    page_answers,
    page_form,
)
from webapp.respond.openrate import open_link_rate
from webapp.respond.pagecache import render_page
from webapp.respond.questionnaire import (
    COMMENT,
    CONSENT,
    REVIEW,
    WELCOME,
    Page,
)
from webapp.respond.resume import progress, resume_step
from webapp.respond.review import review_sections
from webapp.sessions import LONG_LIVED

__all__: list[str] = []

#: Cookie with the open link's random client key, and its lifetime in seconds (a year).
CLIENT_COOKIE = "samen_client"
CLIENT_COOKIE_AGE = 365 * 24 * 3600
#: Session key of the survey slug shown on the thank-you page.
_THANKED = "thanked"


@bp.get("/s/<token>")
def invitation(token: str) -> Response | str:
    """The landing page of every invitation link: the same page whatever the link.

    Nothing is looked up or used, so the page (and its status) cannot tell an unused link
    from a used or unknown one. Only this browser's own cookie counts: the link it started
    goes back to the answers in progress (compared by a keyed digest, not looked up).
    """
    held = flow.held()
    if held is not None and flow.same_link(held, token):
        return flow.redirect_to("respond.resume")
    return render_template(
        "respond/landing.html",
        form=StartForm(),
        days=flow.draft_days(),
        other=held is not None and not held.open_link,
    )


@bp.post("/s/<token>")
def start(token: str) -> Response | tuple[str, int]:
    """Start: use the invitation up for a right to submit, kept in the encrypted session.

    A link that does not start (unknown, used, closed) gets one page; in a browser that
    already holds a right (the respondent pressed Start twice, or opened the link again) the
    respondent goes back to their answers instead.
    """
    if not StartForm().validate_on_submit():
        abort(400)
    held = flow.held()
    if held is not None and flow.same_link(held, token):
        return flow.redirect_to("respond.resume")
    try:
        state, language = services.start(token)
    except services.InvitationUnavailable:
        if held is not None and not held.open_link:
            return flow.redirect_to("respond.resume")
        return render_template("respond/unavailable.html"), 404
    except services.WaveClosed:  # only the survey's open link, which is public anyway
        return render_template("respond/closed.html"), 410
    if not state.open_link:
        state.link = flow.digest(token)
    return _begin(state, language)


@bp.get("/o/<token>")
def open_link(token: str) -> Response | tuple[str, int]:
    """The survey's open link: pick your unit; a random key in a long-lived cookie limits
    repeat submissions. Nothing is used up, so a GET may start it; opened again, it resumes."""
    held = flow.held()
    if held is not None and held.open_link and flow.same_link(held, token):
        return flow.redirect_to("respond.resume")
    try:
        state = services.open_link(token)
    except services.InvitationUnavailable:
        return render_template("respond/unavailable.html"), 404
    except services.WaveClosed:
        return render_template("respond/closed.html"), 410
    return _begin(state, None)


def _begin(state: RespondentState, language: str | None) -> Response:
    """A fresh respondent session for ``state``, then the first step."""
    session.clear()
    # A permanent cookie: a closed browser resumes, until the draft's lifetime after the last
    # save (webapp.sessions.LONG_LIVED).
    session.permanent = True
    session[LONG_LIVED] = True
    flow.save(state)
    questionnaire, _steps = flow.context(state)
    session[SESSION_SURVEY_LANGUAGES] = list(questionnaire.languages)
    if language:
        session[SESSION_INVITATION_LANG] = language
    if not state.open_link:
        return flow.redirect_to("respond.welcome")
    response = flow.redirect_to("respond.unit")
    if not request.cookies.get(CLIENT_COOKIE):
        response.set_cookie(
            CLIENT_COOKIE,
            secrets.token_urlsafe(24),
            max_age=CLIENT_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.route("/survey/unit", methods=["GET", "POST"])
def unit() -> Response | str:
    """The open link: pick the unit you answer for."""
    state = flow.state()
    if not state.open_link:
        return flow.redirect_to("respond.welcome")
    questionnaire, _steps = flow.context(state)
    form = UnitForm(data={"unit": state.unit})
    units = sorted(services.units(), key=lambda u: u.name.casefold())
    form.unit.choices = [SelectChoice("", "—")] + [SelectChoice(u.code, u.name) for u in units]
    stay = request.form.get(NAV_FIELD) == "stay"  # the language switch: keep the choice
    if form.validate_on_submit():
        state.unit = form.unit.data
        flow.save(state)
        return flow.redirect_to("respond.unit" if stay else "respond.welcome")
    if stay:
        return flow.redirect_to("respond.unit")
    return render_template("respond/unit.html", q=questionnaire, form=form, lang_form=ANSWERS_FORM)


@bp.get("/survey")
def welcome() -> Response | str:
    state = flow.state()
    if state.open_link and state.unit is None:
        return flow.redirect_to("respond.unit")
    questionnaire, steps = flow.context(state)
    return render_template(
        "respond/welcome.html",
        q=questionnaire,
        next_url=flow.step_url(steps[1]),
        open_link=state.open_link,
        **progress(steps, WELCOME),
    )


@bp.route("/survey/consent", methods=["GET", "POST"])
def consent() -> Response | str:
    state = flow.state()
    questionnaire, steps = flow.context(state)
    if not questionnaire.has_sensitive:
        return flow.redirect_to("respond.welcome")
    form = ConsentForm()
    if form.validate_on_submit():
        nav = request.form.get(NAV_FIELD)
        if nav in ("yes", "no"):
            state.consent = nav == "yes"
            steps = questionnaire.steps(state.consent)
            return flow.go(state, steps, CONSENT, "next")
        return flow.go(state, steps, CONSENT, "back")
    return render_template(
        "respond/consent.html",
        q=questionnaire,
        form=form,
        consent=state.consent,
        **progress(steps, CONSENT),
    )


@bp.route("/survey/q/<page_id>", methods=["GET", "POST"])
def page(page_id: str) -> Response | str:
    state = flow.state()
    questionnaire, steps = flow.context(state)
    current = questionnaire.page(page_id)
    if current is None or current not in steps:
        abort(404)
    answers = flow.answers(state, questionnaire)
    texts = open_items(current, answers=state.open_answers)
    if request.method == "POST":
        fields = {item.id for item in current.items} | {q.id for q in current.open_questions}
        try:
            check_fields(request.form, fields)
            # Radio buttons can only send listed values: anything else is a tampered form.
            posted = page_answers(current, request.form)
        except TamperedForm:
            abort(400)
        for item_id, value in posted.items():
            answers.pop(item_id, None)
            if value:
                answers[item_id] = value
        state.draft = encode(answers, questionnaire.item_ids)
        texts = open_items(current, formdata=request.form)
        if flow.keep_open_answers(state, texts):
            return flow.go(state, steps, current, request.form.get(NAV_FIELD))
        form = page_form(current, formdata=request.form)
    elif not current.open_questions:
        # Rendered once per survey, page, language and place; filled in with the answers
        # (a page with open questions is rendered in full: its text boxes hold the
        # respondent's own words).
        return render_page(
            "respond/page.html",
            questionnaire,
            current,
            answers,
            {
                "texts": (),
                "text_max": COMMENT_MAX_CHARS,
                "ret": request.args.get("ret") == REVIEW,
                "lang_form": ANSWERS_FORM,
                **progress(steps, current),
            },
        )
    else:
        form = page_form(current, answers=answers)
    return render_template(
        "respond/page.html",
        q=questionnaire,
        page=current,
        form=form,
        texts=texts,
        text_max=COMMENT_MAX_CHARS,
        ret=request.args.get("ret") == REVIEW,
        lang_form=ANSWERS_FORM,
        **progress(steps, current),
    )


@bp.route("/survey/comment", methods=["GET", "POST"])
def comment() -> Response | str:
    state = flow.state()
    questionnaire, steps = flow.context(state)
    if not questionnaire.comments:
        abort(404)
    form = CommentForm(data={"comment": state.comment})
    if form.validate_on_submit():
        previous = state.comment
        state.comment = (form.comment.data or "").strip()
        flow.save(state)
        if cookie_size() <= COOKIE_BUDGET:
            return flow.go(state, steps, COMMENT, request.form.get(NAV_FIELD))
        # Too long to keep in the cookie (e.g. many emoji): keep the earlier text, ask to shorten.
        state.comment = previous
        flow.save(state)
        form.comment.errors = [_("Your comment is too long to keep. Please make it shorter.")]
    return render_template(
        "respond/comment.html",
        q=questionnaire,
        form=form,
        comment_max=COMMENT_MAX_CHARS,
        ret=request.args.get("ret") == REVIEW,
        lang_form=ANSWERS_FORM,
        **progress(steps, COMMENT),
    )


@bp.get("/survey/review")
def review() -> str:
    state = flow.state()
    questionnaire, steps = flow.context(state)
    answers = flow.answers(state, questionnaire)
    sections = review_sections(questionnaire, steps, current_language(), answers)
    return render_template(
        "respond/review.html",
        q=questionnaire,
        sections=sections,
        answered=sum(1 for _page, rows in sections for _text, label in rows if label),
        comment=state.comment,
        open_answers=state.open_answers,
        form=SubmitForm(),
        facts=services.review_facts(state),
        back_url=flow.step_url(steps[-2]),
        **progress(steps, REVIEW),
    )


@bp.post("/survey/send")
def send() -> Response | tuple[str, int]:
    state = flow.state()
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    questionnaire, _steps = flow.context(state)
    answers, opened = flow.to_send(state, questionnaire)
    if state.open_link and not open_link_rate().take(request.remote_addr):
        # Too many open-link answers from this address (webapp.respond.openrate): not stored.
        return render_template("respond/busy.html"), 429
    try:
        services.submit(
            state,
            questionnaire,
            answers,
            state.comment,
            current_language(),
            client_key=request.cookies.get(CLIENT_COOKIE),
            open_answers=opened,
        )
    except services.InvitationUnavailable:
        session.pop(RespondentState.SESSION_KEY, None)
        return render_template("respond/unavailable.html"), 404
    except services.WaveClosed:
        session.pop(RespondentState.SESSION_KEY, None)
        return render_template("respond/closed.html"), 410
    except services.AlreadyAnswered:
        if not state.open_link:  # the right was spent: this cookie cannot send again
            session.pop(RespondentState.SESSION_KEY, None)
        return render_template("respond/already.html"), 409
    except services.InputError:
        abort(400)
    session.pop(RespondentState.SESSION_KEY, None)
    session.pop(LONG_LIVED, None)
    session[_THANKED] = state.survey
    return flow.redirect_to("respond.thanks")


@bp.get("/survey/resume")
def resume() -> Response:
    """Back to the step the respondent was on: where the link, opened again, leads."""
    state = flow.state()
    if state.open_link and state.unit is None:
        return flow.redirect_to("respond.unit")
    _questionnaire, steps = flow.context(state)
    return redirect(flow.step_url(resume_step(steps, state.at)), code=303)


@bp.get("/survey/saved")
def saved() -> str:
    """ "Save and continue later": what is kept, where, for how long, and how to come back."""
    state = flow.state()
    questionnaire, steps = flow.context(state)
    return render_template(
        "respond/saved.html",
        q=questionnaire,
        answered=len(flow.answers(state, questionnaire)),
        total=sum(len(step.items) for step in steps if isinstance(step, Page)),
        days=flow.draft_days(),
        open_link=state.open_link,
        resume_url=url_for("respond.resume", _external=True),
    )


@bp.get("/survey/thanks")
def thanks() -> str:
    slug = session.get(_THANKED)
    questionnaire = None
    if isinstance(slug, str):
        with contextlib.suppress(services.NotFound):
            questionnaire = services.questionnaire(slug)
    return render_template("respond/thanks.html", q=questionnaire)


@bp.app_errorhandler(SessionExpired)
def session_expired(_error: SessionExpired) -> tuple[str, int]:
    return render_template("respond/expired.html", days=flow.draft_days()), 400


@bp.errorhandler(SQLAlchemyError)
def storage_unavailable(error: SQLAlchemyError) -> tuple[str, int]:
    """The database was unreachable, read-only or busy for a moment: the transaction was rolled
    back (nothing half-written, the right unspent) and the draft stays in the session cookie,
    so pressing Send again works. The log names the error's kind, never a value."""
    current_app.logger.warning(
        "respondent %s %s: database unavailable (%s), rolled back; draft kept in the cookie",
        request.method,
        request.url_rule.rule if request.url_rule else "?",
        type(getattr(error, "orig", None) or error).__name__,
    )
    return render_template("respond/storage.html"), 503
