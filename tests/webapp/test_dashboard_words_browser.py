"""Issue 16, "Dashboards that say one thing", in headless Chromium on the demo hospital:
no table cut off at 1366 px or 360 px (it fits, or its region scrolls and says so), the open
wave's page, and the research report; axe-core stays at 0 violations.

Screenshots go to /tmp/samen-shots/words-*.png for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.webapp import test_dashboard_browser as base
from tests.webapp.conftest import PHONE, screenshot
from tests.webapp.test_dashboard_browser import _axe, _open

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}

demo = base.demo  # the demo hospital served on a SQLite file (module scope)

#: Each table region: does its table fit, and if not, can it scroll and does it say so?
REGIONS = """() => [...document.querySelectorAll('.table-scroll')].map(r => {
  const style = getComputedStyle(r);
  return {
    label: r.getAttribute('aria-label') || r.getAttribute('aria-labelledby'),
    fits: r.scrollWidth <= r.clientWidth + 1,
    scrolls: ['auto', 'scroll'].includes(style.overflowX),
    marked: r.classList.contains('overflowing'),
    inside: r.getBoundingClientRect().right <= document.documentElement.clientWidth + 1,
  };
})"""


def _check_regions(page, name):
    # tables.js measures a region when it comes near the screen: open every <details> and
    # scroll through the regions as a reader would, then look at every one.
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    scroll = page.locator(".table-scroll")
    for index in range(scroll.count()):
        scroll.nth(index).scroll_into_view_if_needed()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 50)))")
    regions = page.evaluate(REGIONS)
    assert regions, name
    for region in regions:
        assert region["inside"], (name, region)
        assert region["fits"] or (region["scrolls"] and region["marked"]), (name, region)
    return regions


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "360"])
def test_heat_map_and_tables_are_not_cut_off(browser, demo, viewport):
    info, base = demo
    context, page, problems = _open(browser, demo, "admin", viewport)
    page.goto(f"{base}/dashboard/{info.survey}/{info.waves[-2]}/ZH?lang=en")
    page.wait_for_load_state("load")
    regions = _check_regions(page, "organisation")
    if viewport is LAPTOP:  # at 1366 px the heat map fits entirely
        heat = [r for r in regions if r["label"] and "per unit" in r["label"]]
        assert heat and all(r["fits"] for r in heat)
    page.locator("#heatmap-h").scroll_into_view_if_needed()
    screenshot(page, f"words-heatmap-{viewport['width']}")
    _axe(page, f"organisation {viewport['width']}")
    assert problems == []
    context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "360"])
def test_open_wave_page(browser, demo, viewport):
    info, base = demo
    context, page, problems = _open(browser, demo, "admin", viewport)
    page.goto(f"{base}/dashboard/{info.survey}/{info.open_wave}/ZH?lang=nl")
    page.wait_for_load_state("load")
    assert page.locator("#open-h").count() == 1
    assert "Respons tot nu toe" in page.inner_text(".wave-open")
    screenshot(page, f"words-open-{viewport['width']}")
    _axe(page, f"open wave {viewport['width']}")
    assert problems == []
    context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "360"])
def test_research_report_tables_are_not_cut_off(browser, demo, viewport):
    info, base = demo
    context, page, problems = _open(browser, demo, "researcher", viewport)
    page.goto(f"{base}/research/{info.survey}/{info.waves[-2]}/report?lang=nl")
    page.wait_for_load_state("load")
    _check_regions(page, "report")
    screenshot(page, f"words-report-{viewport['width']}")
    _axe(page, f"report {viewport['width']}")
    assert problems == []
    context.close()
