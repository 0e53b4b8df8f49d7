"""The respondent app in headless Chromium at 360x740: the whole flow, keyboard only, without
JavaScript, and axe-core's WCAG 2.1 AA checks on every kind of page in Dutch and English.

Screenshots go to /tmp/samen-shots/ for a person to look at.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.webapp.conftest import PHONE, navigate, screenshot

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def check_page(page: Any, name: str, axe: bool = True) -> None:
    """Screenshot, no horizontal scrolling at 360 px, and zero axe-core WCAG 2.1 AA violations.

    ``axe=False`` skips axe (seconds on a long page) where a page of the same template in the
    same language was checked already.
    """
    from axe_playwright_python.sync_playwright import Axe

    screenshot(page, name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: page is {width} px wide"
    if not axe:
        return
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = results.response["violations"]
    assert violations == [], f"{name}: {results.generate_report()}"


def _checked(page: Any, item_id: str) -> str | None:
    return page.evaluate(
        "(name) => { const c = document.querySelector(`input[name='${name}']:checked`);"
        " return c ? c.value : null; }",
        item_id,
    )


def test_answer_in_dutch_on_a_phone(phone, live_server, browser_survey):
    """Issue 4's "done when": open a link, answer in Dutch on a phone, submit, be counted."""
    page = phone("en-GB")
    token = browser_survey.issue()[0]
    before = browser_survey.count()

    page.goto(f"{live_server}/s/{token}")
    check_page(page, "en-0-landing")
    navigate(page, page.get_by_role("button", name="Open the survey"))
    assert page.url == f"{live_server}/survey"  # the token left the address bar
    assert page.locator("html").get_attribute("lang") == "en"
    navigate(page, page.get_by_role("link", name="Nederlands"))
    assert page.locator("html").get_attribute("lang") == "nl"
    check_page(page, "nl-1-welcome")

    navigate(page, page.get_by_role("link", name="Beginnen"))
    navigate(page, page.get_by_role("button", name="Ja, laat deze vragen zien"))
    assert page.url.endswith("/survey/q/belonging")
    assert page.get_by_text(re.compile(r"Stap 3 van \d+")).is_visible()
    check_page(page, "nl-2-belonging")
    page.get_by_label("Helemaal mee eens").first.check()
    page.locator("input[name='bel_mem_2'][value='na']").check()
    navigate(page, page.get_by_role("button", name="Volgende"))
    assert page.url.endswith("/survey/q/authenticity")
    page.locator("input[name='aut_room_1'][value='2']").check()
    navigate(page, page.get_by_role("button", name="Vorige"))
    # Back: the earlier answers are still there, and the page we left kept its answer.
    assert _checked(page, "bel_mem_1") == "5"
    assert _checked(page, "bel_mem_2") == "na"
    navigate(page, page.get_by_role("button", name="Volgende"))
    assert _checked(page, "aut_room_1") == "2"

    # Forward through the remaining pages to the review.
    while "/survey/review" not in page.url:
        if page.url.endswith("/survey/comment"):
            page.get_by_label("Je opmerking (niet verplicht)").fill("Fijn team.")
        navigate(page, page.get_by_role("button", name="Volgende"))
    check_page(page, "nl-3-review")
    assert page.get_by_text("Fijn team.").is_visible()
    assert page.get_by_text("Niet van toepassing").first.is_visible()
    navigate(page, page.get_by_role("button", name="Versturen").first)
    assert page.url.endswith("/survey/thanks")
    check_page(page, "nl-4-thanks")

    assert browser_survey.count() == before + 1
    page.goto(f"{live_server}/s/{token}")
    # A used link shows the landing page every link shows; only its button tells.
    navigate(page, page.get_by_role("button", name="Vragenlijst openen"))
    assert page.get_by_role("heading", name="Deze link werkt niet").is_visible()
    check_page(page, "nl-5-used-link")


def test_english_pages_keyboard_only_and_accessible(phone, live_server, browser_survey):
    page = phone("en-GB")
    token = browser_survey.issue()[0]
    page.goto(f"{live_server}/s/{token}")
    page.get_by_role("button", name="Open the survey").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/survey")
    check_page(page, "en-1-welcome")
    page.get_by_role("link", name="Start").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/survey/consent")
    check_page(page, "en-2-consent")
    page.get_by_role("button", name="Yes, show these questions").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/survey/q/belonging")
    check_page(page, "en-3-belonging")
    # Keyboard only: Tab into the first question, arrows choose, Enter submits (Next first).
    page.locator("input[name='bel_mem_1']").first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert _checked(page, "bel_mem_1") == "3"
    page.keyboard.press("Enter")
    page.wait_for_url("**/survey/q/authenticity")
    page.goto(f"{live_server}/survey/q/unwanted_behaviour-1")
    check_page(page, "en-4-unwanted-behaviour", axe=False)
    page.goto(f"{live_server}/survey/q/demographics")
    check_page(page, "en-5-demographics")
    page.goto(f"{live_server}/survey/comment")
    check_page(page, "en-6-comment")
    page.goto(f"{live_server}/survey/review")
    check_page(page, "en-7-review")
    assert page.locator("dd", has_text="Neither agree nor disagree").first.is_visible()
    navigate(page, page.get_by_role("button", name="Send").last)
    check_page(page, "en-8-thanks")
    page.goto(f"{live_server}/survey/review")
    check_page(page, "en-9-session-ended")
    page.goto(f"{live_server}/nowhere")
    check_page(page, "en-10-not-found")
    page.goto(f"{live_server}/privacy/{browser_survey.slug}")
    check_page(page, "en-11-privacy")
    page.goto(f"{live_server}/privacy/{browser_survey.slug}?lang=nl")
    check_page(page, "nl-6-privacy")
    page.goto(f"{live_server}/nowhere")
    check_page(page, "nl-7-not-found")


def test_works_without_javascript(phone, live_server, browser_survey):
    page = phone("nl-NL", javascript=False)
    token = browser_survey.issue()[0]
    before = browser_survey.count()
    page.goto(f"{live_server}/s/{token}")
    navigate(page, page.get_by_role("button", name="Vragenlijst openen"))
    navigate(page, page.get_by_role("link", name="Beginnen"))
    navigate(page, page.get_by_role("button", name="Nee, sla deze vragen over"))
    page.get_by_text("Mee eens", exact=True).first.click()
    navigate(page, page.get_by_role("button", name="Volgende"))
    page.goto(f"{live_server}/survey/review")
    assert page.locator("dd", has_text="Mee eens").first.is_visible()
    navigate(page, page.get_by_role("button", name="Versturen").first)
    assert page.get_by_role("heading", name="Bedankt!").is_visible()
    assert browser_survey.count() == before + 1


def test_every_unwanted_behaviour_question_offers_prefer_not_to_say(
    phone, live_server, browser_survey
):
    """The consent page promises "prefer not to say" on every sensitive question: questions
    11-16 (who it came from, reporting) offered only "not applicable" before. The frequency
    scale has NEA's anchors with a "sometimes" step. A respondent who picks "prefer not to
    say" sees it on the review page, and it is kept apart from "not applicable"."""
    page = phone("nl-NL")
    token = browser_survey.issue()[0]
    page.goto(f"{live_server}/s/{token}")
    navigate(page, page.get_by_role("button", name="Vragenlijst openen"))
    page.wait_for_url("**/survey")
    navigate(page, page.get_by_role("link", name="Beginnen"))
    navigate(page, page.get_by_role("button", name="Ja, laat deze vragen zien"))
    page.wait_for_url("**/survey/q/belonging")
    for part in ("unwanted_behaviour-1", "unwanted_behaviour-2"):
        page.goto(f"{live_server}/survey/q/{part}")
        groups = page.locator("fieldset")
        assert groups.count() >= 5
        for i in range(groups.count()):
            group = groups.nth(i)
            assert group.get_by_label("Zeg ik liever niet").count() == 1, group.inner_text()
            # set apart from the answers, like "not applicable"
            assert group.locator("label.option-na", has_text="Zeg ik liever niet").count() == 1
    page.goto(f"{live_server}/survey/q/unwanted_behaviour-1")
    assert page.locator("fieldset").first.get_by_label("Soms", exact=True).count() == 1
    check_page(page, "nl-ub-1-frequency")
    page.goto(f"{live_server}/survey/q/unwanted_behaviour-2")
    colleague = page.locator("fieldset").first
    colleague.get_by_label("Zeg ik liever niet").focus()
    page.keyboard.press("Space")
    assert _checked(page, "ub_src_colleague") == "pn"
    check_page(page, "nl-ub-2-source")
    navigate(page, page.get_by_role("button", name="Volgende").first)
    page.goto(f"{live_server}/survey/review")
    answer = page.locator("div.answer", has_text="van een collega")
    assert answer.locator("dd").inner_text() == "Zeg ik liever niet"
