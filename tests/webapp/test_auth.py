"""Staff sign-in: the login form round-trip, CSRF, logout, session expiry, and `samen user`."""

from __future__ import annotations

import re
import time

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from webapp import create_app
from webapp.config import TestConfig

PASSWORD = "correct horse battery"
ME = "/api/v1/me"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture
def staff_app(hospital_db):
    from surveys.users import add_user

    add_user(hospital_db, "surg@example.org", "manager", PASSWORD, unit_code="SURG")
    return create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": hospital_db})


def _csrf(client, path: str = "/auth/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _login(client, password: str = PASSWORD, next: str | None = None):
    url = "/auth/login" + (f"?next={next}" if next else "")
    data = {"email": "Surg@Example.org", "password": password, "csrf_token": _csrf(client)}
    return client.post(url, data=data)


def test_login_page_renders_a_csrf_form(staff_app):
    page = staff_app.test_client().get("/auth/login")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'name="csrf_token"' in text and 'type="password"' in text
    assert 'autocomplete="current-password"' in text


def test_login_redirects_and_signs_in(staff_app):
    client = staff_app.test_client()
    assert client.get(ME).status_code == 401
    response = _login(client)
    assert response.status_code == 302
    assert client.get(ME).get_json()["email"] == "surg@example.org"


def test_wrong_password_is_refused_without_saying_which_part(staff_app):
    client = staff_app.test_client()
    response = _login(client, password="wrong password!")
    assert response.status_code == 200
    assert 'class="flash flash-error" role="alert"' in response.get_data(as_text=True)
    assert client.get(ME).status_code == 401


def test_login_without_csrf_is_refused(staff_app):
    client = staff_app.test_client()
    response = client.post("/auth/login", data={"email": "surg@example.org", "password": PASSWORD})
    assert response.status_code in (200, 400)
    assert client.get(ME).status_code == 401


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/api/v1/me", "/api/v1/me"), ("//evil.example/x", "/"), ("https://evil.example/", "/")],
)
def test_next_only_goes_to_this_site(staff_app, target, expected):
    response = _login(staff_app.test_client(), next=target)
    location = response.headers["Location"]
    assert location == expected or (location.endswith(expected) and "evil" not in location)


def test_logout_is_a_post_with_csrf(staff_app):
    client = staff_app.test_client()
    _login(client)
    assert client.get("/auth/logout").status_code == 405
    client.post("/auth/logout", data={})  # no CSRF token: still signed in
    assert client.get(ME).status_code == 200
    client.post("/auth/logout", data={"csrf_token": _csrf(client)})
    assert client.get(ME).status_code == 401


def test_idle_and_absolute_expiry(staff_app):
    client = staff_app.test_client()
    _login(client)
    assert client.get(ME).status_code == 200
    with client.session_transaction() as session:
        session["staff_seen"] = int(time.time()) - 31 * 60
    assert client.get(ME).status_code == 401
    _login(client)
    with client.session_transaction() as session:
        session["staff_signed_in"] = int(time.time()) - 9 * 3600
    assert client.get(ME).status_code == 401


def test_session_is_permanent_with_a_lifetime(staff_app):
    client = staff_app.test_client()
    response = _login(client)
    cookie = response.headers.get("Set-Cookie", "")
    assert "Expires=" in cookie and "HttpOnly" in cookie


def test_password_change_ends_the_session(staff_app, hospital_db):
    from surveys.users import set_password

    client = staff_app.test_client()
    _login(client)
    set_password(hospital_db, "surg@example.org", PASSWORD + "!")
    assert client.get(ME).status_code == 401


# --- samen user ------------------------------------------------------------------------------


@pytest.fixture
def cli_env(hospital_db, db_url, monkeypatch):
    monkeypatch.setenv("SAMEN_DATABASE_URL", db_url)
    return hospital_db


def _samen(args, stdin=""):
    from click.testing import CliRunner

    from webapp.cli import cli

    return CliRunner().invoke(cli, args, input=stdin)


def test_cli_add_and_token(cli_env):
    from surveys.users import authenticate, user_for_token

    result = _samen(
        ["user", "add", "boss@example.org", "--role", "manager", "--unit", "SURG"],
        stdin=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert authenticate(cli_env, "boss@example.org", PASSWORD).unit_code == "SURG"
    result = _samen(["user", "token", "boss@example.org"])
    assert result.exit_code == 0
    token = result.stdout.splitlines()[0]
    assert user_for_token(cli_env, token).email == "boss@example.org"
    listed = _samen(["user", "list"])
    assert "boss@example.org\tmanager\tSURG" in listed.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["user", "add", "a@example.org", "--role", "admin"], "short\n", "at least"),
        (["user", "add", "a@example.org", "--role", "manager"], PASSWORD + "\n", "needs a unit"),
        (
            ["user", "add", "a@example.org", "--role", "manager", "--unit", "NOPE"],
            PASSWORD,
            "NOPE",
        ),
        (["user", "token", "nobody@example.org"], "", "no account"),
    ],
)
def test_cli_errors_exit_2_with_one_line(cli_env, args, stdin, message):
    result = _samen(args, stdin)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1
