"""The console's Organisation, Surveys and Rounds pages in headless Chromium: axe-core
WCAG 2 A/AA at 0 on every page, no sideways scrolling at 1366 and 390 px, and the forms
work without JavaScript.

On the demo hospital (closed wave 2026-1, open wave 2026-2). Screenshots go to
/tmp/samen-shots/console-*.png for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.webapp.conftest import navigate, screenshot
from tests.webapp.test_dashboard_browser import _axe, _open
from tests.webapp.test_export_cli import demo_copy_info

pytestmark = pytest.mark.browser

WIDE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
BAD_UNITS = "unit_id;parent_id;name\nZORG;;Zorggroep\nA b;ZORG;Foute code\nC;NOPE;Team C\n"
GOOD_UNITS = "unit_id;parent_id;name\nZORG;;Zorggroep\nZA;ZORG;Afdeling A\nZB;ZA;Team B\n"


@pytest.fixture(scope="module")
def console_demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
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


#: Elements that reach past the right edge of the window (none when nothing scrolls sideways).
WIDER = """() => document.documentElement.scrollWidth <= window.innerWidth ? [] :
  [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >
   window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' +
   Math.round(e.getBoundingClientRect().right))"""


def _look(page: Any, name: str) -> None:
    """axe at 0, no sideways scrolling, a screenshot."""
    screenshot(page, name)
    wide = page.evaluate(WIDER)
    assert not wide, f"{name}: the page scrolls sideways: {wide}"
    _axe(page, name)


@pytest.mark.parametrize(("viewport", "lang"), [(WIDE, "en"), (PHONE, "nl")], ids=["1366", "390"])
def test_the_console_pages_pass_axe_and_fit(browser, console_demo, viewport, lang, tmp_path):
    info, base = console_demo
    width = viewport["width"]
    context, page, problems = _open(browser, console_demo, "admin", viewport)
    try:
        assert page.url == f"{base}/console/"
        page.goto(f"{base}/console/?lang={lang}")
        _look(page, f"console-index-{width}")

        page.goto(f"{base}/console/organisation")
        _look(page, f"console-organisation-{width}")
        bad = tmp_path / "bad.csv"
        bad.write_text(BAD_UNITS, encoding="utf-8")
        page.set_input_files("input[type=file]", str(bad))
        navigate(page, "button[type=submit].primary")
        assert page.locator("#problems li").count() == 2
        _look(page, f"console-organisation-problems-{width}")
        good = tmp_path / "good.csv"
        good.write_text(GOOD_UNITS, encoding="utf-8")
        page.set_input_files("input[type=file]", str(good))
        navigate(page, "button[type=submit].primary")
        _look(page, f"console-organisation-check-{width}")

        page.goto(f"{base}/console/surveys")
        _look(page, f"console-surveys-{width}")
        page.goto(f"{base}/console/surveys/new")
        page.fill("#min_group_size", "2")
        navigate(page, "form.console-form button[type=submit].primary")
        assert page.locator("#min_group_size-errors").count() == 1
        _look(page, f"console-survey-new-errors-{width}")
        page.goto(f"{base}/console/surveys/{info.survey}/edit")
        assert page.locator("#min_group_size[disabled]").count() == 1
        _look(page, f"console-survey-edit-locked-{width}")
        for step in ("", "belonging", "consent", "review"):
            page.goto(f"{base}/console/surveys/{info.survey}/preview/{lang}/{step}")
            _look(page, f"console-preview-{lang}-{step or 'welcome'}-{width}")

        page.goto(f"{base}/console/rounds/{info.survey}")
        assert page.locator("table.console-table tbody tr").count() > 3
        _look(page, f"console-rounds-{width}")
        page.goto(f"{base}/console/rounds/{info.survey}/{info.open_wave}/close")
        _look(page, f"console-rounds-close-{width}")
        expected = {"422", "console/organisation/check"}
        assert [p for p in problems if not any(e in p for e in expected)] == []
    finally:
        context.close()
