"""Staff sign-in: the login form, logout, Flask-Login, and API tokens (``Bearer``).

:func:`current_staff` is how every staff view and the JSON API learn who is asking: with an
``Authorization`` header only the bearer token counts (a bad token is no caller, never a
fallback to the cookie); otherwise the signed-in session.

Sessions end :data:`DEFAULT_SESSION_HOURS` after sign-in, and after
:data:`DEFAULT_IDLE_MINUTES` without a request (``SAMEN_STAFF_SESSION_HOURS`` and
``SAMEN_STAFF_IDLE_MINUTES`` in the app config).
"""

from __future__ import annotations

from flask import Blueprint, Flask

from webapp.auth.session import (
    DEFAULT_IDLE_MINUTES,
    DEFAULT_SESSION_HOURS,
    StaffUser,
    current_staff,
    login_manager,
)

__all__ = [
    "DEFAULT_IDLE_MINUTES",
    "DEFAULT_SESSION_HOURS",
    "StaffUser",
    "bp",
    "current_staff",
    "init_app",
    "login_manager",
]

bp = Blueprint("auth", __name__, url_prefix="/auth", template_folder="templates")

from webapp.auth import routes  # noqa: E402, F401  (registers the views)


def init_app(app: Flask) -> None:
    """Bind Flask-Login to ``app`` and register the ``auth`` blueprint."""
    app.config.setdefault("SAMEN_STAFF_SESSION_HOURS", DEFAULT_SESSION_HOURS)
    app.config.setdefault("SAMEN_STAFF_IDLE_MINUTES", DEFAULT_IDLE_MINUTES)
    login_manager.init_app(app)
    app.register_blueprint(bp)
