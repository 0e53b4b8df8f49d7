"""Fixtures of the web tests, like flaskr's: ``app``, ``client``, ``runner``; plus a survey
with invitations (``survey``) and, for the browser tests, a served app and a Chromium page.

``db`` (a fresh migrated database, SQLite and PostgreSQL variants) comes from tests/conftest.py.
The browser tests run on one SQLite database served by a werkzeug server in a thread; each
test issues its own invitations, so tests do not share respondent state.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from webapp import create_app
from webapp.config import TestConfig

#: The module whose browser tests share the closed-wave cache now (None: no such module).
_CACHE_KEPT_FOR: dict[str, str | None] = {"module": None}


@pytest.fixture(autouse=True)
def _results_cache_per_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Start every test with an empty closed-wave cache of the results service.

    The cache key holds the database URL, the wave's dates, its response count and the
    organisation tree; PostgreSQL test databases are emptied and reused under the same URL,
    so the next test's hospital (same names, same counts, other answers) would otherwise
    be served the previous test's wave.

    Browser tests are the exception: a module's tests share one served SQLite file, its own
    (never emptied and reused under its URL), so the cache is emptied when such a module
    starts and its pages compute a closed wave's dashboard once (~2.4 s of CPU for the
    demo's organisation page, ~0.2 s from the cache), not once per test.
    """
    from webapp.results import data

    module = request.module.__name__ if request.node.get_closest_marker("browser") else None
    if module is None or module != _CACHE_KEPT_FOR["module"]:
        with data._LOCK:
            data._CACHE.clear()
    _CACHE_KEPT_FOR["module"] = module
    yield


HOSPITAL = Path(__file__).resolve().parents[2] / "surveys" / "examples" / "hospital.yaml"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
SHOTS = Path("/tmp/samen-shots")


@dataclass
class SurveyFixture:
    """A created survey with an open wave and unused invitation tokens for one unit."""

    db: Any
    slug: str
    wave: str
    unit: str
    tokens: list[str]

    def issue(self, count: int = 1, language: str | None = None) -> list[str]:
        from surveys.invitations import issue_invitations

        return issue_invitations(self.db, self.slug, self.unit, count, language=language)

    def count(self) -> int:
        from surveys.responses import count_responses

        return count_responses(self.db, self.slug, self.wave)


def _add_units(db: Any) -> None:
    """A small organisation: a hospital with two wards."""
    from surveys.models import Unit

    with db.session(write=True) as session:
        root = Unit(code="hospital", name="City Hospital")
        session.add(root)
        session.flush()
        session.add_all(
            [
                Unit(code="ward-a", name="Ward A", parent_id=root.id),
                Unit(code="ward-b", name="Ward B", parent_id=root.id),
            ]
        )


def make_survey(db: Any, path: Path = HOSPITAL, tokens: int = 3) -> SurveyFixture:
    """Create the survey at ``path`` (default: the hospital example, every built-in module)."""
    from surveys.invitations import issue_invitations
    from surveys.survey_store import create_survey
    from surveys.waves import open_wave

    _add_units(db)
    slug = create_survey(db, path)
    open_wave(db, slug, "2026-1")
    issued = issue_invitations(db, slug, "ward-a", tokens)
    return SurveyFixture(db, slug, "2026-1", "ward-a", issued)


@pytest.fixture
def survey(db: Any) -> SurveyFixture:
    return make_survey(db)


@pytest.fixture
def app(db: Any):
    return create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def staffed_demo_app(
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    accounts: dict[str, tuple[str, str | None]],
    password: str,
) -> Iterator[Any]:
    """The app on a fresh copy of the demo database (built once per test process) with
    ``accounts`` (role: (email, unit or None)) added, each with ``password`` hashed with
    argon2's cheapest profile. For a module fixture: ``yield from staffed_demo_app(...)``."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from surveys import users as users_module
    from surveys.db import Database
    from surveys.users import add_user
    from tests.webapp.test_export_cli import demo_copy

    database = Database(demo_copy(tmp_path_factory, sqlite_template))
    hasher = users_module.HASHER
    users_module.HASHER = PasswordHasher.from_parameters(CHEAPEST)
    try:
        for role, (email, unit) in accounts.items():
            add_user(database, email, role, password, unit_code=unit)
    finally:
        users_module.HASHER = hasher
    yield create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": database})
    database.dispose()


# --- browser tests ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_survey(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    """The hospital survey on a SQLite file shared by the browser tests of a session."""
    from surveys.db import Database

    path = tmp_path_factory.mktemp("browser-db") / "samen.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield make_survey(database)
    database.dispose()


@pytest.fixture(scope="session")
def live_server(browser_survey: SurveyFixture) -> Iterator[str]:
    """Base URL of the app served by a werkzeug server (with the private log handler)."""
    from webapp.cli.serve import serve_in_thread

    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": browser_survey.db})
    server = serve_in_thread(app)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright; a skip locally, a failure under CI."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true: the browser tests must run", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """Open pages in fresh 360x740 browser contexts (own cookies, no cache): ``phone("en-GB")``.

    Keyword ``javascript=False`` turns scripts off. Contexts are closed after the test.
    """
    contexts = []

    def open_page(locale: str = "nl-NL", javascript: bool = True) -> Any:
        context = browser.new_context(
            viewport=PHONE, locale=locale, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


#: How long :func:`navigate` waits for the next page, in milliseconds: a sign-in lands on a
#: dashboard the server computes first, which on a loaded CI machine took longer than the
#: pages' default 20 s. A ceiling for a stuck page, not a speed requirement.
NAVIGATION_TIMEOUT = 90_000


def navigate(page: Any, target: Any, timeout: float = NAVIGATION_TIMEOUT) -> None:
    """Click ``target`` (a locator, or a selector on ``page``) that loads a new page, and
    return once that page has loaded.

    Playwright's ``click`` returns once the click is dispatched: reading the page right after
    it can read the page being left, and a ``page.goto`` right after it can abort the form's
    POST in flight (a sign-in never made, an answer never saved). ``wait_for_load_state``
    after a click is no wait at all: the page being left is loaded already.
    """
    with page.expect_navigation(timeout=timeout):
        if isinstance(target, str):
            page.click(target, timeout=timeout)
        else:
            target.click(timeout=timeout)


def screenshot(page: Any, name: str) -> Path:
    """Save the first screen (``<name>.png``) and the whole page (``<name>-full.png``) to
    /tmp/samen-shots/, for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    _capture(page, path)
    _capture(page, SHOTS / f"{name}-full.png", full_page=True)
    return path


def _capture(page: Any, path: Path, full_page: bool = False) -> None:
    """``page.screenshot``, once more after the page settles when Chromium refuses the first
    capture ("Unable to capture screenshot" happens now and then on a busy machine; the
    pictures are for people, the tests' assertions are elsewhere)."""
    from playwright.sync_api import Error

    try:
        page.screenshot(path=str(path), full_page=full_page)
    except Error:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(path), full_page=full_page)
