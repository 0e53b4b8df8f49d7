"""Never lose an answer, in headless Chromium at 360 px: the link opened again after the
browser was closed resumes, the language switch keeps the page's answers (with and without
JavaScript), "save and continue later" explains itself and continues, and long instruments
come in pages of at most 10 statements. axe-core at 0 violations on each new page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.webapp.conftest import navigate
from tests.webapp.test_browser import _checked, check_page

pytestmark = pytest.mark.browser


def _reopened(browser: Any, page: Any, locale: str = "nl-NL") -> Any:
    """The browser closed and opened again: a new context with the cookies that outlive it
    (those with an expiry; a session cookie without one is gone)."""
    from tests.webapp.conftest import PHONE

    kept = [c for c in page.context.cookies() if c.get("expires", -1) > 0]
    context = browser.new_context(viewport=PHONE, locale=locale)
    context.add_cookies(kept)
    reopened = context.new_page()
    reopened.set_default_timeout(10_000)
    return reopened


def _start(page: Any, live_server: str, token: str) -> None:
    page.goto(f"{live_server}/s/{token}")
    navigate(page, page.get_by_role("button", name="Vragenlijst openen"))
    navigate(page, page.get_by_role("link", name="Beginnen"))
    navigate(page, page.get_by_role("button", name="Ja, laat deze vragen zien"))
    assert page.url.endswith("/survey/q/belonging")


def test_closed_browser_and_link_opened_again_resume_at_the_page(
    phone, browser, live_server, browser_survey
):
    page = phone("nl-NL")
    token = browser_survey.issue()[0]
    _start(page, live_server, token)
    page.locator("input[name='bel_mem_1'][value='4']").check()
    navigate(page, page.get_by_role("button", name="Volgende"))
    assert page.url.endswith("/survey/q/authenticity")
    page.locator("input[name='aut_room_1'][value='2']").check()
    # wait for the next page: the click returns before the POST has saved the answer
    navigate(page, page.get_by_role("button", name="Volgende"))
    assert "/survey/q/" in page.url and not page.url.endswith("/authenticity")
    where = page.url
    assert page.context.cookies()[0]["expires"] > 0  # the session cookie outlives the browser

    again = _reopened(browser, page)
    try:
        again.goto(f"{live_server}/s/{token}")
        assert again.url == where  # not the welcome page, not the landing page
        navigate(again, again.get_by_role("button", name="Vorige"))
        assert _checked(again, "aut_room_1") == "2"
        navigate(again, again.get_by_role("button", name="Vorige"))
        assert _checked(again, "bel_mem_1") == "4"
    finally:
        again.context.close()


def test_language_switch_keeps_the_answers_on_the_page(phone, live_server, browser_survey):
    page = phone("nl-NL")
    _start(page, live_server, browser_survey.issue()[0])
    page.locator("input[name='bel_mem_1'][value='5']").check()
    page.locator("input[name='bel_mem_2'][value='na']").check()
    check_page(page, "resume-nl-page-with-switch")
    navigate(page, page.get_by_role("button", name="English"))
    assert page.url.endswith("/survey/q/belonging")
    assert page.locator("html").get_attribute("lang") == "en"
    assert _checked(page, "bel_mem_1") == "5"
    assert _checked(page, "bel_mem_2") == "na"
    check_page(page, "resume-en-page-after-switch")


def test_language_switch_keeps_the_answers_without_javascript(phone, live_server, browser_survey):
    page = phone("nl-NL", javascript=False)
    _start(page, live_server, browser_survey.issue()[0])
    page.get_by_text("Mee eens", exact=True).first.click()
    navigate(page, page.get_by_role("button", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith("/survey/q/belonging")
    assert page.locator("input[name='bel_mem_1'][value='4']").is_checked()


def test_save_and_continue_later(phone, browser, live_server, browser_survey):
    page = phone("en-GB")
    token = browser_survey.issue()[0]
    page.goto(f"{live_server}/s/{token}")
    navigate(page, page.get_by_role("button", name="Open the survey"))
    navigate(page, page.get_by_role("link", name="Start"))
    navigate(page, page.get_by_role("button", name="Yes, show these questions"))
    page.locator("input[name='bel_mem_3'][value='1']").check()
    navigate(page, page.get_by_role("button", name="Save and continue later"))
    assert page.url.endswith("/survey/saved")
    assert page.get_by_role("heading", name="Your answers are saved in this browser").is_visible()
    assert page.get_by_text(re.compile("cannot continue: your link was used up")).is_visible()
    assert page.get_by_text(re.compile("only in this browser on this device")).is_visible()
    check_page(page, "resume-en-saved")
    again = _reopened(browser, page, "en-GB")
    try:
        again.goto(f"{live_server}/survey/resume")
        assert again.url.endswith("/survey/q/belonging")
        assert _checked(again, "bel_mem_3") == "1"
    finally:
        again.context.close()
    navigate(page, page.get_by_role("link", name="Continue now"))
    assert page.url.endswith("/survey/q/belonging")


def test_another_invitation_in_the_same_browser_says_what_happens(
    phone, live_server, browser_survey
):
    page = phone("nl-NL")
    first, second = browser_survey.issue(2)
    _start(page, live_server, first)
    page.goto(f"{live_server}/s/{second}")
    assert page.get_by_text(re.compile("antwoorden van een andere uitnodiging")).is_visible()
    check_page(page, "resume-nl-landing-other-invitation")
    navigate(page, page.get_by_role("link", name="Terug naar de antwoorden die je al gaf"))
    assert page.url.endswith("/survey/q/belonging")


def test_long_instruments_come_in_short_pages(phone, live_server, browser_survey):
    page = phone("nl-NL")
    _start(page, live_server, browser_survey.issue()[0])
    page.goto(f"{live_server}/survey/q/social_safety-2")
    assert page.get_by_text("Deel 2 van 4").is_visible()
    assert page.locator("fieldset.item").count() == 10
    label = page.locator("#progress-label").inner_text()
    found = re.search(r"vragen (\d+)–(\d+) van (\d+)", label)
    assert found is not None and int(found[2]) - int(found[1]) == 9
    bar = page.locator("progress")
    assert int(bar.get_attribute("value")) == int(found[1]) - 1
    assert int(bar.get_attribute("max")) == int(found[3])
    check_page(page, "resume-nl-social-safety-part-2")
