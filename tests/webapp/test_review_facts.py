"""What respondents are told before they send (issue 13), and that no page they can see
carries a live count: their pages read the same before and after others answered."""

from __future__ import annotations

import re

import pytest

from tests.webapp.helpers import csrf_token, post_page, start

EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}


@pytest.fixture
def db_backend() -> str:
    return "sqlite"


def _definition(survey):
    from surveys.survey_store import get_survey

    return get_survey(survey.db, survey.slug)


def _to_review(client, token: str):
    start(client, token)
    client.get("/survey", headers=EN)
    post_page(client, "/survey/consent", {}, nav="yes")
    return client.get("/survey/review", headers=EN)


def test_review_states_unit_thresholds_sensitive_and_deleted_link(client, survey):
    definition = _definition(survey)
    text = _to_review(client, survey.tokens[0]).text
    assert "Your answers count towards the results of Ward A" in text
    assert f"at least {definition.k} responses" in text
    # the comment threshold is named in writers, not responses
    assert f"at least {definition.comment_threshold} people (writers) wrote one" in text
    sensitive = [i for i in definition.answer_instruments if i.sensitive]
    assert sensitive and "are optional" in text
    for instrument in sensitive:
        assert f"\u201c{instrument.title['en']}\u201d" in text
    assert "The questions about you are optional" in text
    assert f"groups with at least {max(definition.k, definition.comment_threshold)}" in text
    assert "Your personal link was deleted when you opened the survey" in text
    assert f'href="/privacy/{survey.slug}#profile"' in text
    privacy = client.get(f"/privacy/{survey.slug}", headers=EN).text
    assert 'id="profile"' in privacy and "from the impact assessment" in privacy


def test_the_link_really_was_deleted_on_start(client, survey):
    """The statement is true: the invitation cannot be started a second time."""
    _to_review(client, survey.tokens[0])
    other = client.application.test_client()
    assert start(other, survey.tokens[0]).status_code == 404


def test_review_in_dutch(client, survey):
    start(client, survey.tokens[0])
    post_page(client, "/survey/consent", {}, nav="yes")
    text = client.get("/survey/review", headers=NL).text
    assert "Je antwoorden tellen mee voor de resultaten van Ward A" in text
    assert "Je persoonlijke link is verwijderd" in text


def _strip(html: str) -> str:
    """The page without its CSRF tokens (random per session)."""
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def test_no_live_counts_on_respondent_pages(client, app, survey):
    """A respondent's pages read the same before and after two others sent their answers."""
    tokens = survey.issue(3)
    watcher = app.test_client()
    landing_before = watcher.get(f"/s/{tokens[0]}", headers=EN).text
    review_before = _to_review(client, survey.tokens[0]).text
    for token in survey.tokens[1:3]:
        other = app.test_client()
        review = _to_review(other, token)
        sent = other.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
        assert sent.status_code == 303
    assert survey.count() == 2
    assert _strip(client.get("/survey/review", headers=EN).text) == _strip(review_before)
    assert _strip(watcher.get(f"/s/{tokens[0]}", headers=EN).text) == _strip(landing_before)
    privacy = app.test_client().get(f"/privacy/{survey.slug}", headers=EN).text
    assert "2 responses" not in privacy and "answered so far" not in privacy
