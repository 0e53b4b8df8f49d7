"""The research report's reliability table with "CFA rel." beside omega and its footnote,
in headless Chromium at 1366 and 360 px, in English and Dutch: axe-core WCAG 2 A/AA at 0,
the whole table shows at 1366 px and scrolls inside its region on a phone (the page never
widens), the footnote is there.

Screenshots go to /tmp/samen-shots/research-reliability-*.png for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.webapp.conftest import PHONE, screenshot
from tests.webapp.test_dashboard_browser import _axe, _open
from tests.webapp.test_wayfind_browser import CLOSED, DEMO, WIDE, wayfind_demo  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1366", "360"])
@pytest.mark.parametrize(
    ("language", "column", "footnote"),
    [("en", "CFA rel.", "composite reliability"), ("nl", "CFA-betr.", "samengestelde")],
)
def test_reliability_table_reads_in_both_languages(
    browser,
    wayfind_demo,  # noqa: F811
    viewport,
    language,
    column,
    footnote,
):
    _, base = wayfind_demo
    context, page, problems = _open(browser, wayfind_demo, "researcher", viewport)
    try:
        # the first request computes the report (EFA and CFA of six instruments): on a busy
        # machine that takes longer than the default 20 s
        page.goto(f"{base}/research/{DEMO}/{CLOSED}/report?lang={language}", timeout=180_000)
        page.wait_for_load_state("load")
        table = page.locator("table:has(#reliability-cap)")
        headers = table.locator("thead th").all_inner_texts()
        at = [h.strip() for h in headers].index("omega*")
        assert headers[at + 1].strip() == f"{column}*"
        note = page.locator("#reliability-foot")
        assert footnote in note.inner_text()
        # the page does not widen: the table scrolls inside its own region
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        if viewport is WIDE:  # at 1366 px the whole table shows, omega and CFA rel. included
            region = "document.querySelector('.table-scroll:has(#reliability-cap)')"
            assert page.evaluate(f"{region}.scrollWidth <= {region}.clientWidth")
        page.locator("#reliability-h").scroll_into_view_if_needed()
        screenshot(page, f"research-reliability-{language}-{viewport['width']}")
        _axe(page, f"report {language} {viewport['width']}")
        assert problems == []
    finally:
        context.close()
