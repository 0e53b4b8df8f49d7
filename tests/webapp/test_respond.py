"""The respondent flow with Flask's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from surveys.waves import close_wave
from tests.webapp.helpers import csrf_token, post_page, start
from webapp.respond.draft import RespondentState
from webapp.respond.questionnaire import Questionnaire


def _questionnaire(survey) -> Questionnaire:
    from surveys.survey_store import get_survey

    return Questionnaire.from_definition(get_survey(survey.db, survey.slug))


def _state(client) -> RespondentState | None:
    with client.session_transaction() as session:
        return RespondentState.from_session(session.get(RespondentState.SESSION_KEY))


def test_link_exchanges_token_for_a_right_at_start_and_redirects(client, survey):
    token = survey.tokens[0]
    landing = client.get(f"/s/{token}")
    assert landing.status_code == 200 and token not in landing.text
    assert _state(client) is None
    response = client.post(f"/s/{token}", data={"csrf_token": csrf_token(landing.text)})
    assert response.status_code == 303
    assert response.location == "/survey"
    state = _state(client)
    assert state is not None and state.right != token and len(state.right) >= 32
    assert state.survey == survey.slug and state.wave == survey.wave and state.unit == "ward-a"
    page = client.get("/survey")
    assert page.status_code == 200
    assert token not in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"


def test_unknown_and_used_tokens_get_the_same_page(client, app, survey):
    questionnaire = _questionnaire(survey)
    token = survey.tokens[0]
    start(client, token)
    review = client.get("/survey/review")
    send = client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    assert send.status_code == 303 and send.location == "/survey/thanks"
    assert survey.count() == 1
    nl = {"Accept-Language": "nl"}
    used = start(app.test_client(), token, headers=nl)
    unknown = start(app.test_client(), "x" * len(token), headers=nl)
    assert used.status_code == unknown.status_code == 404
    assert used.data == unknown.data
    assert "Deze link werkt niet" in used.text
    assert questionnaire.k == 5


def test_closed_wave_gets_the_page_of_an_unknown_link(client, app, survey):
    """After close, an unused link starts no more, and answers as a used one would."""
    close_wave(survey.db, survey.slug, survey.wave)
    en = {"Accept-Language": "en"}
    response = start(client, survey.tokens[0], headers=en)
    unknown = start(app.test_client(), "y" * 32, headers=en)
    assert response.status_code == unknown.status_code == 404
    assert response.data == unknown.data
    assert "This link does not work" in response.text
    assert "Traceback" not in response.text


def test_whole_flow_with_back_and_forward(client, survey):
    questionnaire = _questionnaire(survey)
    start(client, survey.tokens[1])
    welcome = client.get("/survey", headers={"Accept-Language": "en"})
    assert f"at least {questionnaire.k} people" in welcome.text
    assert "Step 1 of" in welcome.text
    consent = post_page(client, "/survey/consent", {}, nav="yes")
    first = questionnaire.pages[0]
    assert consent.location == f"/survey/q/{first.id}"
    item = first.items[0]
    saved = post_page(client, f"/survey/q/{first.id}", {item.id: "4"})
    assert saved.location == f"/survey/q/{questionnaire.pages[1].id}"
    second = questionnaire.pages[1]
    back = post_page(client, f"/survey/q/{second.id}", {second.items[0].id: "na"}, nav="back")
    assert back.location == f"/survey/q/{first.id}"
    # Going back shows the saved answer checked, and the answer on the page we left is kept.
    again = client.get(f"/survey/q/{first.id}")
    assert (
        f'<input checked id="{item.id}-3" name="{item.id}" type="radio" value="4">' in again.text
    )
    state = _state(client)
    assert state is not None and state.consent is True
    draft = state.draft
    assert len(draft) == len(questionnaire.items)
    assert (
        draft[0] == "4" and draft[len(first.items)] == "n" and draft.count("-") == len(draft) - 2
    )
    # The review lists both answers and offers edit links that come back to the review.
    review = client.get("/survey/review", headers={"Accept-Language": "en"})
    label = dict((str(p), lab) for p, lab in item.response_scale.labels["en"].items())["4"]
    assert label in review.text and "Not applicable" in review.text
    assert f"/survey/q/{first.id}?ret=review" in review.text
    edit = post_page(client, f"/survey/q/{first.id}?ret=review", {item.id: "5"})
    assert edit.location == "/survey/review"
    send = client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    assert send.location == "/survey/thanks"
    assert survey.count() == 1
    thanks = client.get("/survey/thanks", headers={"Accept-Language": "en"})
    assert "Thank you" in thanks.text
    # the survey's only release policy: nothing before the round closes, never below k
    assert "shared after this round closes, and only for groups of at least 5" in thanks.text
    assert _state(client) is None
    assert start(client, survey.tokens[1]).status_code == 404


def test_declining_consent_skips_sensitive_pages(client, survey):
    questionnaire = _questionnaire(survey)
    sensitive = [page.id for page in questionnaire.sensitive_pages]
    # Unwanted behaviour (16 statements) is split into two pages at its facets.
    assert sensitive == ["unwanted_behaviour-1", "unwanted_behaviour-2", "demographics"]
    start(client, survey.tokens[0])
    post_page(client, "/survey/consent", {}, nav="no")
    for page_id in sensitive:
        assert client.get(f"/survey/q/{page_id}").status_code == 404
    review = client.get("/survey/review", headers={"Accept-Language": "en"})
    assert "Unwanted behaviour" not in review.text
    assert "About you" not in review.text
    # The last instrument page before the comment leads on to the comment, not to a skipped page.
    last = [p for p in questionnaire.pages if not p.sensitive][-1]
    assert post_page(client, f"/survey/q/{last.id}", {}).location == "/survey/comment"


def test_sensitive_answers_are_dropped_without_consent(client, survey):
    """A draft holding sensitive answers (consent later withdrawn) sends none of them."""
    from surveys.responses import load_answers

    questionnaire = _questionnaire(survey)
    start(client, survey.tokens[0])
    post_page(client, "/survey/consent", {}, nav="yes")
    demo_item = questionnaire.page("demographics").items[0]
    post_page(client, "/survey/q/demographics", {demo_item.id: "2"})
    post_page(client, "/survey/consent", {}, nav="no")
    review = client.get("/survey/review")
    client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    matrix = load_answers(survey.db, survey.slug, survey.wave)
    assert matrix.n == 1
    assert matrix.demographics.shape[1] == len(questionnaire.page("demographics").items)
    assert all(value != value for value in matrix.demographics[0])  # all NaN


@pytest.mark.parametrize(
    "data",
    [
        {"bel_mem_1": "9"},  # a code outside the response scale
        {"bel_mem_1": "na; drop table"},
        {"no_such_item": "1"},  # a field the page does not have
        {"aut_room_1": "1"},  # an item of another page
    ],
    ids=["out-of-range", "garbage", "unknown-field", "other-page-item"],
)
def test_tampered_values_get_400_and_nothing_is_kept(client, survey, data):
    start(client, survey.tokens[0])
    before = _state(client)
    response = post_page(client, "/survey/q/belonging", data)
    assert response.status_code == 400
    assert "Nothing was stored" in response.text or "Er is niets bewaard" in response.text
    assert "Traceback" not in response.text
    assert _state(client) == before
    assert survey.count() == 0


def test_repeated_field_is_tampering(client, survey):
    start(client, survey.tokens[0])
    page = client.get("/survey/q/belonging")
    response = client.post(
        "/survey/q/belonging",
        data={"csrf_token": csrf_token(page.text), "bel_mem_1": ["1", "2"], "nav": "next"},
    )
    assert response.status_code == 400


def test_missing_csrf_gets_friendly_page(client, survey):
    start(client, survey.tokens[0])
    response = client.post("/survey/q/belonging", data={"nav": "next"})
    assert response.status_code == 400
    assert "Traceback" not in response.text and "csrf" not in response.text.lower()
    send = client.post("/survey/send", data={})
    assert send.status_code == 400
    assert survey.count() == 0


def test_pages_without_session_explain_the_session_ended(client, survey):
    for url in ("/survey", "/survey/q/belonging", "/survey/review", "/survey/consent"):
        response = client.get(url, headers={"Accept-Language": "en"})
        assert response.status_code == 400
        assert "Your session has ended" in response.text


def test_unknown_page_is_404(client, survey):
    start(client, survey.tokens[0])
    assert client.get("/survey/q/nonexistent").status_code == 404


def test_a_started_link_does_not_start_in_another_browser(client, app, survey):
    """One link in two browsers: the second gets the page of an unknown link, not a survey."""
    token = survey.tokens[0]
    assert start(client, token).status_code == 303
    other = app.test_client()
    second = start(other, token, headers={"Accept-Language": "en"})
    assert second.status_code == 404 and "This link does not work" in second.text
    assert other.get("/survey/review").status_code == 400  # no session: nothing to send
    review = client.get("/survey/review")
    first = client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    assert first.status_code == 303
    assert survey.count() == 1


def test_start_again_in_the_same_browser_resumes(client, survey):
    """The respondent opens their mail link again and presses the button: back to their
    answers (the link is used up, the right in the cookie is not)."""
    questionnaire = _questionnaire(survey)
    token = survey.tokens[0]
    start(client, token)
    item = questionnaire.pages[0].items[0]
    post_page(client, f"/survey/q/{questionnaire.pages[0].id}", {item.id: "4"})
    right = _state(client).right
    # The mail link opened again (a GET) leads back to where the respondent was.
    opened = client.get(f"/s/{token}")
    assert opened.status_code == 303 and opened.location == "/survey/resume"
    resumed = client.get("/survey/resume")
    assert resumed.location == f"/survey/q/{questionnaire.pages[1].id}"
    # A landing page left open in another tab: its button resumes too, using nothing.
    form = client.get(resumed.location)
    again = client.post(f"/s/{token}", data={"csrf_token": csrf_token(form.text)})
    assert again.status_code == 303 and again.location == "/survey/resume"
    state = _state(client)
    assert state.right == right and state.draft[0] == "4"


def test_send_twice_stores_once(client, survey):
    start(client, survey.tokens[0])
    review = client.get("/survey/review")
    token = csrf_token(review.text)
    assert client.post("/survey/send", data={"csrf_token": token}).status_code == 303
    # A double click: the session no longer holds the right.
    assert client.post("/survey/send", data={"csrf_token": token}).status_code == 400
    assert survey.count() == 1


def test_a_replayed_cookie_sends_once(client, app, survey):
    """The session cookie copied before Send (a back-up, a second device) cannot send again:
    the right it holds is spent exactly once."""
    start(client, survey.tokens[0])
    review = client.get("/survey/review")
    cookie = client.get_cookie("session").value
    form = {"csrf_token": csrf_token(review.text)}
    assert client.post("/survey/send", data=form).status_code == 303
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    again = replay.post("/survey/send", data=form, headers={"Accept-Language": "en"})
    assert again.status_code == 409 and "Nothing new was stored" in again.text
    assert survey.count() == 1


def test_wave_closed_while_answering(client, survey):
    start(client, survey.tokens[0])
    review = client.get("/survey/review")
    close_wave(survey.db, survey.slug, survey.wave)
    response = client.post(
        "/survey/send",
        data={"csrf_token": csrf_token(review.text)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 410
    assert "This survey is closed" in response.text


def test_response_is_stored_in_the_language_answered(client, survey):
    from surveys.responses import load_answers

    start(client, survey.issue(language="nl")[0])
    client.get("/survey?lang=en")
    review = client.get("/survey/review")
    client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    matrix = load_answers(survey.db, survey.slug, survey.wave)
    assert list(matrix.languages) == ["en"]


def _row_counts(db) -> dict[str, int]:
    from sqlalchemy import func, inspect, select, table

    names = inspect(db.engine).get_table_names()
    with db.engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in names
        }


def test_drafts_never_reach_the_database(client, survey):
    """Viewing a link writes nothing; Start only deletes the invitation; saving pages writes
    nothing; the final send stores the response and spends the right."""
    questionnaire = _questionnaire(survey)
    before = _row_counts(survey.db)
    client.get(f"/s/{survey.tokens[0]}")
    assert _row_counts(survey.db) == before
    start(client, survey.tokens[0])
    started = _row_counts(survey.db)
    assert started == {**before, "invitations": before["invitations"] - 1}
    post_page(client, "/survey/consent", {}, nav="yes")
    for page in questionnaire.pages:
        post_page(client, f"/survey/q/{page.id}", {page.items[0].id: "1"})
    post_page(client, "/survey/comment", {"comment": "Goed werk."})
    assert _row_counts(survey.db) == started
    review = client.get("/survey/review")
    client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    after = _row_counts(survey.db)
    assert after["responses"] == before["responses"] + 1
    assert after["comments"] == before["comments"] + 1
    assert after["spent_rights"] == before["spent_rights"] + 1
    assert after["invitations"] == before["invitations"] - 1


def test_a_survey_in_one_language_asks_its_questions_in_that_language(client, db, tmp_path):
    """A Dutch-only survey is asked in Dutch, interface included, to a browser that prefers
    English, so the language stored with the response is the language the questions were read
    in."""
    from surveys.responses import load_answers
    from tests.webapp.conftest import HOSPITAL, make_survey

    path = tmp_path / "nl.yaml"
    path.write_text(
        HOSPITAL.read_text(encoding="utf-8").replace("languages: [nl, en]", "languages: [nl]"),
        encoding="utf-8",
    )
    survey = make_survey(db, path)
    english = {"Accept-Language": "en"}
    start(client, survey.tokens[0], headers=english)
    page = client.get("/survey/q/belonging", headers=english)
    assert "In mijn team word ik gezien als een van ons." in page.text
    assert "Helemaal mee eens" in page.text and "Niet van toepassing" in page.text
    assert "Strongly agree" not in page.text and "seen as one of us" not in page.text
    # ... and the interface around them is Dutch too, with no switch to English
    assert '<html lang="nl"' in page.text and 'hreflang="en"' not in page.text
    assert '<html lang="nl"' in client.get("/survey/q/belonging?lang=en", headers=english).text
    saved = post_page(client, "/survey/q/belonging", {"bel_mem_1": "4"})
    assert saved.status_code == 303
    review = client.get("/survey/review", headers=english)
    assert "Mee eens" in review.text
    send = client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    assert send.location == "/survey/thanks"
    assert list(load_answers(db, survey.slug, survey.wave).languages) == ["nl"]


def test_the_open_link_also_starts_from_an_s_address(client, app, db, tmp_path):
    """``/s/<open link>`` shows the landing page too; its button goes to the unit choice and
    uses nothing up (the open link is shared by everyone). ``/o/`` never opens an invitation,
    whatever its state, so it cannot tell used from unused either."""
    from surveys.invitations import count_unused_invitations, open_link_token
    from tests.webapp.conftest import HOSPITAL, make_survey

    path = tmp_path / "open.yaml"
    path.write_text(
        HOSPITAL.read_text(encoding="utf-8").replace("open_link: false", "open_link: true"),
        encoding="utf-8",
    )
    survey = make_survey(db, path)
    token = open_link_token(db, survey.slug)
    for browser in (client, app.test_client()):
        response = start(browser, token)
        assert response.status_code == 303 and response.location == "/survey/unit"
    invitation = survey.tokens[0]
    assert app.test_client().get(f"/o/{invitation}").status_code == 404
    assert app.test_client().get(f"/o/{'Q' * len(invitation)}").status_code == 404
    assert count_unused_invitations(db, survey.slug, survey.wave) == len(survey.tokens)
