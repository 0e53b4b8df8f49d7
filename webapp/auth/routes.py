"""``/auth/login`` (GET form, POST sign-in, redirect) and ``/auth/logout`` (POST)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from surveys.users import authenticate
from webapp.auth import bp
from webapp.auth.forms import LoginForm, LogoutForm
from webapp.auth.session import StaffUser, current_staff, database, expire_session, start_session

__all__: list[str] = []

bp.before_app_request(expire_session)


def _safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (no scheme, host or protocol-relative URL)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def _home() -> str:
    for endpoint in ("dashboard.index", "public.index"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return "/"


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Sign in with e-mail address and password (POST/redirect/GET)."""
    form = LoginForm()
    if form.validate_on_submit():
        info = authenticate(database(), form.email.data or "", form.password.data or "")
        if info is not None:
            session.clear()  # a fresh session: no fixation, no respondent state
            login_user(StaffUser(info))
            start_session()
            return redirect(_safe_next(request.args.get("next")) or _home())
        flash(_("The e-mail address or password is not right."), "error")
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out (POST with CSRF) and go to the sign-in page."""
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.app_context_processor
def _staff_context() -> dict[str, object]:
    return {"current_staff": current_staff, "logout_form": LogoutForm}
