"""Staff sign-in: the login form round-trip, CSRF, logout, session expiry, the staff header
with "Sign out", the sign-in throttle, and `samen user`."""

from __future__ import annotations

import re
import time

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE
from tests.webapp.helpers import start
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


# --- the staff header: who is signed in, and "Sign out" ---------------------------------------

ACCOUNTS = {
    "admin": ("owner@example.org", None),
    "manager": ("surg@example.org", "SURG"),
    "researcher": ("research@example.org", None),
}
DASHBOARD_UNIT = f"/dashboard/{HOSPITAL_SLUG}/{HOSPITAL_WAVE}/SURG"
RESEARCH_SURVEY = f"/research/{HOSPITAL_SLUG}/"
#: The pages each role may open (a manager's research pages answer 403: with the header).
STAFF_PAGES = [
    ("admin", DASHBOARD_UNIT, 200),
    ("admin", RESEARCH_SURVEY, 200),
    ("manager", DASHBOARD_UNIT, 200),
    ("manager", RESEARCH_SURVEY, 403),
    ("researcher", DASHBOARD_UNIT, 200),
    ("researcher", RESEARCH_SURVEY, 200),
]
SIGN_OUT_FORM = re.compile(
    r'<form class="account-signout" method="post" action="/auth/logout">\s*'
    r'<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)">\s*'
    r'<button type="submit" class="button signout">([^<]+)</button>'
)


@pytest.fixture
def roles_app(hospital_db):
    from surveys.users import add_user

    for role, (email, unit) in ACCOUNTS.items():
        add_user(hospital_db, email, role, PASSWORD, unit_code=unit)
    return create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": hospital_db})


def _signed_in(app, role: str, language: str = "en"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    data = {"email": ACCOUNTS[role][0], "password": PASSWORD, "csrf_token": _csrf(client)}
    assert client.post("/auth/login", data=data).status_code == 302
    return client


@pytest.mark.parametrize(("role", "url", "status"), STAFF_PAGES)
def test_staff_pages_show_the_account_and_a_sign_out_form(roles_app, role, url, status):
    page = _signed_in(roles_app, role).get(url)
    assert page.status_code == status
    text = page.get_data(as_text=True)
    form = SIGN_OUT_FORM.search(text)
    assert form is not None and form.group(2) == "Sign out"
    header = text[text.index('<header class="site-header">') : text.index("</header>")]
    email = ACCOUNTS[role][0].replace("@", "<wbr>@")
    assert f'<span class="account-email">{email}</span>' in header
    label = {"admin": "survey owner", "manager": "manager", "researcher": "researcher"}[role]
    assert f'<span class="account-role">{label}</span>' in header
    assert "/auth/static/account.css" in text


def test_staff_header_speaks_dutch(roles_app):
    text = _signed_in(roles_app, "manager", "nl").get(DASHBOARD_UNIT).get_data(as_text=True)
    form = SIGN_OUT_FORM.search(text)
    assert form is not None and form.group(2) == "Afmelden"
    assert "Ingelogd als" in text and '<span class="account-role">leidinggevende</span>' in text


def test_respondent_and_public_pages_never_show_the_account(roles_app, hospital_db):
    from surveys.invitations import issue_invitations

    client = _signed_in(roles_app, "admin")
    assert SIGN_OUT_FORM.search(client.get(DASHBOARD_UNIT).get_data(as_text=True))
    token = issue_invitations(hospital_db, HOSPITAL_SLUG, "W1", 1)[0]
    assert start(client, token).status_code == 303
    pages = {"/": 200, f"/privacy/{HOSPITAL_SLUG}": 200, "/survey": 200, "/no-such-page": 404}
    for url, status in pages.items():
        response = client.get(url)
        assert response.status_code == status, url
        text = response.get_data(as_text=True)
        assert "account-signout" not in text and "owner@example.org" not in text, url
        assert "account.css" not in text, url


def test_signed_out_pages_have_no_account_header(roles_app):
    text = roles_app.test_client().get("/auth/login").get_data(as_text=True)
    assert "account-signout" not in text


def test_sign_out_from_the_header_ends_the_session(roles_app):
    client = _signed_in(roles_app, "manager")
    form = SIGN_OUT_FORM.search(client.get(DASHBOARD_UNIT).get_data(as_text=True))
    response = client.post("/auth/logout", data={"csrf_token": form.group(1)})
    assert response.status_code == 302 and response.location == "/auth/login"
    landing = client.get(response.location).get_data(as_text=True)
    assert 'class="flash flash-info" role="status">You are signed out.</p>' in landing
    after = client.get(DASHBOARD_UNIT)
    assert after.status_code == 302 and after.location.startswith("/auth/login")
    assert client.get(ME).status_code == 401


def test_sign_out_keeps_the_chosen_language(roles_app):
    client = _signed_in(roles_app, "manager")
    client.get(f"{DASHBOARD_UNIT}?lang=nl")
    form = SIGN_OUT_FORM.search(client.get(DASHBOARD_UNIT).get_data(as_text=True))
    landing = client.post("/auth/logout", data={"csrf_token": form.group(1)})
    assert "Je bent afgemeld." in client.get(landing.location).get_data(as_text=True)


def test_get_on_sign_out_changes_nothing(roles_app):
    client = _signed_in(roles_app, "researcher")
    assert client.get("/auth/logout").status_code == 405
    assert client.get(RESEARCH_SURVEY).status_code == 200


# --- the sign-in throttle ----------------------------------------------------------------------


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(staff_app) -> Clock:
    fake = Clock()
    staff_app.extensions["samen_login_throttle"].clock = fake
    return fake


#: The refusal, in Dutch (the default language) and in English.
THROTTLED = "Te veel pogingen om in te loggen. Wacht 15 minuten en probeer het dan opnieuw."
THROTTLED_EN = "Too many attempts to sign in. Wait 15 minutes, then try again."


def _attempt(client, email: str = "surg@example.org", password: str = "wrong password!"):
    data = {"email": email, "password": password, "csrf_token": _csrf(client)}
    return client.post("/auth/login", data=data)


def _flash(response) -> str:
    found = re.search(r'<p class="flash flash-error" role="alert">([^<]*)</p>', response.text)
    assert found is not None, response.text
    return found.group(1)


def test_sixth_attempt_for_an_account_is_refused_even_with_the_right_password(staff_app, clock):
    client = staff_app.test_client()
    for _ in range(5):
        response = _attempt(client)
        assert response.status_code == 200
        assert _flash(response) == "Het e-mailadres of het wachtwoord klopt niet."
    refused = _attempt(client, password=PASSWORD)
    assert refused.status_code == 429
    assert _flash(refused) == THROTTLED
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert client.get(ME).status_code == 401
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert _flash(_attempt(client, password=PASSWORD)) == THROTTLED_EN
    clock.advance(14)
    assert _attempt(client, password=PASSWORD).status_code == 429


def test_unknown_and_known_accounts_are_refused_alike(staff_app, clock):
    known, unknown = staff_app.test_client(), staff_app.test_client()
    unknown.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    for _ in range(5):
        _attempt(known)
        _attempt(unknown, email="nobody@example.org")
    a, b = _attempt(known), _attempt(unknown, email="nobody@example.org")
    assert a.status_code == b.status_code == 429
    assert _flash(a) == _flash(b) == THROTTLED
    assert a.headers["Retry-After"] == b.headers["Retry-After"]


def test_the_account_is_paused_from_every_address(staff_app, clock):
    first, second = staff_app.test_client(), staff_app.test_client()
    second.environ_base["REMOTE_ADDR"] = "192.0.2.8"
    for _ in range(5):
        _attempt(first, email=" Surg@Example.org ")
    assert _attempt(second, password=PASSWORD).status_code == 429


def test_sign_in_works_again_after_the_pause(staff_app, clock):
    client = staff_app.test_client()
    for _ in range(5):
        _attempt(client)
    assert _attempt(client, password=PASSWORD).status_code == 429
    clock.advance(15)
    assert _attempt(client, password=PASSWORD).status_code == 302
    assert client.get(ME).status_code == 200


def test_failures_older_than_the_window_do_not_count(staff_app, clock):
    client = staff_app.test_client()
    for _ in range(4):
        _attempt(client)
    clock.advance(15)
    for _ in range(4):
        assert _attempt(client).status_code == 200
    assert _attempt(client, password=PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_count(staff_app, clock):
    client = staff_app.test_client()
    for _ in range(4):
        _attempt(client)
    assert _attempt(client, password=PASSWORD).status_code == 302
    for _ in range(4):
        assert _attempt(client).status_code == 200


def test_twenty_failures_from_one_address_pause_it(staff_app, clock):
    client, elsewhere = staff_app.test_client(), staff_app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    for n in range(20):
        assert _attempt(client, email=f"guess{n % 5}-{n // 5}@example.org").status_code == 200
    refused = _attempt(client, password=PASSWORD)
    assert refused.status_code == 429 and _flash(refused) == THROTTLED
    assert _attempt(elsewhere, password=PASSWORD).status_code == 302
    clock.advance(15)
    assert _attempt(client, password=PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_counts(hospital_db, monkeypatch):
    from surveys.users import add_user

    add_user(hospital_db, "surg@example.org", "manager", PASSWORD, unit_code="SURG")
    config = {**TestConfig.as_dict(), "SAMEN_DATABASE": hospital_db, "SAMEN_TRUSTED_PROXIES": 1}
    app = create_app(config)
    for n in range(20):
        client = app.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{n}"
        assert _attempt(client, email=f"guess{n}@example.org").status_code == 200
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.200"
    assert _attempt(client, password=PASSWORD).status_code == 302


def test_bearer_tokens_are_not_throttled(staff_app, hospital_db, clock):
    from surveys.users import issue_api_token

    client = staff_app.test_client()
    for _ in range(6):
        _attempt(client)
    token = issue_api_token(hospital_db, "surg@example.org")
    response = staff_app.test_client().get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_the_throttle_keeps_no_address_in_the_clear():
    from webapp.auth.throttle import LoginThrottle

    throttle = LoginThrottle(per_account=2, per_address=3, window=60, clock=Clock())
    throttle.failed("Someone@Example.org", "203.0.113.5")
    kept = repr(throttle.__dict__)
    assert "someone" not in kept.lower() and "203.0.113.5" not in kept
    assert throttle.retry_after("someone@example.org", None) is None
    throttle.failed("someone@example.org ", None)
    assert throttle.retry_after("SOMEONE@example.org", "198.51.100.1") == 60


@pytest.mark.parametrize("kwargs", [{"per_account": 0}, {"per_address": 0}, {"window": 0}])
def test_the_throttle_refuses_meaningless_limits(kwargs):
    from webapp.auth.throttle import LoginThrottle

    with pytest.raises(ValueError):
        LoginThrottle(**kwargs)


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
