"""The dashboard's summary in headless Chromium: at 1366 x 768 a manager sees the whole
summary without scrolling; at a phone width nothing is wider than the screen; axe-core
WCAG 2.1 AA finds nothing, in English and Dutch. Screenshots: /tmp/samen-shots/summary-*.png.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import HOSPITAL_SLUG, HOSPITAL_UNITS, HOSPITAL_WAVE
from tests.webapp.conftest import navigate, screenshot
from tests.webapp.test_export_cli import demo_copy_info
from tests.webapp.twowaves import SECOND, two_closed_waves

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    from surveys.db import Database
    from surveys.org import import_units
    from surveys.survey_store import create_survey
    from surveys.users import add_user
    from surveys.waves import open_wave
    from webapp import create_app
    from webapp.cli.serve import serve_in_thread
    from webapp.config import TestConfig

    folder = tmp_path_factory.mktemp("summary-db")
    shutil.copyfile(sqlite_template, folder / "samen.db")
    database = Database(f"sqlite:///{folder / 'samen.db'}")
    (folder / "units.csv").write_text(HOSPITAL_UNITS, encoding="utf-8")
    import_units(database, folder / "units.csv")
    example = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"
    create_survey(database, example)
    open_wave(database, HOSPITAL_SLUG, HOSPITAL_WAVE)
    two_closed_waves(database)
    add_user(database, "surg@example.org", "manager", PASSWORD, "SURG")
    add_user(database, "admin@example.org", "admin", PASSWORD)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": database})
    server = serve_in_thread(app)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    database.dispose()


def _page(
    browser: Any,
    base: str,
    viewport: dict,
    lang: str,
    path: str = f"/dashboard/{HOSPITAL_SLUG}/{SECOND}/SURG",
    email: str = "surg@example.org",
) -> Any:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/auth/login?lang={lang}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    navigate(page, "button[type=submit], input[type=submit]")
    page.goto(f"{base}{path}")
    return context, page


def _axe(page: Any, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert found.response["violations"] == [], f"{name}: {found.generate_report()}"


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_summary_fits_the_first_screen_at_1366(browser, served, lang):
    context, page = _page(browser, served, DESKTOP, lang)
    screenshot(page, f"summary-desktop-{lang}")
    box = page.locator("section.summary").bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= DESKTOP["height"], box
    assert page.locator("section.summary .change-up").count() >= 10
    _axe(page, f"summary desktop {lang}")
    context.close()


def test_summary_on_a_phone(browser, served):
    context, page = _page(browser, served, PHONE, "nl")
    page.locator("section.summary").screenshot(path="/tmp/samen-shots/summary-phone-nl.png")
    screenshot(page, "summary-phone-nl")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    context.close()


EQUITY = f"/equity/{HOSPITAL_SLUG}/{SECOND}"
PLAN = f"/dashboard/{HOSPITAL_SLUG}/{HOSPITAL_WAVE}/SURG/plan"


@pytest.mark.parametrize(
    "name,path,email",
    [("equity", EQUITY, "admin@example.org"), ("plan", PLAN, "surg@example.org")],
)
@pytest.mark.parametrize("lang,viewport", [("en", DESKTOP), ("nl", PHONE)])
def test_equity_and_plan_pages(browser, served, name, path, email, lang, viewport):
    context, page = _page(browser, served, viewport, lang, path, email)
    if name == "plan":  # submit an incomplete plan: the messages beside the field count too
        page.select_option("#focus-0-ref", "scale:belonging.membership")
        navigate(page, "button[type=submit].primary")
        assert page.locator(".field-errors").count() == 3
    tag = f"{name}-{'desktop' if viewport is DESKTOP else 'phone'}-{lang}"
    screenshot(page, tag)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
    _axe(page, tag)
    context.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Any]:
    """The demo hospital (waves 2025-2 and 2026-1 closed, 2026-2 open)."""
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


def test_demo_manager_sees_the_state_of_the_team_without_scrolling(browser, demo):
    """The demo's manager lands on the latest closed wave: the summary, with the change since
    the wave before and the parent and organisation columns, ends above 768 px."""
    info, base = demo
    manager = next(a for a in info.accounts if a.role == "manager")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/auth/login?lang=nl")
    page.fill("input[name=email]", manager.email)
    page.fill("input[name=password]", manager.password)
    navigate(page, "button[type=submit], input[type=submit]")
    page.goto(f"{base}/dashboard/")
    assert page.url.endswith(f"/{info.waves[-2]}/{manager.unit}")
    screenshot(page, "summary-demo-manager-nl")
    summary = page.locator("section.summary")
    box = summary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= DESKTOP["height"], box
    assert summary.locator(f"text=Verandering sinds {info.waves[-3]}").count() >= 1
    context.close()
