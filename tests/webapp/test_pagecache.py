"""Question pages from shells (webapp.respond.pagecache) are the pages Jinja renders in full:
for every page, both languages, both progress variants (before and after the consent
choice), from the review and not, with no, some and "not applicable" answers."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.webapp.helpers import csrf_token, post_page, start
from webapp.respond import pagecache

_CSRF_VALUE = re.compile(r'(name="csrf_token" value=")[^"]+(")')


def _page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return _CSRF_VALUE.sub(r"\1\2", response.text)


def _in_full(client: Any, url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The page rendered by Jinja with the answers (no shell can be cut)."""
    with monkeypatch.context() as patch:
        patch.setattr(pagecache, "cut", lambda *_args: None)
        return _page(client, url)


def _pages(app: Any, slug: str) -> list[Any]:
    from webapp.respond import services

    with app.app_context():
        return list(services.questionnaire(slug).pages)


def test_filled_shells_are_the_pages_rendered_in_full(
    app: Any, client: Any, survey: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert start(client, survey.tokens[0]).status_code == 303
    pages = _pages(app, survey.slug)
    assert len(pages) >= 10
    shells = app.extensions.get("samen_page_shells")
    assert shells is None or len(shells) == 0
    checked = 0
    for stage in ("unanswered", "answered", "declined"):
        if stage == "answered":
            # some answers: the first option of one item, "not applicable" or the last of others
            for page in pages[:4]:
                item = page.items[0]
                points = item.response_scale.points
                value = "na" if item.response_scale.not_applicable else str(points[-1])
                data = {item.id: value, page.items[-1].id: str(points[0])}
                moved = post_page(client, f"/survey/q/{page.id}", data, nav="stay")
                assert moved.status_code == 303
        if stage == "declined":
            # The consent choice changes the steps, hence the progress bar of every page.
            consent = client.get("/survey/consent")
            token = csrf_token(consent.text)
            assert client.post(
                "/survey/consent", data={"csrf_token": token, "nav": "no"}
            ).status_code in (302, 303)
        for page in pages:
            if stage == "declined" and page.sensitive:
                continue
            for query in ("?lang=en", "?lang=nl", "?ret=review&lang=en"):
                url = f"/survey/q/{page.id}{query}"
                expected = _in_full(client, url, monkeypatch)
                assert _page(client, url) == expected  # rendered now, its shell kept
                assert _page(client, url) == expected  # from the shell
                checked += expected.count(" checked ")
    assert checked > 0  # the answers are in the pages compared
    assert 0 < len(app.extensions["samen_page_shells"]) <= pagecache.SHELLS_PER_PROCESS


def test_a_changed_survey_gets_new_shells(app: Any, client: Any, survey: Any) -> None:
    """A shell serves only the questionnaire object it was cut from: after the stored survey
    changed, the page shows the new text."""
    from sqlalchemy import select, update

    from surveys.models import SurveyRow

    assert start(client, survey.tokens[0]).status_code == 303
    page = _pages(app, survey.slug)[0]
    url = f"/survey/q/{page.id}?lang=en"
    item = page.items[0]
    before = client.get(url).text
    assert item.text["en"] in before
    with survey.db.session(write=True) as session:
        stored = session.scalar(select(SurveyRow.definition).where(SurveyRow.slug == survey.slug))
        changed = stored.replace(item.text["en"], "A statement changed on the fly")
        assert changed != stored
        session.execute(
            update(SurveyRow).where(SurveyRow.slug == survey.slug).values(definition=changed)
        )
    after = client.get(url).text
    assert "A statement changed on the fly" in after
    assert item.text["en"] not in after


def test_an_odd_ret_argument_is_rendered_not_kept(app: Any, client: Any, survey: Any) -> None:
    """The language switch repeats the raw ``ret`` argument in its address: a value other
    than ``review`` is rendered for the request and never kept (no shell per made-up value)."""
    assert start(client, survey.tokens[0]).status_code == 303
    page = _pages(app, survey.slug)[0]
    for n in range(5):
        response = client.get(f"/survey/q/{page.id}?ret=x{n}")
        assert response.status_code == 200
        assert f"ret=x{n}" in response.text
    shells = app.extensions.get("samen_page_shells")
    assert shells is None or len(shells) == 0
