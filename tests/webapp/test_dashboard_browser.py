"""The dashboard in headless Chromium on the demo hospital (surveys.demo): charts drawn under
the strict Content-Security-Policy, readable at 1280x900 and 360x740 in English and Dutch,
axe-core WCAG 2 A/AA, and every number in the tables without JavaScript.

Screenshots go to /tmp/samen-shots/dashboard-*.png for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.webapp.conftest import PHONE, SHOTS, navigate, screenshot
from tests.webapp.test_export_cli import demo_copy_info

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
    """The demo hospital (two waves, the first closed) served on a SQLite file."""
    from surveys.db import Database
    from webapp import create_app
    from webapp.cli.serve import serve_in_thread
    from webapp.config import TestConfig

    url, info = demo_copy_info(tmp_path_factory, sqlite_template)
    database = Database(url)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": database})
    server = serve_in_thread(app)
    yield info, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    database.dispose()


def _account(info: Any, role: str) -> Any:
    return next(a for a in info.accounts if a.role == role)


def _open(browser: Any, demo: Any, role: str, viewport: dict, js: bool = True) -> Any:
    """A fresh context signed in as ``role``; returns (context, page, problems)."""
    info, base = demo
    context = browser.new_context(viewport=viewport, java_script_enabled=js)
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    account = _account(info, role)
    page.goto(f"{base}/auth/login")
    page.fill("input[name=email]", account.email)
    page.fill("input[name=password]", account.password)
    navigate(page, "input[type=submit], button[type=submit]")
    return context, page, problems


def _axe(page: Any, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = results.response["violations"]
    assert violations == [], f"{name}: {results.generate_report()}"


def _first_chart(page: Any) -> None:
    """Scroll to the first chart (inline SVG, drawn by the server: there with the page)."""
    page.locator("section > .chart svg").first.scroll_into_view_if_needed()
    assert page.locator("section > .chart svg").first.is_visible()


def _draw_charts(page: Any) -> None:
    """Scroll to every chart outside a closed <details>, as a reader would."""
    charts = page.locator("details[open] .chart svg, section > .chart svg")
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        assert chart.is_visible()


def _open_details(page: Any) -> None:
    """Open the first "can you trust" and the first "answers per statement" block."""
    page.evaluate(
        "['details.trust', 'details.items-block'].forEach("
        "s => { document.querySelector(s).open = true; })"
    )
    _draw_charts(page)


def test_desktop_admin_with_units_below(browser, demo):
    """1280x900, English, a unit with children (some withheld), charts drawn, axe clean."""
    info, base = demo
    context, page, problems = _open(browser, demo, "admin", DESKTOP)
    page.goto(f"{base}/dashboard/{info.survey}/{info.waves[-2]}/DIAG?lang=en")
    _first_chart(page)
    assert page.locator("h1").inner_text() == "Diagnostiek"
    # Charts inside a closed <details> are hidden until it opens.
    closed = page.locator("details:not([open]) .chart svg")
    assert closed.count() >= 1 and not closed.first.is_visible()
    _open_details(page)
    assert page.locator("details[open] .chart svg").first.is_visible()
    hidden = page.locator("table.heatmap td.heat-hidden")
    assert hidden.count() > 0
    # The text itself: a section off screen is not rendered (content-visibility: auto), and
    # innerText follows rendering.
    words = hidden.first.text_content() or ""
    assert "fewer than 5" in words or "hidden" in words
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "dashboard-desktop-en")
    page.locator("#heatmap-h").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/samen-shots/dashboard-desktop-en-heatmap.png")
    page.locator("#scales-h").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/samen-shots/dashboard-desktop-en-scales.png")
    _axe(page, "dashboard desktop en")
    assert problems == []
    context.close()


def test_phone_manager_lands_on_own_unit_in_dutch(browser, demo):
    """360x740, Dutch: the manager lands on their unit; nothing wider than the screen."""
    info, base = demo
    context, page, problems = _open(browser, demo, "manager", PHONE)
    page.goto(f"{base}/dashboard/?lang=nl")
    _first_chart(page)
    manager = _account(info, "manager")
    assert page.url.endswith(f"/{manager.unit}")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_role("heading", name="Om over te praten", exact=True).count() == 1
    _open_details(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width} px wide"
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "dashboard-phone-nl")
    page.locator("#scales-h").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/samen-shots/dashboard-phone-nl-scales.png")
    page.locator("#items-h").scroll_into_view_if_needed()
    page.mouse.wheel(0, 500)
    page.wait_for_timeout(200)
    page.screenshot(path="/tmp/samen-shots/dashboard-phone-nl-answers.png")
    _axe(page, "dashboard phone nl")
    assert problems == []
    context.close()


def test_without_javascript_the_tables_hold_every_number(browser, demo):
    """No JavaScript: the charts (server-drawn SVG) and the tables with every number."""
    info, base = demo
    context, page, problems = _open(browser, demo, "manager", PHONE, js=False)
    manager = _account(info, "manager")
    page.goto(f"{base}/dashboard/{info.survey}/{info.waves[-2]}/{manager.unit}?lang=en")
    assert page.locator(".chart svg").first.is_visible()
    means = page.locator("table.numbers td .mean")
    assert means.count() >= 27  # every scale of the hospital survey, for the unit at least
    assert page.locator("table.answers").count() > 0
    screenshot(page, "dashboard-phone-nojs-en")
    assert problems == []
    context.close()


@pytest.mark.parametrize(
    ("role", "viewport", "language", "where"),
    [
        ("admin", DESKTOP, "en", "dashboard"),
        ("manager", PHONE, "nl", "dashboard"),
        ("researcher", PHONE, "en", "research"),
    ],
)
def test_staff_header_shows_the_account_and_signs_out(
    browser, demo, role, viewport, language, where
):
    """The header names the account and its role and signs out (a POST form) at 1280 and
    360 px; nothing wider than the screen. Screenshots: /tmp/samen-shots/staff-*.png."""
    info, base = demo
    context, page, problems = _open(browser, demo, role, viewport)
    account = _account(info, role)
    url = (
        f"{base}/dashboard/{info.survey}/{info.waves[-2]}/{account.unit or 'DIAG'}"
        if where == "dashboard"
        else f"{base}/research/{info.survey}/"
    )
    page.goto(f"{url}?lang={language}")
    header = page.locator("header.site-header")
    assert header.locator(".account-email").inner_text() == account.email
    button = header.get_by_role("button", name="Afmelden" if language == "nl" else "Sign out")
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert box["height"] >= 44  # a tap target
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"page is {width} px wide"
    name = f"staff-{where}-{role}-{viewport['width']}-{language}"
    page.screenshot(path=str(SHOTS / f"{name}.png"), clip={**viewport, "x": 0, "y": 0})
    _axe(page, name)
    navigate(page, button)
    assert page.url.endswith("/auth/login")
    assert page.locator(".flash-info").inner_text() in ("Je bent afgemeld.", "You are signed out.")
    assert page.locator(".account-signout").count() == 0
    page.goto(url)
    assert "/auth/login" in page.url
    assert problems == []
    context.close()
