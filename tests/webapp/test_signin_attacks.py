"""What an attacker found in sign-in and sessions (issue 15), each reproduced, then held:

- under ``samen serve`` every client had the address "-", so 20 wrong passwords from anyone
  paused sign-in for everyone;
- a cookie saved before sign-out still worked (sessions end on the server now);
- 60 parallel guesses for one account got 25 password checks (limit 5).
"""

from __future__ import annotations

import http.client
import re
from typing import Any
from urllib.parse import urlencode

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
def staff_db(hospital_db):
    from surveys.users import add_user

    add_user(hospital_db, "surg@example.org", "manager", PASSWORD, unit_code="SURG")
    return hospital_db


def _csrf(client: Any) -> str:
    page = client.get("/auth/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _login(client: Any, password: str = PASSWORD, email: str = "surg@example.org") -> Any:
    data = {"email": email, "password": password, "csrf_token": _csrf(client)}
    return client.post("/auth/login", data=data)


# --- samen serve: the throttle sees real client addresses -------------------------------------


def _post_from(port: int, source: str, email: str, password: str) -> int:
    """POST a sign-in to the served app from the loopback address ``source``."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        body = urlencode({"email": email, "password": password})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", "/auth/login", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_samen_serve_counts_per_client_address_and_logs_none(staff_db, caplog):
    from webapp.cli.serve import serve_in_thread

    config = {**TestConfig.as_dict(), "SAMEN_DATABASE": staff_db, "WTF_CSRF_ENABLED": False}
    server = serve_in_thread(create_app(config))
    try:
        port = server.server_port
        with caplog.at_level("INFO", logger="werkzeug"):
            for n in range(20):  # the per-address limit (20 wrong passwords, any accounts)
                status = _post_from(port, "127.0.0.2", f"guess{n}@example.org", "wrong password!")
                assert status == 200
        assert _post_from(port, "127.0.0.2", "surg@example.org", PASSWORD) == 429
        # Before the fix every client was "-": this right password from elsewhere got 429.
        assert _post_from(port, "127.0.0.3", "surg@example.org", PASSWORD) == 302
    finally:
        server.shutdown()
        server.server_close()
    logged = caplog.text
    assert "POST /auth/login" in logged
    assert "127.0.0.2" not in logged and "127.0.0.3" not in logged


# --- sign-out, password change and removal end every session on the server ---------------------


@pytest.fixture
def staff_app(staff_db):
    return create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": staff_db})


def _replay(app: Any, cookie: str) -> int:
    """Status of /api/v1/me for a fresh browser holding a saved session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get(ME).status_code


def _signed_in_cookie(app: Any) -> tuple[Any, str]:
    client = app.test_client()
    assert _login(client).status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None and _replay(app, cookie.value) == 200
    return client, cookie.value


def test_a_cookie_saved_before_sign_out_gets_401(staff_app):
    client, saved = _signed_in_cookie(staff_app)
    other_device, other = _signed_in_cookie(staff_app)
    assert client.post("/auth/logout", data={"csrf_token": _csrf(client)}).status_code == 302
    assert _replay(staff_app, saved) == 401
    assert _replay(staff_app, other) == 401  # every session of the account
    assert other_device.get(ME).status_code == 401
    assert _login(client).status_code == 302 and client.get(ME).status_code == 200


def test_password_change_and_removal_end_saved_sessions(staff_app, staff_db):
    from surveys.users import remove_user, set_password

    _client, saved = _signed_in_cookie(staff_app)
    set_password(staff_db, "surg@example.org", PASSWORD + " again")
    assert _replay(staff_app, saved) == 401
    _client, saved = _signed_in_cookie_with(staff_app, PASSWORD + " again")
    remove_user(staff_db, "surg@example.org")
    assert _replay(staff_app, saved) == 401


def _signed_in_cookie_with(app: Any, password: str) -> tuple[Any, str]:
    client = app.test_client()
    assert _login(client, password=password).status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None and _replay(app, cookie.value) == 200
    return client, cookie.value


def test_samen_user_remove_ends_saved_sessions(staff_app, staff_db, db_url, monkeypatch):
    from click.testing import CliRunner

    from webapp.cli import cli

    _client, saved = _signed_in_cookie(staff_app)
    monkeypatch.setenv("SAMEN_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["user", "remove", "surg@example.org"])
    assert result.exit_code == 0, result.output
    assert _replay(staff_app, saved) == 401
