"""What an attacker found in sign-in and sessions (issue 15), each reproduced, then held:

- under ``samen serve`` every client had the address "-", so 20 wrong passwords from anyone
  paused sign-in for everyone;
- a cookie saved before sign-out still worked (sessions end on the server now);
- 60 parallel guesses for one account got 25 password checks (limit 5).
"""

from __future__ import annotations

import http.client
import re
import threading
import time
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


# --- count before checking; bounded password checks per process ---------------------------------


class CountingHasher(PasswordHasher):
    """The cheap hasher, counting verifications and the most that ran at once."""

    def __init__(self) -> None:
        cheap = PasswordHasher.from_parameters(CHEAPEST)
        super().__init__(
            time_cost=cheap.time_cost,
            memory_cost=cheap.memory_cost,
            parallelism=cheap.parallelism,
            hash_len=cheap.hash_len,
            salt_len=cheap.salt_len,
        )
        self.checks = 0
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def verify(self, hash: Any, password: Any) -> bool:
        with self._lock:
            self.checks += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(0.05)  # an Argon2 check takes time: let the others pile up
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.running -= 1


def test_sixty_parallel_guesses_get_at_most_five_password_checks(staff_app, monkeypatch):
    hasher = CountingHasher()
    users_module._dummy_hash()
    monkeypatch.setattr(users_module, "HASHER", hasher)
    monkeypatch.setattr(users_module, "PASSWORD_CHECKS", threading.BoundedSemaphore(2))
    clients = [staff_app.test_client() for _ in range(60)]
    tokens = [_csrf(client) for client in clients]
    statuses: list[int] = []
    barrier = threading.Barrier(60)

    def guess(client: Any, token: str) -> None:
        data = {"email": "surg@example.org", "password": "wrong password!", "csrf_token": token}
        barrier.wait()
        statuses.append(client.post("/auth/login", data=data).status_code)

    threads = [
        threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(statuses) == 60
    # Before: 60 parallel guesses got 25 checks. Now each is counted before its check.
    assert 1 <= hasher.checks <= 5
    assert statuses.count(200) == hasher.checks
    assert statuses.count(429) == 60 - hasher.checks
    assert hasher.most <= 2  # the per-process bound on concurrent Argon2 checks
    assert _login(staff_app.test_client()).status_code == 429  # and the account is paused


def test_a_busy_process_answers_503_without_checking(staff_app, monkeypatch):
    semaphore = threading.BoundedSemaphore(1)
    monkeypatch.setattr(users_module, "PASSWORD_CHECKS", semaphore)
    monkeypatch.setattr(users_module, "CHECK_WAIT_SECONDS", 0.01)
    client = staff_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert semaphore.acquire()
    try:
        response = _login(client)
    finally:
        semaphore.release()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Many people are signing in right now" in response.text
    dutch = staff_app.test_client()
    assert semaphore.acquire()
    try:
        assert "Er loggen nu veel mensen tegelijk in." in _login(dutch).text
    finally:
        semaphore.release()
    assert _login(client).status_code == 302  # the busy attempt was not held against anyone


# --- the counts are shared: two apps (two workers) on one database, or Redis ---------------------


def _worker(db: Any, **config: Any) -> Any:
    return create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": db, **config})


def _wrong(app: Any) -> int:
    return _login(app.test_client(), password="wrong password!").status_code


def test_two_workers_share_the_count_in_the_database(staff_db):
    first, second = _worker(staff_db), _worker(staff_db)
    for n in range(5):  # 5 per account in all, spread over the workers
        assert _wrong(first if n % 2 else second) == 200
    assert _login(first.test_client()).status_code == 429
    assert _login(second.test_client()).status_code == 429
    # and a fresh process (a restart) still knows
    assert _login(_worker(staff_db).test_client()).status_code == 429


def test_workers_with_memory_counts_do_not_share(staff_db):
    """What SAMEN_LOGIN_STORE=memory means: each process counts on its own."""
    first, second = (
        _worker(staff_db, SAMEN_LOGIN_STORE="memory"),
        _worker(staff_db, SAMEN_LOGIN_STORE="memory"),
    )
    for _ in range(5):
        assert _wrong(first) == 200
    assert _login(first.test_client()).status_code == 429
    assert _login(second.test_client()).status_code == 302


def test_two_workers_share_the_count_in_redis(staff_db):
    fakeredis = pytest.importorskip("fakeredis")
    server = fakeredis.FakeServer()
    first = _worker(
        staff_db,
        SAMEN_REDIS_CLIENT=fakeredis.FakeRedis(server=server),
        SAMEN_REDIS_URL="redis://fake",
    )
    second = _worker(
        staff_db,
        SAMEN_REDIS_CLIENT=fakeredis.FakeRedis(server=server),
        SAMEN_REDIS_URL="redis://fake",
    )
    for n in range(5):
        assert _wrong(first if n % 2 else second) == 200
    refused = _login(second.test_client())
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    kept = b" ".join((server.connected and fakeredis.FakeRedis(server=server).keys("*")) or [])
    assert b"surg" not in kept and b"127.0.0.1" not in kept
    from surveys.models import SigninFailure

    with staff_db.session() as session:  # nothing went to the database
        assert session.query(SigninFailure).count() == 0


def test_the_database_keeps_no_address_in_the_clear(staff_db):
    from sqlalchemy import select

    from surveys.models import SigninFailure, SigninPause

    app = _worker(staff_db)
    for _ in range(5):
        _wrong(app)
    with staff_db.session() as session:
        keys = session.scalars(select(SigninFailure.key)).all()
        pauses = session.scalars(select(SigninPause.key)).all()
    assert len(keys) == 10 and len(pauses) == 1  # 5 per e-mail address + 5 per client address
    text = " ".join([*keys, *pauses])
    assert "surg" not in text and "127.0.0.1" not in text


def test_the_store_is_checked_at_start(staff_db):
    from webapp.config import ConfigError

    with pytest.raises(ConfigError, match="database, redis or memory"):
        _worker(staff_db, SAMEN_LOGIN_STORE="files")
    with pytest.raises(ConfigError, match="needs SAMEN_REDIS_URL"):
        _worker(staff_db, SAMEN_LOGIN_STORE="redis")
