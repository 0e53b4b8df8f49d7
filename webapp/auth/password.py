"""``/auth/password``: any signed-in staff member changes their own password;
``/auth/reset/<token>``: set a password with a one-time link an admin made
(:mod:`webapp.console.people`).

Both set the password through :func:`surveys.users.set_password`, whose rules (length, and
whatever the account service adds) give the message shown next to the field, and which ends
every session of the account. Changing your own password signs you in again at once, so only
your other sessions end. A wrong current password counts as a failed sign-in
(:mod:`webapp.auth.throttle`). Reset tokens are kept out of the logs
(:func:`webapp.logs.redact`) and the page sends no referrer.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, SubmitField

from surveys.errors import SamenError
from webapp.auth import bp, login_throttle
from webapp.auth.navigation import home_url
from webapp.auth.session import StaffUser, bearer_token, current_staff, database, start_session

__all__ = ["ChangeForm", "ResetForm"]

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache", "Referrer-Policy": "no-referrer"}


class ResetForm(FlaskForm):
    """A new password, twice."""

    new = PasswordField(_l("New password"), render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("New password again"), render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Save the password"))


class ChangeForm(ResetForm):
    """The current password, then a new one twice."""

    current = PasswordField(_l("Current password"), render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Change the password"))


def _check_new(form: ResetForm) -> bool:
    if not form.new.data:
        form.new.errors = [_("Fill in a new password.")]
        return False
    if form.new.data != form.repeat.data:
        form.repeat.errors = [_("The two new passwords are not the same.")]
        return False
    return True


@bp.route("/password", methods=["GET", "POST"])
def password() -> Response | str | tuple[str, int]:
    """Change your own password (any signed-in staff member, with the sign-in cookie)."""
    from surveys.users import authenticate, get_user, set_password

    info = current_staff()
    if info is None:
        return redirect(url_for("auth.login", next=url_for("auth.password")))
    if bearer_token() is not None:
        abort(403)  # a script's token does not change a password
    form = ChangeForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/password.html", form=form), status
    throttle = login_throttle()
    if throttle.retry_after(info.email, request.remote_addr) is not None:
        minutes = current_app.config["SAMEN_LOGIN_WINDOW_MINUTES"]
        form.current.errors = [
            _("Too many attempts. Wait %(minutes)s minutes, then try again.", minutes=minutes)
        ]
        return render_template("auth/password.html", form=form), 429
    if authenticate(database(), info.email, form.current.data or "") is None:
        throttle.failed(info.email, request.remote_addr)
        form.current.errors = [_("This is not your current password.")]
        return render_template("auth/password.html", form=form), 400
    if not _check_new(form):
        return render_template("auth/password.html", form=form), 400
    try:
        set_password(database(), info.email, form.new.data or "")
    except SamenError as exc:
        form.new.errors = [str(exc)]
        return render_template("auth/password.html", form=form), 400
    login_user(StaffUser(get_user(database(), info.email)))  # the new session key
    start_session()
    flash(
        _("Your password is changed. Your other sessions (other browsers) are signed out."),
        "info",
    )
    return redirect(home_url(info.role))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Response | tuple[str, int, dict[str, str]]:
    """Set a password with a one-time link; then sign in with it."""
    from surveys.password_resets import reset_account, use_reset

    email = reset_account(database(), token)
    if email is None:
        page = render_template("auth/reset_unknown.html")
        return page, 404, NO_STORE
    form = ResetForm()
    if form.validate_on_submit() and _check_new(form):
        try:
            use_reset(database(), token, form.new.data or "")
        except SamenError as exc:
            form.new.errors = [str(exc)]
        else:
            flash(_("Your password is set. Sign in with it."), "info")
            return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form, email=email), status, NO_STORE
