"""``/auth/login`` (GET form, POST sign-in, redirect to the role's start page),
``/auth/logout`` (POST) and ``/auth/home`` (a survey owner's start page).

Also the staff header of every page: :func:`_staff_context` hands base.html the signed-in
account (``staff_header``) on the pages of :data:`webapp.auth.STAFF_BLUEPRINTS` only.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from surveys.users import Busy, UserInfo, authenticate, end_sessions
from webapp.auth import STAFF_BLUEPRINTS, bp, login_throttle
from webapp.auth.forms import LoginForm, LogoutForm
from webapp.auth.navigation import home_url, staff_links
from webapp.auth.session import (
    StaffUser,
    bearer_token,
    current_staff,
    database,
    expire_session,
    start_session,
)
from webapp.i18n import SESSION_LANG

__all__: list[str] = []

bp.before_app_request(expire_session)

#: How the header names each role.
ROLE_LABELS = {
    "admin": _l("survey owner"),
    "manager": _l("manager"),
    "researcher": _l("researcher"),
    "council": _l("works council member"),
}


def _safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (no scheme, host or protocol-relative URL)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def _fresh_session() -> None:
    """Empty the session (no fixation, no respondent state), keeping the chosen language."""
    language = session.get(SESSION_LANG)
    session.clear()
    if language is not None:
        session[SESSION_LANG] = language


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int, dict[str, str]]:
    """Sign in with e-mail address and password (POST/redirect/GET).

    Every attempt is counted before its password is checked; too many for an e-mail address
    or from a client address answer 429 (:mod:`webapp.auth.throttle`) without checking the
    password, and a process already checking its limit of passwords answers 503.
    """
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        throttle = login_throttle()
        ticket = throttle.attempt(email, request.remote_addr)  # counted before the check
        if isinstance(ticket, int):
            return _refused(form, ticket)
        try:
            info = authenticate(database(), email, form.password.data or "")
        except Busy:
            flash(_("Many people are signing in right now. Try again in a moment."), "error")
            page = render_template("auth/login.html", form=form)
            return page, 503, {"Retry-After": "5"}
        if info is not None:
            throttle.succeeded(email, ticket)
            _fresh_session()
            login_user(StaffUser(info))
            start_session()
            return redirect(_safe_next(request.args.get("next")) or home_url(info.role))
        flash(_("The e-mail address or password is not right."), "error")
        return render_template("auth/login.html", form=form)
    return render_template("auth/login.html", form=form)


def _refused(form: LoginForm, wait: int) -> tuple[str, int, dict[str, str]]:
    """The 429 page: too many attempts for this e-mail or client address."""
    minutes = current_app.config["SAMEN_LOGIN_WINDOW_MINUTES"]
    flash(
        _(
            "Too many attempts to sign in. Wait %(minutes)s minutes, then try again.",
            minutes=minutes,
        ),
        "error",
    )
    page = render_template("auth/login.html", form=form)
    return page, 429, {"Retry-After": str(wait)}


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out (POST with CSRF) and go to the sign-in page.

    Every session of the account ends on the server (a copy of the cookie, saved before or
    on another device, names no account any more); API tokens are not sessions and stay.
    """
    form = LogoutForm()
    if form.validate_on_submit():
        info = current_staff() if bearer_token() is None else None
        if info is not None:
            end_sessions(database(), info.email)
        logout_user()
        _fresh_session()
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/home")
def home() -> Response | str:
    """A survey owner's start page: every staff page, each survey's privacy page and the
    audit command. Other roles are sent to their own start page."""
    from surveys.survey_store import list_surveys

    info = current_staff()
    if info is None:
        return redirect(url_for("auth.login", next=url_for("auth.home")))
    if info.role != "admin" or "console.index" in current_app.view_functions:
        return redirect(home_url(info.role))  # an admin's start page is the console
    surveys = list_surveys(database())
    return render_template("auth/home.html", surveys=surveys, links=staff_links(info.role))


def _staff_header() -> dict[str, object] | None:
    """Who is signed in with a cookie, on a staff page; None elsewhere."""
    if not has_request_context() or request.blueprint not in STAFF_BLUEPRINTS:
        return None
    if bearer_token() is not None:  # a script with a token has no page header to sign out of
        return None
    info: UserInfo | None = current_staff()
    if info is None:
        return None
    local, at, domain = info.email.rpartition("@")
    return {
        "email": info.email,
        # a phone may break the address before the "@" (<wbr>), not inside a word
        "email_local": local or domain,
        "email_domain": domain if at else "",
        "role": str(ROLE_LABELS.get(info.role, info.role)),
        "links": staff_links(info.role),
        "home": home_url(info.role),
    }


@bp.app_context_processor
def _staff_context() -> dict[str, object]:
    return {
        "current_staff": current_staff,
        "logout_form": LogoutForm,
        "staff_header": _staff_header(),
    }
