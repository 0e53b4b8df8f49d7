"""The console's skeleton: admins only, the section nav, the overview, the header link.

On the demo hospital (closed wave 2026-1, open wave 2026-2), staff signed in with the login
form as in tests/webapp/test_research.py. Each section's own routes have their role matrix
in its own test file (test_console_organisation.py, ...); this file covers the overview.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from tests.webapp.conftest import staffed_demo_app
from tests.webapp.test_export_cli import DEMO
from tests.webapp.test_research import ACCOUNTS, PASSWORD, signed_in


@pytest.fixture(scope="module")
def console_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    yield from staffed_demo_app(tmp_path_factory, sqlite_template, ACCOUNTS, PASSWORD)


def test_anonymous_visitors_are_sent_to_sign_in(console_app):
    response = console_app.test_client().get("/console/")
    assert response.status_code == 302
    assert response.location.startswith("/auth/login?next=")


@pytest.mark.parametrize("role", ["manager", "researcher"])
def test_other_roles_get_403(console_app, role):
    assert signed_in(console_app, role).get("/console/").status_code == 403


@pytest.mark.parametrize("role", ["manager", "researcher"])
def test_other_roles_cannot_fetch_the_console_stylesheet_either(console_app, role):
    client = signed_in(console_app, role)
    assert client.get("/console/static/console.css").status_code == 403


def test_the_admin_sees_the_overview_with_the_section_nav(console_app):
    page = signed_in(console_app, "admin").get("/console/")
    assert page.status_code == 200
    nav = re.search(r'<nav class="console-nav".*?</nav>', page.text, re.S)
    assert nav is not None
    hrefs = re.findall(r'href="([^"]+)"', nav.group(0))
    assert hrefs[0] == "/console/"
    assert 'href="/console/" aria-current="page"' in nav.group(0)
    # only registered endpoints are linked: every link opens
    client = signed_in(console_app, "admin")
    for href in hrefs:
        assert client.get(href, follow_redirects=True).status_code == 200, href
    assert f'href="/privacy/{DEMO}"' in page.text
    assert "round 2026-2 is open" in page.text


def test_the_overview_is_in_dutch(console_app):
    page = signed_in(console_app, "admin", "nl").get("/console/")
    assert "<h1>Beheer</h1>" in page.text
    assert 'aria-label="Onderdelen van beheer"' in page.text
    assert "ronde 2026-2 is open" in page.text


def test_the_admin_lands_on_the_console_after_signing_in(console_app):
    from tests.webapp.helpers import csrf_token

    client = console_app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    data = {"email": ACCOUNTS["admin"][0], "password": PASSWORD, "csrf_token": csrf_token(page)}
    assert client.post("/auth/login", data=data).location == "/console/"


# --- helpers for the section tests (test_console_organisation.py, ...) ---------------------

ROLES = ("anonymous", "manager", "researcher", "admin")


def console_client(app, db, role: str, language: str = "en"):
    """A test client signed in as ``role`` on ``db`` (``anonymous``: not signed in).

    The manager gets a unit of their own (``mgr-unit``, made when missing).
    """
    from surveys.models import Unit
    from surveys.org import list_units
    from surveys.users import add_user

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    if role == "anonymous":
        return client
    unit = None
    if role == "manager":
        unit = "mgr-unit"
        if unit not in {u.code for u in list_units(db)}:
            with db.session(write=True) as session:
                session.add(Unit(code=unit, name="Manager's unit"))
    email = f"{role}-{language}@example.org"
    hasher = users_module.HASHER
    users_module.HASHER = PasswordHasher.from_parameters(CHEAPEST)
    try:
        add_user(db, email, role, PASSWORD, unit_code=unit)
        from tests.webapp.helpers import csrf_token

        page = client.get("/auth/login").get_data(as_text=True)
        data = {"email": email, "password": PASSWORD, "csrf_token": csrf_token(page)}
        assert client.post("/auth/login", data=data).status_code == 302
    finally:
        users_module.HASHER = hasher
    return client


def login_page_token(client) -> str:
    """A valid CSRF token for ``client``'s session (from the sign-in page, which anyone may
    open), so a role test reaches the console's guard instead of the CSRF check."""
    from tests.webapp.helpers import csrf_token

    return csrf_token(client.get("/auth/login").get_data(as_text=True))


def assert_refused(response, role: str) -> None:
    """Anonymous: to the sign-in page; manager and researcher: 403."""
    if role == "anonymous":
        assert response.status_code == 302
        assert response.location.startswith("/auth/login")
    else:
        assert response.status_code == 403


def test_the_overview_links_every_admin_page_the_console_replaced(console_app):
    """The admin lands on the console instead of /auth/home: the pages that home linked
    (equity, team plans, leaders' views in aggregate, programmes) are linked here, and open."""
    client = signed_in(console_app, "admin")
    page = client.get("/console/").text
    for href in (
        "/equity/",
        f"/dashboard/{DEMO}/plans",
        f"/leaders/{DEMO}/",
        "/programmes/",
        "/research/",
        "/dashboard/",
    ):
        assert f'href="{href}"' in page, href
        assert client.get(href, follow_redirects=True).status_code == 200, href
