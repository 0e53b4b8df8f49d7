"""The respondent flow's state between requests: the encrypted session, the steps, and
where each step leads. The routes (:mod:`webapp.respond.routes`) call these helpers."""

from __future__ import annotations

import hmac

from flask import current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.respond import services
from webapp.respond.draft import RespondentState, decode
from webapp.respond.forms import COMMENT_MAX_CHARS, OpenItem
from webapp.respond.questionnaire import COMMENT, REVIEW, Page, Questionnaire
from webapp.respond.resume import link_digest, step_id

__all__ = [
    "ANSWERS_FORM",
    "COOKIE_BUDGET",
    "SessionExpired",
    "answers",
    "context",
    "cookie_size",
    "digest",
    "draft_days",
    "go",
    "held",
    "keep_open_answers",
    "redirect_to",
    "same_link",
    "save",
    "state",
    "step_url",
    "to_send",
]

#: The serialised session cookie must stay below this many bytes (browsers cap at 4096).
COOKIE_BUDGET = 3800
#: HTML id of the form with a page's answers: the language switch submits it (no JavaScript).
ANSWERS_FORM = "answers"


class SessionExpired(Exception):
    """No respondent state in the session: the session expired or the link was never opened."""


def cookie_size() -> int:
    """Bytes of the session cookie's value as it would be sent now."""
    serializer = current_app.session_interface.get_signing_serializer(current_app)  # type: ignore[attr-defined]
    return len(serializer.dumps(dict(session)))


def redirect_to(endpoint: str) -> Response:
    """303 See Other: after a POST the browser GETs the next page (POST/redirect/GET)."""
    return redirect(url_for(endpoint), code=303)


def state() -> RespondentState:
    """The respondent state of this browser; :class:`SessionExpired` when there is none."""
    state = RespondentState.from_session(session.get(RespondentState.SESSION_KEY))
    if state is None:
        raise SessionExpired
    return state


def save(state: RespondentState) -> None:
    """Keep ``state`` in the encrypted session cookie."""
    session[RespondentState.SESSION_KEY] = state.to_session()


def answers(state: RespondentState, questionnaire: Questionnaire) -> dict[str, str]:
    """The draft's answers as item id -> form value (none when the draft does not fit)."""
    if not state.draft:
        return {}
    try:
        return decode(state.draft, questionnaire.item_ids)
    except ValueError:
        # The survey's items changed under a running session: start the draft afresh.
        return {}


def step_url(step: str | Page, ret: bool = False) -> str:
    """The address of ``step``; with ``ret``, one whose Next leads back to the review."""
    back = REVIEW if ret and step != REVIEW else None
    if isinstance(step, Page):
        return url_for("respond.page", page_id=step.id, ret=back)
    if step == COMMENT:
        return url_for("respond.comment", ret=back)
    return url_for(f"respond.{step}")


def go(
    state: RespondentState, steps: list[str | Page], current: str | Page, nav: str | None
) -> Response:
    """Save ``state`` with where it goes, then redirect there: the step before ``current``
    (``nav == "back"``), ``current`` again (``"stay"``: the language switch), the saved page
    (``"save"``: continue later) or the step after (the review, when the respondent came
    from it)."""
    index = steps.index(current)
    ret = request.args.get("ret") == REVIEW
    if nav == "back":
        index = max(index - 1, 0)
    elif nav in ("stay", "save"):
        pass
    elif ret:
        index = len(steps) - 1
    else:
        index = min(index + 1, len(steps) - 1)
    state.at = step_id(steps[index])
    save(state)
    if nav == "save":
        return redirect_to("respond.saved")
    return redirect(step_url(steps[index], ret=ret and nav == "stay"), code=303)


def context(state: RespondentState) -> tuple[Questionnaire, list[str | Page]]:
    """The questionnaire of ``state`` and the steps it takes (:class:`SessionExpired` when
    the survey is gone)."""
    try:
        questionnaire = services.questionnaire(state.survey)
    except services.NotFound:
        # The survey was removed while this respondent was answering.
        raise SessionExpired from None
    return questionnaire, questionnaire.steps(state.consent)


def held() -> RespondentState | None:
    """The respondent state this browser holds, if any."""
    return RespondentState.from_session(session.get(RespondentState.SESSION_KEY))


def same_link(held: RespondentState, token: str) -> bool:
    """Whether ``held`` was started with link ``token`` in this browser: an invitation (by
    its keyed digest) or the survey's open link (public: the state holds it as the right)."""
    if held.open_link:
        return hmac.compare_digest(held.right.encode(), token.encode())
    if not held.link:
        return False
    return hmac.compare_digest(held.link, digest(token))


def digest(token: str) -> str:
    """The keyed digest of invitation link ``token`` under the app's secret key."""
    secret = current_app.secret_key
    if not secret:  # create_app refuses to run without one; never digest under no key
        raise RuntimeError("SECRET_KEY is not set")
    return link_digest(secret, token)


def draft_days() -> int:
    """How many days a draft is kept after the last save (at least 1), for the pages that
    promise it."""
    return max(int(current_app.config["SAMEN_DRAFT_LIFETIME"].total_seconds() // 86400), 1)


def keep_open_answers(state: RespondentState, texts: list[OpenItem]) -> bool:
    """Keep the page's open answers in the session; False (with an error on the text box,
    the page's closed answers kept) when one is too long, to send or to keep in the cookie.

    A page without open questions keeps nothing here (the caller saves the state): no
    encrypting the cookie twice to measure it."""
    if not texts:
        return True
    for text in texts:
        if text.too_long:
            text.errors = [_("At most %(n)s characters, please.", n=COMMENT_MAX_CHARS)]
    if any(text.errors for text in texts):
        save(state)
        return False
    previous = dict(state.open_answers)
    for text in texts:
        state.open_answers.pop(text.name, None)
        if text.data:
            state.open_answers[text.name] = text.data
    save(state)
    if cookie_size() <= COOKIE_BUDGET:
        return True
    # Too long to keep in the cookie (e.g. many emoji): keep the earlier texts, ask to shorten.
    state.open_answers = previous
    save(state)
    for text in texts:
        if text.data:
            text.errors = [_("Your answer is too long to keep. Please make it shorter.")]
    return False


def to_send(
    state: RespondentState, questionnaire: Questionnaire
) -> tuple[dict[str, str], dict[str, str]]:
    """The draft's answers and open answers to send. Declined or never reached: nothing from
    special-category pages is sent, neither statements nor open questions."""
    drafted = answers(state, questionnaire)
    opened = {
        q.id: state.open_answers[q.id]
        for q in questionnaire.open_questions
        if q.id in state.open_answers
    }
    if state.consent is not True:
        for page in questionnaire.sensitive_pages:
            for item in page.items:
                drafted.pop(item.id, None)
            for question in page.open_questions:
                opened.pop(question.id, None)
    return drafted, opened
