"""Who may use the console: signed-in accounts of the ``admin`` role, nobody else.

:func:`guard` runs before every view of the ``console`` blueprint: no one signed in is sent
to the sign-in page (with ``next``), any other role gets 403. Views that need the account
call :func:`admin` (or wear :func:`admin_required`, which says the same thing once more).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort

from surveys.users import UserInfo
from webapp.auth import current_staff, login_manager
from webapp.console import bp

__all__ = ["ROLE", "admin", "admin_required", "guard"]

#: The one role that may open the console.
ROLE = "admin"

F = TypeVar("F", bound=Callable[..., Any])


def admin() -> UserInfo:
    """The signed-in admin; aborts with the sign-in redirect or 403 otherwise."""
    user = current_staff()
    if user is None:
        abort(login_manager.unauthorized())
    if user.role != ROLE:
        abort(403)
    return user


def admin_required(view: F) -> F:
    """Decorator: run ``view`` only for a signed-in admin (see :func:`admin`)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        admin()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@bp.before_request
def guard() -> None:
    """Every console request: admins only (static files of the blueprint too)."""
    admin()
