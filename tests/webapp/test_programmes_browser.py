"""The programme pages in headless Chromium on the demo hospital: the evaluation at 1366 px
and at 390 px (a phone), in English and Dutch, without horizontal scrolling, with the chart
drawn as inline SVG without JavaScript, and 0 axe-core WCAG 2.1 A/AA violations.

Screenshots go to /tmp/samen-shots/programme-*.png for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.webapp.conftest import SHOTS, screenshot
from tests.webapp.test_dashboard_browser import _account, _axe, _open, demo  # noqa: F401

pytestmark = pytest.mark.browser

WIDE = {"width": 1366, "height": 900}
PHONE_390 = {"width": 390, "height": 844}


@pytest.mark.parametrize(
    ("role", "viewport", "language", "js"),
    [
        ("admin", WIDE, "en", True),
        ("researcher", PHONE_390, "nl", True),
        ("admin", PHONE_390, "en", False),
    ],
)
def test_evaluation_page(browser, demo, role, viewport, language, js):  # noqa: F811
    _info, base = demo
    context, page, problems = _open(browser, demo, role, viewport, js=js)
    page.goto(f"{base}/programmes/1?lang={language}")
    assert page.locator("h1").inner_text() == "Inclusief leiderschap"
    charts = page.locator("figure.slope svg")
    assert charts.count() >= 20  # one per scale with an estimate
    assert charts.first.is_visible()
    table = page.locator("table.report").first
    assert table.locator("thead th").count() == 2  # programme teams, other teams
    assert table.locator("tbody tr").count() == 6
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"page is {width} px wide"
    name = f"programme-{role}-{viewport['width']}-{language}{'' if js else '-nojs'}"
    screenshot(page, name)
    page.locator("section.instrument").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"{name}-scales.png"))
    if js:  # axe-core runs as a script in the page
        _axe(page, name)
    assert problems == []
    context.close()


@pytest.mark.parametrize(("role", "language"), [("admin", "nl"), ("researcher", "en")])
def test_list_page(browser, demo, role, language):  # noqa: F811
    _info, base = demo
    context, page, problems = _open(browser, demo, role, PHONE_390)
    page.goto(f"{base}/programmes/?lang={language}")
    link = page.get_by_role("link", name="Inclusief leiderschap")
    assert link.count() == 1
    removes = page.locator("form.programme-remove")
    assert removes.count() == (1 if role == "admin" else 0)
    nav = page.locator("nav.staff-nav a[aria-current=page]")
    assert nav.inner_text() in ("Programmes", "Programma's")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_390["width"], f"page is {width} px wide"
    screenshot(page, f"programme-list-{role}-{language}")
    _axe(page, f"programme list {role} {language}")
    assert problems == []
    context.close()
