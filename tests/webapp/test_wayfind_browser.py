"""Finding your way in headless Chromium: the 403 page's header laid out like the other staff
pages (1366 and 360 px), each role's start page with its links, the report downloaded and
opened on its own; axe-core WCAG 2 A/AA at 0.

Screenshots go to /tmp/samen-shots/wayfind-*.png for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.webapp.conftest import PHONE, navigate, screenshot
from tests.webapp.test_dashboard_browser import _axe, _open
from tests.webapp.test_export_cli import demo_copy_info

pytestmark = pytest.mark.browser

WIDE = {"width": 1366, "height": 768}
DEMO = "hospital-2026"
CLOSED = "2026-1"

HEADER_BOXES = """() => {
  const box = s => { const e = document.querySelector(s); if (!e) return null;
    const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; };
  return {header: box('.site-header'), brand: box('.brand'), who: box('.account-who'),
          signout: box('.account-signout'), languages: box('.language-switch'),
          overflow: document.documentElement.scrollWidth > window.innerWidth};
}"""


@pytest.fixture(scope="module")
def wayfind_demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
    """The demo hospital served on a SQLite file, as (build info, base URL)."""
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


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1366", "360"])
def test_the_403_header_is_laid_out_like_the_dashboards(browser, wayfind_demo, viewport):
    _, base = wayfind_demo
    context, page, problems = _open(browser, wayfind_demo, "manager", viewport)
    try:
        assert "/dashboard/" in page.url
        dashboard = page.evaluate(HEADER_BOXES)
        response = page.goto(f"{base}/research/")
        assert response is not None and response.status == 403
        refused = page.evaluate(HEADER_BOXES)
        screenshot(page, f"wayfind-403-{viewport['width']}")
        assert not refused["overflow"]
        # the same header as the dashboard: same height, account and buttons in the same places
        for part in ("header", "who", "signout", "languages"):
            assert refused[part] is not None, part
            assert refused[part] == pytest.approx(dashboard[part], abs=1.5), part
        if viewport is WIDE:  # one row: brand, account, "Sign out" and languages side by side
            assert refused["header"][3] < 80
            assert abs(refused["signout"][1] - refused["brand"][1]) < 20
        navigate(page, "text=Go to your start page")
        assert "/dashboard/" in page.url
        page.goto(f"{base}/research/")
        _axe(page, f"403 {viewport['width']}")
        assert [p for p in problems if not p.startswith("403 ")] == []
    finally:
        context.close()


def test_the_owner_starts_on_the_overview_on_a_phone(browser, wayfind_demo):
    _, base = wayfind_demo
    context, page, problems = _open(browser, wayfind_demo, "admin", PHONE)
    try:
        assert page.url == f"{base}/console/"
        screenshot(page, "wayfind-home-360")
        boxes = page.evaluate(
            "() => [...document.querySelectorAll('.staff-nav a')]"
            ".map(a => { const r = a.getBoundingClientRect(); return [r.y, r.height]; })"
        )
        assert len(boxes) == 5  # console, dashboards, research, programmes, works council
        assert len({round(y) for y, _ in boxes}) <= 2  # at most two rows at 360 px
        assert all(height >= 44 for _, height in boxes)  # tap targets
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        _axe(page, "overview 360")
        navigate(page, ".staff-nav >> text=Research")
        assert page.url == f"{base}/research/{DEMO}/"
        assert problems == []
    finally:
        context.close()


def test_a_researcher_finds_and_downloads_the_report(browser, wayfind_demo, tmp_path):
    _, base = wayfind_demo
    context, page, problems = _open(browser, wayfind_demo, "researcher", WIDE)
    try:
        assert page.url == f"{base}/research/{DEMO}/"
        screenshot(page, "wayfind-research-1366")
        _axe(page, "research 1366")
        navigate(page, f"text=Report for {CLOSED}")
        _axe(page, "report 1366")
        with page.expect_download() as download:
            page.click("text=Download as HTML")
        saved = tmp_path / "report.html"
        download.value.save_as(saved)
        assert download.value.suggested_filename == f"samen-report-{DEMO}-{CLOSED}.html"
        with page.expect_download() as download:
            page.click("text=Download as JSON")
        assert download.value.suggested_filename == f"samen-report-{DEMO}-{CLOSED}.json"
        assert problems == []
    finally:
        context.close()
    # the file on its own, offline: styled, and it asks nothing of any server
    offline = browser.new_context(viewport=WIDE, java_script_enabled=False, offline=True)
    try:
        page = offline.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(saved.as_uri())
        assert requests == [saved.as_uri()]
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "system-ui" in font
        assert page.locator("h1").inner_text().startswith("Psychometric report")
        screenshot(page, "wayfind-report-file-1366")
    finally:
        offline.close()
