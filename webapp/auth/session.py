"""Who is signed in: Flask-Login's user, the bearer-token caller, and session expiry."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, g, jsonify, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, logout_user
from werkzeug.wrappers import Response

from surveys.db import Database
from surveys.users import UserInfo, user_for_session, user_for_token

__all__ = [
    "DEFAULT_IDLE_MINUTES",
    "DEFAULT_SESSION_HOURS",
    "StaffUser",
    "bearer_token",
    "current_staff",
    "database",
    "expire_session",
    "login_manager",
    "start_session",
]

DEFAULT_SESSION_HOURS = 8
DEFAULT_IDLE_MINUTES = 30
_SIGNED_IN = "staff_signed_in"
_SEEN = "staff_seen"

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"


class StaffUser(UserMixin):
    """Flask-Login's view of an account; its id is the account's session key."""

    def __init__(self, info: UserInfo) -> None:
        self.info = info

    def get_id(self) -> str:
        return self.info.session_key


def database() -> Database:
    return current_app.extensions["samen_db"]


@login_manager.user_loader
def _load_user(session_key: str) -> StaffUser | None:
    info = user_for_session(database(), session_key)
    return StaffUser(info) if info is not None else None


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header ('' for another scheme), or None."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def current_staff() -> UserInfo | None:
    """The account making this request, or None (not signed in, bad or expired token)."""
    token = bearer_token()
    if token is not None:
        if "samen_bearer_user" not in g:
            g.samen_bearer_user = user_for_token(database(), token) if token else None
        return g.samen_bearer_user
    user: Any = current_user
    return user.info if user.is_authenticated else None


def start_session() -> None:
    """Note the sign-in time for the absolute and idle limits (after ``login_user``)."""
    now = int(time.time())
    session.permanent = True
    session[_SIGNED_IN] = now
    session[_SEEN] = now


@login_manager.unauthorized_handler
def _unauthorized() -> Response:
    if request.blueprint == "api" or request.path.startswith("/api/"):
        response = jsonify(error="unauthorized", message="sign in or send a bearer token")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="samen"'
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def expire_session() -> None:
    """End a cookie session past its absolute or idle limit (a ``before_app_request``)."""
    if request.headers.get("Authorization") is not None or "_user_id" not in session:
        return
    now = int(time.time())
    config = current_app.config
    signed_in = session.get(_SIGNED_IN, 0)
    seen = session.get(_SEEN, 0)
    if (
        now - signed_in > config["SAMEN_STAFF_SESSION_HOURS"] * 3600
        or now - seen > config["SAMEN_STAFF_IDLE_MINUTES"] * 60
    ):
        logout_user()
        session.pop(_SIGNED_IN, None)
        session.pop(_SEEN, None)
        return
    if now - seen >= 60:  # refresh at most once a minute: fewer new cookies
        session[_SEEN] = now
