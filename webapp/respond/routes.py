"""Respondent pages: invitation link, welcome, consent, one page per instrument, review, thanks.

The GET of an invitation link shows the same landing page for every link -- unused, used,
unknown, of a closed wave -- and reads nothing from the database: mail scanners and link
previews fetch links, and whoever holds a mail-merge list could otherwise try them. Its Start
button (a POST with CSRF) uses the invitation up, in a transaction of its own, for a random
right to submit kept in the encrypted session cookie; Send spends that right in the
transaction that stores the response.

Every step that keeps answers is a POST with CSRF that saves to the encrypted session and
redirects (303) to the next step, so back, forward and reload never lose or resend anything.
Nothing but the Start is written to the database before the final send.
"""

from __future__ import annotations

import contextlib
import secrets

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from webapp.i18n import SESSION_INVITATION_LANG, SESSION_SURVEY_LANGUAGES, current_language
from webapp.respond import bp, services
from webapp.respond.draft import RespondentState, decode, encode
from webapp.respond.forms import (
    COMMENT_MAX_CHARS,
    NAV_FIELD,
    CommentForm,
    ConsentForm,
    StartForm,
    SubmitForm,
    TamperedForm,
    UnitForm,
    answer_choices,
    check_fields,
    page_form,
)
from webapp.respond.openrate import open_link_rate
from webapp.respond.questionnaire import (
    COMMENT,
    CONSENT,
    REVIEW,
    WELCOME,
    Page,
    Questionnaire,
)

__all__: list[str] = []

#: Cookie with the open link's random client key, and its lifetime in seconds (a year).
CLIENT_COOKIE = "samen_client"
CLIENT_COOKIE_AGE = 365 * 24 * 3600
#: Session key of the survey slug shown on the thank-you page.
_THANKED = "thanked"
#: The serialised session cookie must stay below this many bytes (browsers cap at 4096).
COOKIE_BUDGET = 3800


class SessionExpired(Exception):
    """No respondent state in the session: the session expired or the link was never opened."""


def cookie_size() -> int:
    """Bytes of the session cookie's value as it would be sent now."""
    serializer = current_app.session_interface.get_signing_serializer(current_app)  # type: ignore[attr-defined]
    return len(serializer.dumps(dict(session)))


def _redirect(endpoint: str) -> Response:
    """303 See Other: after a POST the browser GETs the next page (POST/redirect/GET)."""
    return redirect(url_for(endpoint), code=303)


def _state() -> RespondentState:
    state = RespondentState.from_session(session.get(RespondentState.SESSION_KEY))
    if state is None:
        raise SessionExpired
    return state


def _save(state: RespondentState) -> None:
    session[RespondentState.SESSION_KEY] = state.to_session()


def _answers(state: RespondentState, questionnaire: Questionnaire) -> dict[str, str]:
    if not state.draft:
        return {}
    try:
        return decode(state.draft, questionnaire.item_ids)
    except ValueError:
        # The survey's items changed under a running session: start the draft afresh.
        return {}


def _step_url(step: str | Page) -> str:
    if isinstance(step, Page):
        return url_for("respond.page", page_id=step.id)
    return url_for(f"respond.{step}")


def _go(steps: list[str | Page], current: str | Page, nav: str | None) -> Response:
    """Redirect to the step before (``nav == "back"``) or after ``current``."""
    index = steps.index(current)
    if nav == "back":
        index = max(index - 1, 0)
    elif request.args.get("ret") == REVIEW:
        index = len(steps) - 1
    else:
        index = min(index + 1, len(steps) - 1)
    return redirect(_step_url(steps[index]), code=303)


def _progress(steps: list[str | Page], current: str | Page) -> dict[str, int]:
    return {"step": steps.index(current) + 1, "steps": len(steps)}


def _context(state: RespondentState) -> tuple[Questionnaire, list[str | Page]]:
    try:
        questionnaire = services.questionnaire(state.survey)
    except services.NotFound:
        # The survey was removed while this respondent was answering.
        raise SessionExpired from None
    return questionnaire, questionnaire.steps(state.consent)


@bp.get("/s/<token>")
def invitation(token: str) -> str:
    """The landing page of every invitation link: the same page whatever the link.

    Nothing is looked up or used: the token is not even read, so the page (and its status)
    cannot tell an unused link from a used or unknown one.
    """
    del token
    return render_template("respond/landing.html", form=StartForm(), hours=_session_hours())


@bp.post("/s/<token>")
def start(token: str) -> Response | tuple[str, int]:
    """Start: use the invitation up for a right to submit, kept in the encrypted session.

    A link that does not start (unknown, used, closed) gets one page; in a browser that
    already holds a right (the respondent pressed Start twice, or opened the link again) the
    respondent goes back to their answers instead.
    """
    if not StartForm().validate_on_submit():
        abort(400)
    try:
        state, language = services.start(token)
    except services.InvitationUnavailable:
        held = RespondentState.from_session(session.get(RespondentState.SESSION_KEY))
        if held is not None and not held.open_link:
            return _redirect("respond.welcome")
        return render_template("respond/unavailable.html"), 404
    except services.WaveClosed:  # only the survey's open link, which is public anyway
        return render_template("respond/closed.html"), 410
    return _begin(state, language)


@bp.get("/o/<token>")
def open_link(token: str) -> Response | tuple[str, int]:
    """The survey's open link: pick your unit; a random key in a long-lived cookie limits
    repeat submissions. Nothing is used up, so a GET may start it."""
    try:
        state = services.open_link(token)
    except services.InvitationUnavailable:
        return render_template("respond/unavailable.html"), 404
    except services.WaveClosed:
        return render_template("respond/closed.html"), 410
    return _begin(state, None)


def _session_hours() -> int:
    """The session lifetime in whole hours (at least 1), for the pages that promise it."""
    return max(int(current_app.permanent_session_lifetime.total_seconds() // 3600), 1)


def _begin(state: RespondentState, language: str | None) -> Response:
    """A fresh respondent session for ``state``, then the first step."""
    session.clear()
    # A permanent cookie: a closed browser resumes, until the lifetime after the last save.
    session.permanent = True
    _save(state)
    questionnaire, _steps = _context(state)
    session[SESSION_SURVEY_LANGUAGES] = list(questionnaire.languages)
    if language:
        session[SESSION_INVITATION_LANG] = language
    if not state.open_link:
        return _redirect("respond.welcome")
    response = _redirect("respond.unit")
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
    state = _state()
    if not state.open_link:
        return _redirect("respond.welcome")
    questionnaire, _steps = _context(state)
    form = UnitForm(data={"unit": state.unit})
    units = sorted(services.units(), key=lambda u: u.name.casefold())
    form.unit.choices = [SelectChoice("", "—")] + [SelectChoice(u.code, u.name) for u in units]
    if form.validate_on_submit():
        state.unit = form.unit.data
        _save(state)
        return _redirect("respond.welcome")
    return render_template("respond/unit.html", q=questionnaire, form=form)


@bp.get("/survey")
def welcome() -> Response | str:
    state = _state()
    if state.open_link and state.unit is None:
        return _redirect("respond.unit")
    questionnaire, steps = _context(state)
    return render_template(
        "respond/welcome.html",
        q=questionnaire,
        next_url=_step_url(steps[1]),
        open_link=state.open_link,
        **_progress(steps, WELCOME),
    )


@bp.route("/survey/consent", methods=["GET", "POST"])
def consent() -> Response | str:
    state = _state()
    questionnaire, steps = _context(state)
    if not questionnaire.has_sensitive:
        return _redirect("respond.welcome")
    form = ConsentForm()
    if form.validate_on_submit():
        nav = request.form.get(NAV_FIELD)
        if nav in ("yes", "no"):
            state.consent = nav == "yes"
            _save(state)
            steps = questionnaire.steps(state.consent)
            return _go(steps, CONSENT, "next")
        return _go(steps, CONSENT, "back")
    return render_template(
        "respond/consent.html",
        q=questionnaire,
        form=form,
        consent=state.consent,
        **_progress(steps, CONSENT),
    )


@bp.route("/survey/q/<page_id>", methods=["GET", "POST"])
def page(page_id: str) -> Response | str:
    state = _state()
    questionnaire, steps = _context(state)
    current = questionnaire.page(page_id)
    if current is None or current not in steps:
        abort(404)
    answers = _answers(state, questionnaire)
    if request.method == "POST":
        try:
            check_fields(request.form, {item.id for item in current.items})
        except TamperedForm:
            abort(400)
        form = page_form(current, formdata=request.form)
        if not form.validate():
            # Radio buttons can only send listed values: an error means a tampered form.
            abort(400)
        for item in current.items:
            answers.pop(item.id, None)
            if form[item.id].data:
                answers[item.id] = form[item.id].data
        state.draft = encode(answers, questionnaire.item_ids)
        _save(state)
        return _go(steps, current, request.form.get(NAV_FIELD))
    form = page_form(current, answers=answers)
    return render_template(
        "respond/page.html",
        q=questionnaire,
        page=current,
        form=form,
        ret=request.args.get("ret") == REVIEW,
        **_progress(steps, current),
    )


@bp.route("/survey/comment", methods=["GET", "POST"])
def comment() -> Response | str:
    state = _state()
    questionnaire, steps = _context(state)
    if not questionnaire.comments:
        abort(404)
    form = CommentForm(data={"comment": state.comment})
    if form.validate_on_submit():
        previous = state.comment
        state.comment = (form.comment.data or "").strip()
        _save(state)
        if cookie_size() <= COOKIE_BUDGET:
            return _go(steps, COMMENT, request.form.get(NAV_FIELD))
        # Too long to keep in the cookie (e.g. many emoji): keep the earlier text, ask to shorten.
        state.comment = previous
        _save(state)
        form.comment.errors = [_("Your comment is too long to keep. Please make it shorter.")]
    return render_template(
        "respond/comment.html",
        q=questionnaire,
        form=form,
        comment_max=COMMENT_MAX_CHARS,
        ret=request.args.get("ret") == REVIEW,
        **_progress(steps, COMMENT),
    )


@bp.get("/survey/review")
def review() -> str:
    state = _state()
    questionnaire, steps = _context(state)
    answers = _answers(state, questionnaire)
    sections = []
    for step in steps:
        if not isinstance(step, Page):
            continue
        rows = []
        for item in step.items:
            labels = dict(answer_choices(item))
            value = answers.get(item.id)
            rows.append((item, labels.get(value) if value else None))
        sections.append((step, rows))
    return render_template(
        "respond/review.html",
        q=questionnaire,
        sections=sections,
        answered=sum(1 for _page, rows in sections for _item, label in rows if label),
        total=sum(len(rows) for _page, rows in sections),
        comment=state.comment,
        form=SubmitForm(),
        back_url=_step_url(steps[-2]),
        **_progress(steps, REVIEW),
    )


@bp.post("/survey/send")
def send() -> Response | tuple[str, int]:
    state = _state()
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    questionnaire, _steps = _context(state)
    answers = _answers(state, questionnaire)
    if state.consent is not True:
        # Declined or never reached: nothing from special-category pages is sent.
        for page_ in questionnaire.sensitive_pages:
            for item in page_.items:
                answers.pop(item.id, None)
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
    session[_THANKED] = state.survey
    return _redirect("respond.thanks")


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
    return render_template("respond/expired.html", hours=_session_hours()), 400
