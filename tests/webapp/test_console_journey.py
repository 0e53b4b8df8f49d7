"""A whole round from the browser, as a newcomer does it after ``make demo``: in Dutch, with
the keyboard only (Tab, Enter, Space and typing; no clicks), in headless Chromium.

Sign in as the demo's admin (lands on the console), create a survey, open a round, make
three links, answer one as a respondent, see the response rate ("minder dan 5": below k, no
count), close the round. axe-core (WCAG 2 A/AA) finds nothing on any console page visited.
A second test opens the Invitations, People and Audit & privacy pages and the password pages
at 1366 and 390 px: axe at 0, nothing wider than the screen.

Screenshots go to /tmp/samen-shots/console-*.png for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.webapp.conftest import navigate, screenshot
from tests.webapp.test_dashboard_browser import _axe
from tests.webapp.test_export_cli import demo_copy_info

pytestmark = pytest.mark.browser

WIDE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SLUG = "teamklimaat"
ROUND = "2027-1"
UNIT = "CHIR-A"


@pytest.fixture(scope="module")
def fresh_demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
    """A fresh demo database served in a thread: (build info, base URL)."""
    from surveys.db import Database
    from webapp import create_app
    from webapp.cli.serve import serve_in_thread
    from webapp.config import TestConfig

    url, info = demo_copy_info(tmp_path_factory, sqlite_template)
    database = Database(url)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": database})
    server = serve_in_thread(app)
    yield info, f"http://127.0.0.1:{server.server_port}", database
    server.shutdown()
    server.server_close()
    database.dispose()


class Keyboard:
    """Drives a page with the keyboard only; collects axe results of console pages."""

    def __init__(self, page: Any, name: str) -> None:
        self.page = page
        self.name = name
        self.audited: list[str] = []

    def focused(self, selector: str) -> bool:
        return bool(
            self.page.evaluate(
                "s => !!document.activeElement && document.activeElement.matches(s)", selector
            )
        )

    def tab_to(self, selector: str, limit: int = 150) -> None:
        """Press Tab until the element matching ``selector`` has the focus."""
        for _ in range(limit):
            if self.focused(selector):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {selector!r} on {self.page.url}")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)

    def press_on(self, selector: str, key: str = "Enter") -> None:
        """Focus ``selector`` with Tab and press ``key``; wait for the next page."""
        self.tab_to(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.page.wait_for_load_state("load")

    def check(self, selector: str) -> None:
        """Tick a checkbox or radio button with Space."""
        self.tab_to(selector)
        if not self.page.evaluate("() => document.activeElement.checked"):
            self.page.keyboard.press("Space")
        assert self.page.evaluate("() => document.activeElement.checked"), selector

    def choose(self, selector: str, value: str) -> None:
        """Pick an option of a closed <select> by typing its label's first letters."""
        self.tab_to(selector)
        label = self.page.evaluate(
            "([s, v]) => [...document.querySelector(s).options].find(o => o.value === v).text",
            [selector, value],
        )
        self.page.keyboard.type(label)
        assert self.page.eval_on_selector(selector, "e => e.value") == value, selector

    def axe(self, step: str) -> None:
        """axe-core on this console page (WCAG 2 A/AA): no violations."""
        _axe(self.page, f"{self.name} {step}")
        self.audited.append(self.page.url)


def answer_with_keyboard(keys: Keyboard) -> None:
    """Open the survey, pick the first option of every statement with Space, go on with
    Enter on the primary button until the thank-you page."""
    page = keys.page
    for _ in range(30):
        if page.locator("h1").inner_text() == "Bedankt!":
            return
        for fieldset in page.locator("fieldset.item").all():
            keys.check(f"#{fieldset.get_attribute('id')} input[type=radio]")
        keys.press_on("main .button.primary")
    raise AssertionError(f"no thank-you page: {page.url}")


def _main(page: Any) -> str:
    return page.locator("main").inner_text()


def test_a_whole_round_in_dutch_with_the_keyboard_only(browser, fresh_demo):
    info, base, database = fresh_demo
    admin = next(a for a in info.accounts if a.role == "admin")
    context = browser.new_context(
        viewport=WIDE, locale="nl-NL", extra_http_headers={"Accept-Language": "nl"}
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    keys = Keyboard(page, "journey")
    try:
        # sign in: the admin lands on the console
        page.goto(f"{base}/auth/login")
        keys.type_into("input[name=email]", admin.email)
        keys.type_into("input[name=password]", admin.password)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/console/")
        assert page.locator("h1").inner_text() == "Beheer"
        keys.axe("overview")

        # create a survey: one instrument, Dutch and English, invitation links
        keys.press_on(".console-nav a[href='/console/surveys']")
        keys.axe("surveys")
        keys.press_on("a[href='/console/surveys/new']")
        keys.axe("new survey")
        screenshot(page, "console-journey-new-survey")
        keys.type_into("input[name=id]", SLUG)
        keys.type_into("input[name=title_nl]", "Teamklimaat op de afdeling")
        keys.type_into("input[name=title_en]", "Team climate on the ward")
        keys.type_into("input[name=organisation_nl]", "Stadsziekenhuis, afdeling HR")
        keys.type_into("input[name=organisation_en]", "City Hospital, HR")
        keys.check("input[name=instruments][value=belonging]")
        keys.press_on("main form button[type=submit].primary")
        assert "Vragenlijst teamklimaat gemaakt" in _main(page), _main(page)
        keys.axe("survey created")
        screenshot(page, "console-journey-survey-created")

        # open a round
        keys.press_on(".console-nav a[href='/console/rounds']")
        keys.axe("rounds")
        keys.press_on(f"main a[href='/console/rounds/{SLUG}']")
        keys.axe("rounds of the survey")
        keys.type_into("main input[name=label]", ROUND)
        keys.press_on("main form button[type=submit].primary")
        assert f"Ronde {ROUND}" in _main(page), _main(page)
        keys.axe("round opened")

        # three links for one unit, shown once
        keys.press_on(".console-nav a[href='/console/invitations']")
        keys.axe("invitations")
        keys.press_on(f"main a[href='/console/invitations/{SLUG}']")
        keys.axe("invitations of the survey")
        screenshot(page, "console-journey-invitations")
        keys.choose("#links-unit", UNIT)
        keys.type_into("#links-count", "3")
        keys.press_on("#links-submit")
        assert "3 links gemaakt voor Chirurgie A (CHIR-A) in ronde " + ROUND in _main(page)
        links = page.locator("ol.link-list code").all_inner_texts()
        assert len(links) == 3 and all(re.fullmatch(rf"{base}/s/[\w-]+", link) for link in links)
        keys.axe("links made")
        screenshot(page, "console-journey-links")

        # a respondent answers with the first link, in another browser
        respondent = browser.new_context(
            viewport=PHONE, extra_http_headers={"Accept-Language": "nl"}
        )
        answer = respondent.new_page()
        answer.set_default_timeout(20_000)
        answer.goto(links[0])
        answer_with_keyboard(Keyboard(answer, "respondent"))
        screenshot(answer, "console-journey-respondent-thanks")
        respondent.close()

        # the response rate: one answer in CHIR-A, below k = 5, so no number
        keys.press_on(".console-nav a[href='/console/rounds']")
        keys.press_on(f"main a[href='/console/rounds/{SLUG}']")
        row = page.locator("table.console-table tr", has=page.locator(f"code:text-is('{UNIT}')"))
        assert "minder dan 5" in row.inner_text(), row.inner_text()
        whole = page.locator("table.console-table tr.total")
        assert "minder dan 5" in whole.inner_text()  # the organisation too: one response
        assert "1 antwoord" not in _main(page)
        keys.axe("response rate")
        screenshot(page, "console-journey-rate")

        # close the round: a page says what closing does, then Space on "Yes"
        keys.press_on(f"main a[href='/console/rounds/{SLUG}/{ROUND}/close']")
        assert ROUND in page.locator("h1").inner_text()
        keys.axe("close round")
        keys.press_on("main form button[type=submit].primary", key="Space")
        assert f"Ronde {ROUND} van {SLUG} is gesloten." in _main(page), _main(page)
        keys.axe("round closed")
        screenshot(page, "console-journey-closed")
        assert all("/console/" in url for url in keys.audited)
        assert len(keys.audited) >= 12
        from surveys.responses import count_responses
        from surveys.waves import list_waves

        (wave,) = list_waves(database, SLUG)
        assert (wave.label, wave.state) == (ROUND, "closed")
        assert count_responses(database, SLUG, ROUND) == 1
    finally:
        context.close()


OVERFLOW = "() => document.documentElement.scrollWidth > window.innerWidth"


@pytest.fixture(scope="module")
def pages_demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
    """The demo with a second survey that has an open link, and a mail server configured
    (nothing is sent): (build info, base URL)."""
    from surveys.db import Database
    from surveys.survey_store import create_survey
    from tests.webapp.conftest import HOSPITAL
    from webapp import create_app
    from webapp.cli.serve import serve_in_thread
    from webapp.config import TestConfig

    folder = tmp_path_factory.mktemp("console-pages-db")
    url, info = demo_copy_info(tmp_path_factory, sqlite_template)
    database = Database(url)
    text = HOSPITAL.read_text(encoding="utf-8").replace("open_link: false", "open_link: true")
    (folder / "posters.yaml").write_text(text.replace("id: hospital-2026", "id: posters"))
    create_survey(database, folder / "posters.yaml")
    config = {**TestConfig.as_dict(), "SAMEN_DATABASE": database}
    config.update(SAMEN_SMTP_HOST="127.0.0.1", SAMEN_SMTP_FROM="hr@example.org")
    server = serve_in_thread(create_app(config))
    yield info, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    database.dispose()


@pytest.mark.parametrize(
    ("language", "viewport"), [("nl", WIDE), ("en", PHONE)], ids=["nl-1366", "en-390"]
)
def test_invitations_people_privacy_and_password_pages(
    browser, pages_demo, monkeypatch, language, viewport
):
    """Every page of the three sections and the password pages: axe 0, no sideways scroll."""
    import datetime as dt

    import surveys._common

    info, base = pages_demo
    # 2028-01-01: round 2025-2 has passed its retention period (closed 2025-12-19 + 730 days)
    monkeypatch.setattr(surveys._common, "today", lambda: dt.date(2028, 1, 1))
    admin = next(a for a in info.accounts if a.role == "admin")
    context = browser.new_context(
        viewport=viewport, extra_http_headers={"Accept-Language": language}
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    width = viewport["width"]
    seen: list[str] = []

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        assert not page.evaluate(OVERFLOW), f"{name} is wider than {width} px"
        _axe(page, f"{name} {language} {width}")
        screenshot(page, f"console-{name}-{language}-{width}")
        seen.append(name)

    try:
        page.goto(f"{base}/auth/login")
        page.fill("input[name=email]", admin.email)
        page.fill("input[name=password]", admin.password)
        navigate(page, "main button[type=submit], main input[type=submit]")

        page.goto(f"{base}/console/invitations")
        check("invitations")
        page.goto(f"{base}/console/invitations/posters")
        assert page.locator("img.qr").evaluate("i => i.complete && i.naturalWidth > 0")
        check("invitations-posters")
        page.goto(f"{base}/console/invitations/hospital-2026")
        page.select_option("#links-unit", "CHIR-A")
        page.fill("#links-count", "0")
        navigate(page, "#links-submit")
        check("invitations-error")
        page.fill("#links-count", "2")
        navigate(page, "#links-submit")
        assert page.locator("ol.link-list li").count() == 2
        check("invitations-links")

        page.goto(f"{base}/console/people")
        check("people")
        newcomer_email = f"nieuw-{language}-{width}@stadsziekenhuis.example"
        page.fill("#add-email", newcomer_email)
        page.select_option("#add-role", "manager")
        navigate(page, "#add-submit")
        check("people-error")  # a manager needs a unit
        page.select_option("#add-unit", "CHIR-A")
        navigate(page, "#add-submit")
        assert "/auth/reset/reset_" in page.locator("code.secret").inner_text()
        check("people-link")
        reset = page.locator("code.secret").inner_text()
        page.goto(f"{base}/console/people")
        navigate(page, page.locator("form[action$='/people/token'] button").first)
        assert page.locator("code.secret").inner_text().startswith("samen_")
        check("people-token")
        page.goto(f"{base}/console/people/remove?email={newcomer_email}")
        check("people-remove")

        page.goto(f"{base}/console/privacy/hospital-2026")
        check("privacy")
        page.select_option("main select[name=wave]", "2026-1")
        # The audit runs in the request (15-19 s on the demo when the machine is idle).
        navigate(page, "main form input[type=submit]", timeout=180_000)
        page.wait_for_selector(".facts", timeout=180_000)
        check("privacy-audit")
        page.goto(f"{base}/console/privacy/hospital-2026/purge")
        check("privacy-purge")

        page.goto(f"{base}/auth/password")
        check("password")
        other = context.browser.new_context(
            viewport=viewport, extra_http_headers={"Accept-Language": language}
        )
        newcomer = other.new_page()
        newcomer.goto(reset)
        newcomer.wait_for_load_state("load")
        assert not newcomer.evaluate(OVERFLOW)
        _axe(newcomer, f"reset {language} {width}")
        screenshot(newcomer, f"console-reset-{language}-{width}")
        other.close()
    finally:
        context.close()
    assert len(seen) == 13
