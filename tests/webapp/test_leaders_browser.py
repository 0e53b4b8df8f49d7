"""The leader pages in headless Chromium on the demo hospital: the personal link's
questionnaire (no JavaScript), the leader's gap on their dashboard and the coordinator's
aggregate page, at 1366 px and 390 px, in Dutch and English, with 0 axe-core WCAG 2 A/AA
violations. Screenshots go to /tmp/samen-shots/leader-*.png for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.webapp.conftest import navigate, screenshot
from tests.webapp.test_export_cli import demo_copy_info

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
    """The demo hospital served on a SQLite file, plus a leader link for the open wave."""
    from surveys.db import Database
    from surveys.demo import LINK_UNIT
    from surveys.leaders import invite_leader
    from webapp import create_app
    from webapp.cli.serve import serve_in_thread
    from webapp.config import TestConfig

    url, info = demo_copy_info(tmp_path_factory, sqlite_template)
    database = Database(url)
    link = invite_leader(database, info.survey, info.open_wave, LINK_UNIT)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": database})
    server = serve_in_thread(app)
    yield info, f"http://127.0.0.1:{server.server_port}", link.token
    server.shutdown()
    server.server_close()
    database.dispose()


def _axe(page: Any, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert found.response["violations"] == [], f"{name}: {found.generate_report()}"


def _context(browser: Any, viewport: dict, js: bool = True) -> tuple[Any, Any]:
    context = browser.new_context(viewport=viewport, java_script_enabled=js)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def _sign_in(page: Any, base: str, info: Any, role: str) -> None:
    account = next(a for a in info.accounts if a.role == role)
    page.goto(f"{base}/auth/login")
    page.fill("input[name=email]", account.email)
    page.fill("input[name=password]", account.password)
    navigate(page, "input[type=submit], button[type=submit]")


@pytest.mark.parametrize(("viewport", "lang"), [(DESKTOP, "en"), (PHONE, "nl")])
def test_the_questionnaire_without_javascript(browser, demo, viewport, lang):
    """The page has no script at all (axe itself needs JavaScript in the browser)."""
    _info, base, token = demo
    context, page = _context(browser, viewport)
    try:
        page.goto(f"{base}/l/{token}?lang={lang}")
        assert page.locator("script").count() == 0
        assert page.locator("fieldset.item").count() == 32
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], "no sideways scrolling"
        screenshot(page, f"leader-answer-{viewport['width']}-{lang}")
        _axe(page, f"leader questionnaire {viewport['width']} {lang}")
        page.locator("fieldset.item").first.locator("input[value='4']").check()
        navigate(page, page.locator("button.primary[value=next]"))
        assert page.url.endswith("/saved")
        screenshot(page, f"leader-saved-{viewport['width']}-{lang}")
        _axe(page, f"leader saved {viewport['width']} {lang}")
    finally:
        context.close()


@pytest.mark.parametrize(("viewport", "lang"), [(DESKTOP, "en"), (PHONE, "nl")])
def test_the_leaders_gap_on_their_dashboard(browser, demo, viewport, lang):
    info, base, _token = demo
    context, page = _context(browser, viewport)
    try:
        _sign_in(page, base, info, "manager")
        page.goto(f"{base}/dashboard/{info.survey}/{info.waves[1]}/CHIR-B?lang={lang}")
        section = page.locator("section.leader-gap")
        assert section.count() == 1
        # before and after the programme (and the open wave, when the questionnaire test
        # answered it first: its team column is withheld until the wave closes)
        assert section.locator("table").count() >= 2
        # The text, not innerText: sections off screen are not laid out (content-visibility:
        # auto) and have no innerText until a reader comes near.
        assert "+" in (section.locator("table").first.text_content() or "")
        section.scroll_into_view_if_needed()
        shot = screenshot(page, f"leader-gap-{viewport['width']}-{lang}")
        section.screenshot(
            path=str(shot.with_name(f"leader-gap-{viewport['width']}-{lang}-section.png"))
        )
        _axe(page, f"dashboard with the leader's gap {viewport['width']} {lang}")
    finally:
        context.close()


@pytest.mark.parametrize(("viewport", "lang"), [(DESKTOP, "en"), (PHONE, "nl")])
def test_the_coordinators_aggregate_page(browser, demo, viewport, lang):
    info, base, _token = demo
    context, page = _context(browser, viewport)
    try:
        _sign_in(page, base, info, "admin")
        page.goto(f"{base}/leaders/{info.survey}/?lang={lang}")
        assert page.locator("table.numbers").count() == 2
        screenshot(page, f"leader-summary-{viewport['width']}-{lang}")
        _axe(page, f"leader aggregate {viewport['width']} {lang}")
    finally:
        context.close()
