"""The console's People section and the password pages: accounts listed, added (with a
one-time link, never a password chosen by the admin), removed after a tick; links to set a
password (shown once, or mailed); API tokens shown once and revoked; a staff member's own
password change; every console route admin-only.

On a fresh copy of the demo hospital per test (closed wave 2026-1, open wave 2026-2), staff
signed in with the login form.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from tests.surveys.conftest import smtp_server as smtp_server  # a local SMTP server
from tests.webapp.test_export_cli import demo_copy
from tests.webapp.test_research import ACCOUNTS, PASSWORD, signed_in
from webapp import create_app
from webapp.config import TestConfig

NEW = "a fresh password for me"
_CSRF = re.compile(r'name="(?:[\w]+-)?csrf_token"[^>]*? value="([^"]+)"')
#: Every route of the section: (method, path).
ROUTES = [
    ("GET", "/console/people"),
    ("POST", "/console/people/add"),
    ("POST", "/console/people/reset"),
    ("POST", "/console/people/token"),
    ("POST", "/console/people/revoke"),
    ("GET", "/console/people/remove?email=research@example.org"),
    ("POST", "/console/people/remove"),
]


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture
def console_demo(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    """A fresh demo database with an admin, a researcher and a manager; (app, db)."""
    from surveys.db import Database
    from surveys.users import add_user

    database = Database(demo_copy(tmp_path_factory, sqlite_template))
    for role, (email, unit) in ACCOUNTS.items():
        add_user(database, email, role, PASSWORD, unit_code=unit)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": database})
    yield app, database
    database.dispose()


def csrf_token(html: str) -> str:
    """The session's CSRF token, from any form of ``html``."""
    found = _CSRF.search(html)
    assert found is not None, "no CSRF token in the page"
    return found.group(1)


def admin_client(app, language: str = "en"):
    """A client signed in as the admin, and the session's CSRF token."""
    client = signed_in(app, "admin", language)
    return client, csrf_token(client.get("/console/").text)


def _main(page: str) -> str:
    found = re.search(r"<main.*</main>", page, re.S)
    assert found is not None
    return found.group(0)


# --- who may open it ---------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_is_for_admins_only(console_demo, method, path):
    app, _ = console_demo
    visitor = app.test_client()
    token = csrf_token(visitor.get("/auth/login").text)
    data = {"csrf_token": token, "email": "research@example.org"} if method == "POST" else None
    anonymous = visitor.open(path, method=method, data=data)
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.location
    for role in ("manager", "researcher"):
        client = signed_in(app, role)
        token = csrf_token(client.get("/auth/password").text)
        data = {"csrf_token": token, "email": "research@example.org"} if method == "POST" else None
        assert client.open(path, method=method, data=data).status_code == 403, role
    client, token = admin_client(app)
    data = {"csrf_token": token, "email": "research@example.org"} if method == "POST" else None
    assert client.open(path, method=method, data=data).status_code in (200, 302, 400)


def test_posts_without_csrf_are_refused(console_demo):
    app, db = console_demo
    from surveys.users import list_users

    client, _ = admin_client(app)
    before = list_users(db)
    response = client.post(
        "/console/people/add", data={"add-email": "x@example.org", "add-role": "researcher"}
    )
    assert response.status_code == 400
    response = client.post("/console/people/remove", data={"email": "research@example.org"})
    assert response.status_code == 400
    assert list_users(db) == before


# --- the list and adding ---------------------------------------------------------------------


def test_the_list_shows_every_account_with_its_role_and_unit(console_demo):
    app, _ = console_demo
    client, _ = admin_client(app)
    page = _main(client.get("/console/people").text)
    for email, _unit in ACCOUNTS.values():
        assert f'<th scope="row">{email}' in page
    assert "CHIR-B" in page
    assert 'aria-current="page">People<' in client.get("/console/people").text
    # no "Remove" for yourself
    found = re.findall(r'href="/console/people/remove\?email=([^"]+)"', page)
    removable = {e.replace("%40", "@") for e in found}
    assert "admin@example.org" not in removable  # not yourself
    assert {"chirb@example.org", "research@example.org"} <= removable


def test_adding_an_account_shows_a_one_time_link_that_sets_the_password(console_demo):
    app, db = console_demo
    from surveys.users import authenticate, get_user

    client, token = admin_client(app)
    data = {
        "csrf_token": token,
        "add-email": "New.Manager@Example.org",
        "add-role": "manager",
        "add-unit": "CHIR-A",
    }
    response = client.post("/console/people/add", data=data)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = _main(response.text)
    assert "Added the account new.manager@example.org." in page
    link = re.search(
        r'<code class="secret">(http://localhost/auth/reset/(reset_[\w-]+))</code>', page
    )
    assert link is not None
    info = get_user(db, "new.manager@example.org")
    assert (info.role, info.unit_code) == ("manager", "CHIR-A")
    # the new colleague opens the link (no account needed), sets a password, then signs in
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    form = other.get(f"/auth/reset/{link.group(2)}")
    assert form.status_code == 200 and "new.manager@example.org" in form.text
    assert form.headers["Cache-Control"] == "no-store"
    answer = other.post(
        f"/auth/reset/{link.group(2)}",
        data={"csrf_token": csrf_token(form.text), "new": NEW, "repeat": NEW},
    )
    assert answer.status_code == 302 and answer.location.endswith("/auth/login")
    assert authenticate(db, "new.manager@example.org", NEW) is not None
    # the link worked once
    again = other.get(f"/auth/reset/{link.group(2)}")
    assert again.status_code == 404 and "does not work" in again.text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"add-email": "not an address", "add-role": "researcher"},
            "add-email",
            "is not an e-mail address",
        ),
        (
            {"add-email": "m@example.org", "add-role": "manager"},
            "add-unit",
            "a manager needs a unit",
        ),
        (
            {"add-email": "r@example.org", "add-role": "researcher", "add-unit": "CHIR-A"},
            "add-unit",
            "only managers have a unit",
        ),
        ({"add-email": "r@example.org", "add-role": "owner"}, "add-role", "role must be one of"),
        (
            {"add-email": "research@example.org", "add-role": "admin"},
            "add-email",
            "exists already",
        ),
    ],
)
def test_adding_refuses_what_the_cli_refuses_next_to_the_field(console_demo, data, field, message):
    app, db = console_demo
    from surveys.users import list_users

    before = list_users(db)
    client, token = admin_client(app)
    response = client.post("/console/people/add", data={"csrf_token": token, **data})
    assert response.status_code == 400
    errors = re.search(
        rf'<ul class="field-errors" id="{field}-errors">(.*?)</ul>', response.text, re.S
    )
    assert errors is not None and message in errors.group(1)
    assert f'aria-describedby="{field}-errors"' in response.text or (
        f"{field}-errors" in re.search(rf'<[^>]*id="{field}"[^>]*>', response.text).group(0)
    )
    assert list_users(db) == before  # nothing half-stored


def test_adding_in_dutch_speaks_dutch(console_demo):
    app, _ = console_demo
    client, _token = admin_client(app, "nl")
    page = client.get("/console/people").text
    assert "<h1>Mensen</h1>" in page and "Account toevoegen" in page


# --- links, tokens, removal ----------------------------------------------------------------


def test_a_reset_link_replaces_the_earlier_one_and_keeps_the_password_until_used(console_demo):
    app, db = console_demo
    from surveys.users import authenticate

    client, token = admin_client(app)
    links = []
    for _ in range(2):
        page = client.post(
            "/console/people/reset", data={"csrf_token": token, "email": "research@example.org"}
        ).text
        links.append(re.search(r"/auth/reset/(reset_[\w-]+)</code>", page).group(1))
        assert "Made a link for research@example.org" in page
    assert app.test_client().get(f"/auth/reset/{links[0]}").status_code == 404
    assert app.test_client().get(f"/auth/reset/{links[1]}").status_code == 200
    assert authenticate(db, "research@example.org", PASSWORD) is not None


def test_a_reset_link_refuses_a_short_password_next_to_the_field_and_still_works(console_demo):
    app, db = console_demo
    from surveys.password_resets import issue_reset
    from surveys.users import authenticate

    link = issue_reset(db, "research@example.org")
    client = app.test_client()
    page = client.get(f"/auth/reset/{link.token}").text
    data = {"csrf_token": csrf_token(page), "new": "short", "repeat": "short"}
    refused = client.post(f"/auth/reset/{link.token}", data=data)
    assert refused.status_code == 400
    assert re.search(r'id="new-errors"><li>the password must have at least 12', refused.text)
    mismatch = client.post(
        f"/auth/reset/{link.token}", data={**data, "new": NEW, "repeat": NEW + "x"}
    )
    assert mismatch.status_code == 400 and 'id="repeat-errors"' in mismatch.text
    assert authenticate(db, "research@example.org", PASSWORD) is not None
    assert (
        client.post(
            f"/auth/reset/{link.token}", data={**data, "new": NEW, "repeat": NEW}
        ).status_code
        == 302
    )


def test_reset_links_are_mailed_when_smtp_is_set_up(console_demo, smtp_server):
    app, _ = console_demo
    controller, handler = smtp_server
    app.config.update(
        SAMEN_SMTP_HOST="127.0.0.1",
        SAMEN_SMTP_PORT=controller.port,
        SAMEN_SMTP_FROM="samen@example.org",
    )
    client, token = admin_client(app)
    page = client.post(
        "/console/people/reset",
        data={"csrf_token": token, "email": "research@example.org", "mail": "y"},
    ).text
    assert "Mailed a link to set a password to research@example.org" in page
    assert "/auth/reset/" not in _main(page)  # mailed, so not shown
    ((recipients, content),) = handler.messages
    assert recipients == ["research@example.org"]
    assert re.search(rb"http://localhost/auth/reset/reset_[\w-]+", content)


def test_api_tokens_are_shown_once_and_revoked(console_demo):
    app, _ = console_demo
    client, token = admin_client(app)
    response = client.post(
        "/console/people/token", data={"csrf_token": token, "email": "research@example.org"}
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    api_token = re.search(r'<code class="secret">(samen_[\w-]+)</code>', response.text).group(1)
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {api_token}"}
    assert api.get("/api/v1/me", headers=bearer).get_json()["email"] == "research@example.org"
    revoked = client.post(
        "/console/people/revoke", data={"csrf_token": token, "email": "research@example.org"}
    )
    assert revoked.status_code == 302
    page = client.get(revoked.location).text
    assert "The API token of research@example.org no longer works." in page
    assert api.get("/api/v1/me", headers=bearer).status_code == 401


def test_removing_asks_for_a_tick_then_removes(console_demo):
    app, db = console_demo
    from surveys.users import list_users

    client, token = admin_client(app)
    ask = client.get("/console/people/remove?email=chirb@example.org")
    assert ask.status_code == 200 and "Remove the account chirb@example.org?" in ask.text
    unticked = client.post(
        "/console/people/remove", data={"csrf_token": token, "email": "chirb@example.org"}
    )
    assert unticked.status_code == 400 and "Tick the box" in unticked.text
    assert "chirb@example.org" in [u.email for u in list_users(db)]
    done = client.post(
        "/console/people/remove",
        data={"csrf_token": token, "email": "chirb@example.org", "sure": "y"},
    )
    assert done.status_code == 302
    assert "Removed the account chirb@example.org." in client.get(done.location).text
    assert "chirb@example.org" not in [u.email for u in list_users(db)]


def test_you_cannot_remove_yourself(console_demo):
    app, db = console_demo
    from surveys.users import list_users

    client, token = admin_client(app)
    response = client.post(
        "/console/people/remove",
        data={"csrf_token": token, "email": "admin@example.org", "sure": "y"},
    )
    assert response.status_code == 302
    assert "You cannot remove your own account" in client.get(response.location).text
    assert "admin@example.org" in [u.email for u in list_users(db)]


# --- your own password ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager", "researcher"])
def test_every_staff_member_changes_their_own_password_and_stays_signed_in(console_demo, role):
    app, db = console_demo
    from surveys.users import authenticate

    email = ACCOUNTS[role][0]
    client = signed_in(app, role)
    other = signed_in(app, role)  # another browser of the same person
    page = client.get("/dashboard/", follow_redirects=True).text
    assert 'href="/auth/password"' in page  # linked from the header
    form = client.get("/auth/password")
    assert form.status_code == 200
    data = {"csrf_token": csrf_token(form.text), "current": PASSWORD, "new": NEW, "repeat": NEW}
    changed = client.post("/auth/password", data=data)
    assert changed.status_code == 302
    assert authenticate(db, email, NEW) is not None
    assert client.get("/auth/password").status_code == 200  # still signed in here
    assert other.get("/auth/password").status_code == 302  # signed out elsewhere


def test_the_password_page_needs_a_sign_in(console_demo):
    app, _ = console_demo
    response = app.test_client().get("/auth/password")
    assert response.status_code == 302 and "/auth/login" in response.location


@pytest.mark.parametrize(
    ("current", "new", "repeat", "field", "message"),
    [
        ("wrong password here", NEW, NEW, "current", "This is not your current password."),
        (PASSWORD, "short", "short", "new", "the password must have at least 12 characters"),
        (PASSWORD, NEW, NEW + "!", "repeat", "The two new passwords are not the same."),
    ],
)
def test_own_password_errors_are_next_to_the_field(
    console_demo, current, new, repeat, field, message
):
    app, db = console_demo
    from surveys.users import authenticate

    client = signed_in(app, "researcher")
    token = csrf_token(client.get("/auth/password").text)
    data = {"csrf_token": token, "current": current, "new": new, "repeat": repeat}
    response = client.post("/auth/password", data=data)
    assert response.status_code == 400
    assert re.search(rf'id="{field}-errors"><li>{re.escape(message)}', response.text)
    assert authenticate(db, "research@example.org", PASSWORD) is not None


def test_reset_tokens_stay_out_of_the_logs():
    from webapp.logs import redact

    line = '127.0.0.1 "GET /auth/reset/reset_abcDEF123 HTTP/1.1" 200'
    assert redact(line) == '127.0.0.1 "GET /auth/reset/<token> HTTP/1.1" 200'


def test_the_cli_makes_the_same_one_time_link(console_demo, monkeypatch):
    from click.testing import CliRunner

    from surveys.users import authenticate
    from webapp.cli import cli

    app, db = console_demo
    monkeypatch.setenv("SAMEN_DATABASE_URL", str(db.engine.url))
    monkeypatch.setenv("SAMEN_BASE_URL", "https://samen.example.org/")
    result = CliRunner().invoke(cli, ["user", "reset", "research@example.org", "--hours", "2"])
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert re.fullmatch(r"https://samen\.example\.org/auth/reset/reset_[\w-]+", link)
    assert "Works once, until" in result.stderr
    token = link.rsplit("/", 1)[1]
    client = app.test_client()
    form = client.get(f"/auth/reset/{token}").text
    data = {"csrf_token": csrf_token(form), "new": NEW, "repeat": NEW}
    assert client.post(f"/auth/reset/{token}", data=data).status_code == 302
    assert authenticate(db, "research@example.org", NEW) is not None
    unknown = CliRunner().invoke(cli, ["user", "reset", "nobody@example.org"])
    assert unknown.exit_code == 2 and "no account" in unknown.output


def test_a_script_with_a_token_cannot_change_a_password(console_demo):
    app, db = console_demo
    from surveys.users import authenticate, issue_api_token

    token = issue_api_token(db, "research@example.org")
    response = app.test_client().get(
        "/auth/password", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert authenticate(db, "research@example.org", PASSWORD) is not None


def test_the_password_page_is_marked_current_in_the_header(console_demo):
    app, _ = console_demo
    client = signed_in(app, "manager")
    page = client.get("/auth/password").text
    assert 'href="/auth/password" aria-current="page"' in page
