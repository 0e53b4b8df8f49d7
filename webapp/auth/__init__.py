"""Staff sign-in: the login form, logout, Flask-Login, and API tokens (``Bearer``).

:func:`current_staff` is how every staff view and the JSON API learn who is asking: with an
``Authorization`` header only the bearer token counts (a bad token is no caller, never a
fallback to the cookie); otherwise the signed-in session.

Sessions end :data:`DEFAULT_SESSION_HOURS` after sign-in, and after
:data:`DEFAULT_IDLE_MINUTES` without a request (``SAMEN_STAFF_SESSION_HOURS`` and
``SAMEN_STAFF_IDLE_MINUTES`` in the app config).

Sign-in attempts are counted per e-mail address and per client address before the password
is checked, and too many pause sign-in for a while (:mod:`webapp.auth.throttle`;
``SAMEN_LOGIN_MAX_FAILURES_PER_ACCOUNT``, ``SAMEN_LOGIN_MAX_FAILURES_PER_ADDRESS``,
``SAMEN_LOGIN_WINDOW_MINUTES``). The counts live in the database (every worker sees them),
in Redis with ``SAMEN_REDIS_URL``, or in memory with ``SAMEN_LOGIN_STORE = "memory"``. At most
``SAMEN_LOGIN_CONCURRENT_CHECKS`` password checks (Argon2, 64 MiB each) run at once per
process (:data:`surveys.users.PASSWORD_CHECKS`).

Staff pages (the blueprints in :data:`STAFF_BLUEPRINTS`) show who is signed in and a sign-out
button in the page header; respondent and public pages never do.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import Blueprint, Flask, current_app

from webapp.auth.session import (
    DEFAULT_IDLE_MINUTES,
    DEFAULT_SESSION_HOURS,
    StaffUser,
    current_staff,
    login_manager,
)
from webapp.auth.throttle import (
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ADDRESS,
    WINDOW_MINUTES,
    LoginThrottle,
)

__all__ = [
    "DEFAULT_IDLE_MINUTES",
    "DEFAULT_SESSION_HOURS",
    "STAFF_BLUEPRINTS",
    "LoginThrottle",
    "StaffUser",
    "bp",
    "current_staff",
    "init_app",
    "login_manager",
    "login_throttle",
]

#: Blueprints whose pages are for staff: their header shows the account and "Sign out".
STAFF_BLUEPRINTS = frozenset(
    {"dashboard", "research", "admin", "auth", "programmes", "console", "leaders_admin", "equity"}
)

bp = Blueprint(
    "auth", __name__, url_prefix="/auth", template_folder="templates", static_folder="static"
)


def login_throttle() -> LoginThrottle:
    """The current app's :class:`LoginThrottle` (one per app and process)."""
    return current_app.extensions["samen_login_throttle"]


from webapp.auth import password, routes  # noqa: E402, F401  (registers the views)


def _store(app: Flask) -> Any:
    """The throttle's store named by ``SAMEN_LOGIN_STORE``: database, redis or memory."""
    from webapp.auth.stores import DatabaseStore, MemoryStore, RedisStore
    from webapp.config import ConfigError

    kind = str(app.config["SAMEN_LOGIN_STORE"]).lower()
    if kind == "database":
        return DatabaseStore(app.extensions["samen_db"])
    if kind == "memory":
        return MemoryStore()
    if kind == "redis":
        client = app.config.get("SAMEN_REDIS_CLIENT")  # tests pass a fake
        if client is None:
            url = app.config.get("SAMEN_REDIS_URL")
            if not url:
                raise ConfigError("SAMEN_LOGIN_STORE=redis needs SAMEN_REDIS_URL")
            try:
                import redis
            except ImportError as exc:
                raise ConfigError(
                    "SAMEN_REDIS_URL is set but the redis package is not installed "
                    "(pip install 'samen[redis]')"
                ) from exc
            client = redis.Redis.from_url(url)
        return RedisStore(client)
    raise ConfigError(f"SAMEN_LOGIN_STORE must be database, redis or memory, got {kind!r}")


def init_app(app: Flask) -> None:
    """Bind Flask-Login to ``app`` and register the ``auth`` blueprint."""
    app.config.setdefault("SAMEN_STAFF_SESSION_HOURS", DEFAULT_SESSION_HOURS)
    app.config.setdefault("SAMEN_STAFF_IDLE_MINUTES", DEFAULT_IDLE_MINUTES)
    app.config.setdefault("SAMEN_LOGIN_MAX_FAILURES_PER_ACCOUNT", MAX_FAILURES_PER_ACCOUNT)
    app.config.setdefault("SAMEN_LOGIN_MAX_FAILURES_PER_ADDRESS", MAX_FAILURES_PER_ADDRESS)
    app.config.setdefault("SAMEN_LOGIN_WINDOW_MINUTES", WINDOW_MINUTES)
    app.config.setdefault(
        "SAMEN_LOGIN_STORE", "redis" if app.config.get("SAMEN_REDIS_URL") else "database"
    )
    app.config.setdefault("SAMEN_LOGIN_CONCURRENT_CHECKS", None)
    if app.config["SAMEN_LOGIN_CONCURRENT_CHECKS"]:
        from surveys.users import limit_password_checks

        limit_password_checks(int(app.config["SAMEN_LOGIN_CONCURRENT_CHECKS"]))
    secret = str(app.config["SECRET_KEY"]).encode("utf-8")
    app.extensions["samen_login_throttle"] = LoginThrottle(
        per_account=int(app.config["SAMEN_LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        per_address=int(app.config["SAMEN_LOGIN_MAX_FAILURES_PER_ADDRESS"]),
        window=float(app.config["SAMEN_LOGIN_WINDOW_MINUTES"]) * 60,
        store=_store(app),
        # the same key in every worker, so they count the same e-mail under the same key
        key=hmac.new(secret, b"samen sign-in throttle", hashlib.sha256).digest(),
    )
    login_manager.init_app(app)
    app.register_blueprint(bp)
