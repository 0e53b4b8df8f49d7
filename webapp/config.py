"""Configuration of the web application: defaults, the environment, and a test config.

Secrets never live in code. ``SECRET_KEY`` comes from the environment (``SAMEN_SECRET_KEY``)
or from the file ``secret_key`` in the instance folder (``samen demo`` writes one); in debug or
testing a development key is used when neither is set, and otherwise the app refuses to start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

__all__ = [
    "DEV_SECRET_KEY",
    "LANGUAGES",
    "ConfigError",
    "TestConfig",
    "default_config",
    "environment_config",
    "resolve_secret_key",
]

#: Interface languages, the first is the default.
LANGUAGES = ("nl", "en")

#: The key used in debug and testing when no secret is configured; refused otherwise.
DEV_SECRET_KEY = "samen-development-key-not-for-production"

#: Name of the file in the instance folder that may hold the secret key.
SECRET_KEY_FILE = "secret_key"


class ConfigError(RuntimeError):
    """The configuration cannot be used (for example: no secret key outside debug)."""


def default_config() -> dict[str, Any]:
    """Settings that hold unless the environment or the caller overrides them."""
    return {
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": LANGUAGES[0],
        "BABEL_TRANSLATION_DIRECTORIES": "translations",
        # Staff sessions (with their own idle and absolute limits in webapp.auth).
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=3),
        # A respondent's draft lives in the encrypted session cookie this long after the last
        # save, so a closed browser resumes for the life of a round (waves have no planned
        # close date; rounds run two to six weeks). Sending after the round closed is refused.
        "SAMEN_DRAFT_LIFETIME": timedelta(days=60),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        # CSRF tokens are bound to the session, which expires on its own.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "SAMEN_DATABASE_URL": None,
        # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none). The
        # sign-in throttle counts failures per client address; behind a proxy without this,
        # every client has the proxy's address.
        "SAMEN_TRUSTED_PROXIES": 0,
        # Strict-Transport-Security on responses served over HTTPS (0: none). A year; raise it
        # (and add includeSubDomains at the proxy) once HTTPS is there to stay.
        "SAMEN_HSTS_SECONDS": 365 * 24 * 3600,
    }


def environment_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings read from ``SAMEN_*`` environment variables."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    if environ.get("SAMEN_SECRET_KEY"):
        config["SECRET_KEY"] = environ["SAMEN_SECRET_KEY"]
    if environ.get("SAMEN_DATABASE_URL"):
        config["SAMEN_DATABASE_URL"] = environ["SAMEN_DATABASE_URL"]
    if environ.get("SAMEN_SECURE_COOKIES"):
        config["SESSION_COOKIE_SECURE"] = environ["SAMEN_SECURE_COOKIES"].lower() in (
            "1",
            "true",
            "yes",
        )
    if environ.get("SAMEN_TRUSTED_PROXIES"):
        value = environ["SAMEN_TRUSTED_PROXIES"].strip()
        if not value.isdigit():
            raise ConfigError(f"SAMEN_TRUSTED_PROXIES must be a whole number, got {value!r}")
        config["SAMEN_TRUSTED_PROXIES"] = int(value)
    if environ.get("SAMEN_REDIS_URL"):  # sign-in counts shared in Redis (webapp.auth.stores)
        config["SAMEN_REDIS_URL"] = environ["SAMEN_REDIS_URL"].strip()
    if environ.get("SAMEN_LOGIN_STORE"):
        value = environ["SAMEN_LOGIN_STORE"].strip().lower()
        if value not in ("database", "redis", "memory"):
            raise ConfigError(
                f"SAMEN_LOGIN_STORE must be database, redis or memory, got {value!r}"
            )
        config["SAMEN_LOGIN_STORE"] = value
    if environ.get("SAMEN_LOGIN_CONCURRENT_CHECKS"):
        value = environ["SAMEN_LOGIN_CONCURRENT_CHECKS"].strip()
        if not value.isdigit() or int(value) < 1:
            raise ConfigError(
                f"SAMEN_LOGIN_CONCURRENT_CHECKS must be a whole number of at least 1 "
                f"(password checks at once per process), got {value!r}"
            )
        config["SAMEN_LOGIN_CONCURRENT_CHECKS"] = int(value)
    if environ.get("SAMEN_HSTS_SECONDS"):
        value = environ["SAMEN_HSTS_SECONDS"].strip()
        if not value.isdigit():
            raise ConfigError(f"SAMEN_HSTS_SECONDS must be a whole number, got {value!r}")
        config["SAMEN_HSTS_SECONDS"] = int(value)
    if environ.get("SAMEN_DRAFT_DAYS"):
        value = environ["SAMEN_DRAFT_DAYS"].strip()
        if not value.isdigit() or int(value) < 1:
            raise ConfigError(
                f"SAMEN_DRAFT_DAYS must be a whole number of at least 1 (days a draft is kept "
                f"in the respondent's browser after the last save), got {value!r}"
            )
        config["SAMEN_DRAFT_LIFETIME"] = timedelta(days=int(value))
    if environ.get("SAMEN_OPEN_LINK_MAX_PER_ADDRESS"):  # webapp.respond.openrate
        value = environ["SAMEN_OPEN_LINK_MAX_PER_ADDRESS"].strip()
        if not value.isdigit() or int(value) < 1:
            raise ConfigError(
                f"SAMEN_OPEN_LINK_MAX_PER_ADDRESS must be a whole number of at least 1 "
                f"(answers per client address per hour), got {value!r}"
            )
        config["SAMEN_OPEN_LINK_MAX_PER_ADDRESS"] = int(value)
    return config


def resolve_secret_key(config: Mapping[str, Any], instance_folder: str) -> str:
    """The secret key to use, or :class:`ConfigError` when there is none outside debug."""
    key = config.get("SECRET_KEY")
    if key:
        return str(key)
    path = Path(instance_folder) / SECRET_KEY_FILE
    if path.is_file():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    if config.get("DEBUG") or config.get("TESTING"):
        return DEV_SECRET_KEY
    raise ConfigError(
        "no secret key: set SAMEN_SECRET_KEY (a long random string) or run `samen demo`"
    )


class TestConfig:
    """Config for the test suite: testing mode, fixed key, no secure-cookie requirement."""

    TESTING = True
    SECRET_KEY = "samen-test-key"

    @classmethod
    def as_dict(cls) -> dict[str, Any]:
        return {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
