"""Never lose an answer: opening the link again resumes, the language switch keeps the page's
answers, "save and continue later" says what is kept where, and the draft outlives a closed
browser (the encrypted cookie's lifetime) without anything stored on the server. With Flask's
test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from tests.webapp.helpers import csrf_token, post_page, start
from tests.webapp.test_openlink import open_link_survey
from webapp.respond.draft import RespondentState
from webapp.respond.questionnaire import Questionnaire
from webapp.sessions import LONG_LIVED

EN = {"Accept-Language": "en"}
DAY = 24 * 3600


def _questionnaire(survey: Any) -> Questionnaire:
    from surveys.survey_store import get_survey

    return Questionnaire.from_definition(get_survey(survey.db, survey.slug))


def _state(client: Any) -> RespondentState:
    with client.session_transaction() as session:
        state = RespondentState.from_session(session.get(RespondentState.SESSION_KEY))
    assert state is not None
    return state


def _tables(db: Any) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: what the database holds."""
    meta = MetaData()
    meta.reflect(bind=db.engine)
    with db.engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for name, table in meta.tables.items()
        }


def _answer_first_page(client: Any, questionnaire: Questionnaire) -> tuple[str, str]:
    post_page(client, "/survey/consent", {}, nav="yes")
    first = questionnaire.pages[0]
    item = first.items[0].id
    assert post_page(client, f"/survey/q/{first.id}", {item: "4"}).status_code == 303
    return first.id, item


def test_link_opened_again_resumes_where_the_respondent_was(client, survey):
    """The respondent answers two pages, closes the tab and opens the mail link again: they
    land on the page they were on, with every answer, not on the welcome page."""
    questionnaire = _questionnaire(survey)
    token = survey.tokens[0]
    start(client, token)
    _answer_first_page(client, questionnaire)
    second = questionnaire.pages[1]
    post_page(client, f"/survey/q/{second.id}", {second.items[0].id: "2"})
    before = _state(client)
    assert before.at == questionnaire.pages[2].id

    opened = client.get(f"/s/{token}")
    assert opened.status_code == 303 and opened.location == "/survey/resume"
    resumed = client.get(opened.location)
    assert resumed.location == f"/survey/q/{questionnaire.pages[2].id}"
    # The answers are all there, on the pages they were given on.
    first_page = client.get(f"/survey/q/{questionnaire.pages[0].id}")
    item = questionnaire.pages[0].items[0].id
    assert f'<input checked id="{item}-3" name="{item}" type="radio" value="4">' in first_page.text
    after = _state(client)
    assert after.draft == before.draft and after.right == before.right


def test_link_opened_again_before_any_answer_resumes_at_the_welcome(client, survey):
    token = survey.tokens[0]
    start(client, token)
    assert client.get(f"/s/{token}").location == "/survey/resume"
    assert client.get("/survey/resume").location == "/survey"


def test_another_link_in_the_same_browser_is_not_this_draft(client, survey):
    """A colleague opens their own link at the same computer: it is not taken for the first
    link (no resume of someone else's answers); the landing page says answers in progress
    would be replaced; their Start gives them a fresh draft of their own."""
    questionnaire = _questionnaire(survey)
    start(client, survey.tokens[0])
    _answer_first_page(client, questionnaire)
    mine = _state(client)
    other = client.get(f"/s/{survey.tokens[1]}", headers=EN)
    assert other.status_code == 200
    assert "holds answers in progress for another invitation" in other.text
    started = client.post(f"/s/{survey.tokens[1]}", data={"csrf_token": csrf_token(other.text)})
    assert started.location == "/survey"
    theirs = _state(client)
    assert theirs.right != mine.right and set(theirs.draft or "-") == {"-"}


def test_the_cookie_holds_a_digest_of_the_link_not_the_link(client, survey):
    token = survey.tokens[0]
    start(client, token)
    state = _state(client)
    assert state.link and token not in state.link and len(state.link) == 22
    # Not the database's hash of the token either.
    from surveys._common import hash_token

    assert state.link not in (hash_token(token), hash_token(token)[:22])


def test_language_switch_keeps_what_was_filled_in_on_the_page(client, survey):
    """Half a page filled in Dutch, then the switch to English: the same page comes back in
    English with those answers, and the draft has them."""
    questionnaire = _questionnaire(survey)
    start(client, survey.tokens[0], headers={"Accept-Language": "nl"})
    post_page(client, "/survey/consent", {}, nav="yes")
    page = questionnaire.pages[0]
    url = f"/survey/q/{page.id}"
    dutch = client.get(url)
    assert '<html lang="nl">' in dutch.text
    # The switch is a submit button of the page's form, posting to the page with ?lang=en.
    assert 'form="answers" name="nav" value="stay"' in dutch.text
    assert f'formaction="{url}?lang=en"' in dutch.text
    filled = {page.items[0].id: "5", page.items[1].id: "na"}
    switched = client.post(
        f"{url}?lang=en", data={**filled, "nav": "stay", "csrf_token": csrf_token(dutch.text)}
    )
    assert switched.status_code == 303 and switched.location == url
    english = client.get(url)
    assert '<html lang="en">' in english.text
    for item_id, value in filled.items():
        assert f'<input checked id="{item_id}-' in english.text
        assert (
            f'name="{item_id}" type="radio" value="{value}">'
            in english.text.split(f'<input checked id="{item_id}-')[1].split("\n")[0]
        )
    assert _state(client).at == page.id


def test_language_switch_from_the_review_keeps_the_way_back(client, survey):
    questionnaire = _questionnaire(survey)
    start(client, survey.tokens[0])
    post_page(client, "/survey/consent", {}, nav="yes")
    page = questionnaire.pages[1]
    url = f"/survey/q/{page.id}?ret=review"
    form = client.get(url)
    assert f'formaction="/survey/q/{page.id}?lang=en&amp;ret=review"' in form.text
    switched = client.post(
        f"/survey/q/{page.id}?lang=en&ret=review",
        data={page.items[0].id: "3", "nav": "stay", "csrf_token": csrf_token(form.text)},
    )
    assert switched.location == url


def test_language_switch_keeps_the_comment_being_written(client, survey):
    start(client, survey.tokens[0], headers={"Accept-Language": "nl"})
    page = client.get("/survey/comment")
    assert 'form="answers" name="nav" value="stay"' in page.text
    text = "Half geschreven opmerking"
    switched = client.post(
        "/survey/comment?lang=en",
        data={"comment": text, "nav": "stay", "csrf_token": csrf_token(page.text)},
    )
    assert switched.location == "/survey/comment"
    english = client.get("/survey/comment")
    assert '<html lang="en">' in english.text and text in english.text


def test_enter_still_means_next_with_the_switch_in_the_form(client, survey):
    """The switch buttons come first in the document; a hidden Next before them keeps Enter
    (the form's default button) meaning Next."""
    questionnaire = _questionnaire(survey)
    start(client, survey.tokens[0])
    post_page(client, "/survey/consent", {}, nav="yes")
    html = client.get(f"/survey/q/{questionnaire.pages[0].id}").text
    default = html.index('form="answers" name="nav" value="next" hidden')
    assert default < html.index('value="stay"')


def test_save_and_continue_later_says_what_is_kept_where(client, survey):
    questionnaire = _questionnaire(survey)
    start(client, survey.tokens[0], headers=EN)
    post_page(client, "/survey/consent", {}, nav="yes")
    page = questionnaire.pages[0]
    saved = post_page(client, f"/survey/q/{page.id}", {page.items[0].id: "2"}, nav="save")
    assert saved.status_code == 303 and saved.location == "/survey/saved"
    text = client.get("/survey/saved", headers=EN).text
    assert "You answered 1 of" in text and "Nothing has been sent yet" in text
    assert "only in this browser on this device, encrypted, for 60 days" in text
    assert "Another phone, computer or browser cannot continue" in text
    assert "your link was used up when you started" in text
    assert "http://localhost/survey/resume" in text
    # Continuing: back to the page that was saved, answer kept.
    assert client.get("/survey/resume").location == f"/survey/q/{page.id}"
    assert _state(client).draft.startswith("2")


def test_save_and_continue_later_stores_nothing_on_the_server(client, survey):
    """The draft is only in the cookie: saving, resuming and switching language leave every
    table of the database as it was after Start (DESIGN.md: a server-side draft would need
    its own commit, key and order rules; there is none)."""
    questionnaire = _questionnaire(survey)
    token = survey.tokens[0]
    start(client, token)
    after_start = _tables(survey.db)
    page = questionnaire.pages[0]
    post_page(client, "/survey/consent", {}, nav="yes")
    post_page(client, f"/survey/q/{page.id}", {page.items[0].id: "2"}, nav="save")
    form = client.get(f"/survey/q/{page.id}")
    client.post(
        f"/survey/q/{page.id}?lang=en",
        data={page.items[0].id: "3", "nav": "stay", "csrf_token": csrf_token(form.text)},
    )
    client.get(f"/s/{token}")
    client.get("/survey/resume")
    assert _tables(survey.db) == after_start


def test_the_draft_survives_a_closed_browser_for_60_days(client, app, survey, monkeypatch):
    """The cookie carries an expiry 60 days after the last save (a closed browser keeps it);
    the server opens it until then, and not after."""
    questionnaire = _questionnaire(survey)
    start(client, survey.tokens[0])
    post_page(client, "/survey/consent", {}, nav="yes")
    page = questionnaire.pages[0]
    saved = post_page(client, f"/survey/q/{page.id}", {page.items[0].id: "2"}, nav="save")
    cookie = saved.headers["Set-Cookie"]
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0]).timestamp()
    assert abs(expires - (time.time() + 60 * DAY)) < 120
    now = time.time()
    value = client.get_cookie("session").value
    monkeypatch.setattr("webapp.sessions.time.time", lambda: now + 59 * DAY)
    assert client.get("/survey/resume").location == f"/survey/q/{page.id}"
    # The same cookie, untouched for 61 days (each request renews it: 60 days after the last).
    client.set_cookie("session", value)
    monkeypatch.setattr("webapp.sessions.time.time", lambda: now + 61 * DAY)
    assert client.get("/survey/resume").status_code == 400  # "your session has ended"


def test_other_sessions_keep_their_three_hours(app, monkeypatch):
    """Only a respondent's draft lives long: a session without it expires as before."""
    sealer = app.session_interface.get_signing_serializer(app)
    now = time.time()
    short = sealer.dumps({"x": 1})
    long = sealer.dumps({"x": 1, LONG_LIVED: True})
    monkeypatch.setattr("webapp.sessions.time.time", lambda: now + 4 * 3600)
    for value, kept in ((short, False), (long, True)):
        with app.test_request_context(headers={"Cookie": f"session={value}"}):
            from flask import request

            opened = app.session_interface.open_session(app, request)
            assert ("x" in opened) is kept


def test_sending_ends_the_long_life(client, survey):
    start(client, survey.tokens[0])
    review = client.get("/survey/review")
    client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    with client.session_transaction() as session:
        assert LONG_LIVED not in session and RespondentState.SESSION_KEY not in session


def test_open_link_opened_again_resumes(app, db, tmp_path: Path):
    token = open_link_survey(db, tmp_path)
    client = app.test_client()
    client.get(f"/o/{token}")
    page = client.get("/survey/unit")
    client.post("/survey/unit", data={"csrf_token": csrf_token(page.text), "unit": "W1"})
    post_page(client, "/survey/consent", {}, nav="no")
    state = _state(client)
    again = client.get(f"/o/{token}")
    assert again.location == "/survey/resume"
    assert client.get("/survey/resume").location == f"/survey/q/{state.at}"
    assert _state(client).unit == "W1" and _state(client).consent is False


def test_language_switch_keeps_the_unit_picked_for_the_open_link(app, db, tmp_path: Path):
    token = open_link_survey(db, tmp_path)
    client = app.test_client()
    client.get(f"/o/{token}", headers={"Accept-Language": "nl"})
    page = client.get("/survey/unit")
    assert 'form="answers" name="nav" value="stay"' in page.text
    switched = client.post(
        "/survey/unit?lang=en",
        data={"csrf_token": csrf_token(page.text), "unit": "W1", "nav": "stay"},
    )
    assert switched.location == "/survey/unit"
    english = client.get("/survey/unit")
    assert '<html lang="en">' in english.text
    assert '<option selected value="W1">' in english.text
    assert _state(client).unit == "W1"


def test_draft_days_from_the_environment():
    from webapp.config import ConfigError, environment_config

    assert environment_config({"SAMEN_DRAFT_DAYS": "14"})["SAMEN_DRAFT_LIFETIME"].days == 14
    for bad in ("0", "two", "-3"):
        with pytest.raises(ConfigError, match="SAMEN_DRAFT_DAYS"):
            environment_config({"SAMEN_DRAFT_DAYS": bad})


def test_open_link_opened_as_an_invitation_address_resumes_too(app, db, tmp_path: Path):
    """/s/ accepts the open link's token as well: its Start must not wipe the draft."""
    token = open_link_survey(db, tmp_path)
    client = app.test_client()
    client.get(f"/o/{token}")
    page = client.get("/survey/unit")
    client.post("/survey/unit", data={"csrf_token": csrf_token(page.text), "unit": "W1"})
    post_page(client, "/survey/consent", {}, nav="no")
    before = _state(client)
    assert client.get(f"/s/{token}").location == "/survey/resume"
    form = client.get("/survey/unit")
    again = client.post(f"/s/{token}", data={"csrf_token": csrf_token(form.text)})
    assert again.location == "/survey/resume"
    assert _state(client) == before
