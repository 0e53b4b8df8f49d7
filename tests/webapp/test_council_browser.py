"""The council pages, the privacy page and the review page's new statements in headless
Chromium: 0 axe-core WCAG 2.1 AA violations, no horizontal scrolling at 360 px, screenshots
at 360 and 1366 px in /tmp/samen-shots/ (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.webapp.conftest import navigate
from tests.webapp.test_browser import check_page

pytestmark = pytest.mark.browser

EMAIL = "or.browser@example.org"
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def council_account(browser_survey):
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from surveys import users as users_module
    from surveys.consent import give_consent, latest_consent
    from surveys.users import add_user

    saved = users_module.HASHER
    users_module.HASHER = PasswordHasher.from_parameters(CHEAPEST)
    try:
        add_user(browser_survey.db, EMAIL, "council", PASSWORD)
    finally:
        users_module.HASHER = saved
    if latest_consent(browser_survey.db, browser_survey.slug) is None:
        give_consent(browser_survey.db, browser_survey.slug, "OR, 2026-12-01", audit="ok")
    return EMAIL


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/council/")


@pytest.mark.parametrize("locale", ["nl-NL", "en-GB"])
def test_council_pages(phone, browser, live_server, browser_survey, council_account, locale):
    page = phone(locale)
    _sign_in(page, live_server)
    lang = locale[:2]
    check_page(page, f"council-index-{lang}")
    page.goto(f"{live_server}/council/{browser_survey.slug}/profile")
    assert "2026-12-01" in page.content()
    check_page(page, f"council-profile-{lang}")
    page.goto(f"{live_server}/council/{browser_survey.slug}/progress")
    check_page(page, f"council-progress-{lang}")
    page.goto(f"{live_server}/privacy/{browser_survey.slug}")
    check_page(page, f"privacy-consent-{lang}")
    wide = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale)
    try:
        desk = wide.new_page()
        _sign_in(desk, live_server)
        desk.goto(f"{live_server}/council/{browser_survey.slug}/profile")
        from tests.webapp.conftest import screenshot

        screenshot(desk, f"council-profile-{lang}-1366")
        desk.emulate_media(media="print")
        screenshot(desk, f"council-profile-{lang}-print")
    finally:
        wide.close()


@pytest.mark.parametrize("locale", ["nl-NL", "en-GB"])
def test_review_statements(phone, live_server, browser_survey, locale):
    page = phone(locale)
    token = browser_survey.issue()[0]
    page.goto(f"{live_server}/s/{token}")
    navigate(page, page.get_by_role("button").first)
    page.goto(f"{live_server}/survey/review")
    assert 'id="before-send"' in page.content()
    check_page(page, f"review-before-send-{locale[:2]}")
    from tests.webapp.conftest import SHOTS

    page.locator("section.before-send").screenshot(
        path=str(SHOTS / f"review-before-send-{locale[:2]}-section.png")
    )
