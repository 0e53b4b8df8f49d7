"""``/console/people``: staff accounts -- list, add, remove; a one-time link to set a
password; a personal API token, issued (shown once) or revoked.

The same services as ``samen user``: :mod:`surveys.users` (its rules and messages, e.g. a
manager needs a unit) and :mod:`surveys.password_resets` for the links. The admin never
chooses anyone's password: a new account gets a random one nobody knows and a link to set
their own, which the admin passes on (or Samen mails, when SMTP is set up). Links and
tokens are shown once, on the page that answers the POST, which no cache may keep.
"""

from __future__ import annotations

import secrets
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField

from surveys.errors import NotFound, SamenError
from webapp.auth.session import database
from webapp.console import bp
from webapp.console.access import admin
from webapp.console.invitations import base_url, smtp_settings

__all__ = ["ROLE_NAMES", "AccountForm", "AddForm"]

#: How the console names each role (the CLI's role names in brackets on the page).
ROLE_NAMES = {
    "admin": _l("Survey owner (admin): everything"),
    "manager": _l("Manager: one unit and below"),
    "researcher": _l("Researcher: exports and reports"),
}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class AddForm(FlaskForm):
    """A new account (``samen user add EMAIL --role ROLE [--unit UNIT]``)."""

    email = StringField(
        _l("E-mail address"), render_kw={"autocomplete": "off", "inputmode": "email"}
    )
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    unit = SelectField(_l("Unit (managers only)"), choices=[], validate_choice=False)
    mail = BooleanField(_l("Mail the link to set a password to this address"))
    submit = SubmitField(_l("Add the account"))


class AccountForm(FlaskForm):
    """One account's action (the address in a hidden field, CSRF)."""

    email = HiddenField()
    mail = BooleanField(_l("Mail the link to the account"))


class ConfirmForm(FlaskForm):
    """Remove an account: asks to tick a box first."""

    email = HiddenField()
    sure = BooleanField(_l("Yes, remove this account"))
    submit = SubmitField(_l("Remove the account"))


def _choices(form: AddForm) -> None:
    from surveys.org import list_units

    form.role.choices = [(role, str(name)) for role, name in ROLE_NAMES.items()]
    form.unit.choices = [("", _("No unit (admins and researchers)"))] + [
        (u.code, f"{u.name} ({u.code})") for u in list_units(database())
    ]


def _list(form: AddForm | None = None, status: int = 200) -> tuple[str, int]:
    from surveys.users import list_users

    me = admin()
    if form is None:
        form = AddForm(formdata=None, prefix="add")
    _choices(form)
    page = render_template(
        "console/people.html",
        users=list_users(database()),
        me=me.email,
        form=form,
        account_form=AccountForm,
        smtp=smtp_settings(),
        role_names=ROLE_NAMES,
    )
    return page, status


@bp.get("/people")
def people() -> tuple[str, int]:
    """Every staff account, the form to add one, and each account's actions."""
    admin()
    return _list()


def _reset_url(token: str) -> str:
    return f"{base_url()}{url_for('auth.reset', token=token)}"


def _mail_link(to: str, link: str, hours_until: str) -> bool:
    """Mail ``link`` to ``to`` (both languages); False when no SMTP server is set up."""
    settings = smtp_settings()
    if settings is None:
        return False
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = "Samen: kies je wachtwoord / choose your password"
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(
        "Hallo,\n\nMet deze link kies je je wachtwoord voor Samen. De link werkt één keer, "
        f"tot {hours_until} (UTC):\n\n{link}\n\n-----\n\nHello,\n\nWith this link you choose "
        f"your password for Samen. The link works once, until {hours_until} (UTC):\n\n{link}\n"
    )
    client: smtplib.SMTP
    if settings.tls == "ssl":
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=30)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=30)
    with client:
        if settings.tls == "starttls":
            client.starttls()
        if settings.user:
            client.login(settings.user, settings.password or "")
        client.send_message(message)
    return True


def _link_page(email: str, added: bool, mail: bool) -> tuple[str, int, dict[str, str]]:
    """Issue a link for ``email`` and show it once (or mail it)."""
    from surveys.password_resets import issue_reset

    link = issue_reset(database(), email)
    url = _reset_url(link.token)
    until = format_datetime(link.expires_at, "d MMM yyyy, HH:mm") + " UTC"
    mailed = False
    problem = None
    if mail:
        try:
            mailed = _mail_link(link.email, url, link.expires_at.strftime("%Y-%m-%d %H:%M"))
        except (OSError, smtplib.SMTPException) as exc:
            problem = exc.__class__.__name__
    page = render_template(
        "console/people_link.html",
        email=link.email,
        added=added,
        url=None if mailed else url,
        until=until,
        mailed=mailed,
        problem=problem,
    )
    return page, 200, NO_STORE


@bp.post("/people/add")
def people_add() -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Add an account with a random password nobody knows, and show its one-time link."""
    from surveys.users import add_user

    admin()
    form = AddForm(prefix="add")
    _choices(form)
    if not form.validate_on_submit():
        return _list(form, 400)
    email = (form.email.data or "").strip()
    role = form.role.data or ""
    unit = form.unit.data or None
    try:
        info = add_user(database(), email, role, secrets.token_urlsafe(32), unit_code=unit)
    except SamenError as exc:
        message = str(exc)
        if "unit" in message:
            form.unit.errors = [message]
        elif "role" in message:
            form.role.errors = [message]
        else:
            form.email.errors = [message]
        return _list(form, 400)
    return _link_page(info.email, added=True, mail=bool(form.mail.data))


def _account() -> tuple[AccountForm, str] | None:
    form = AccountForm()
    if not form.validate_on_submit() or not form.email.data:
        return None
    return form, form.email.data


@bp.post("/people/reset")
def people_reset() -> Any:
    """A one-time link to set the account's password (the earlier link stops working)."""
    admin()
    found = _account()
    if found is None:
        return _list(status=400)
    form, email = found
    try:
        return _link_page(email, added=False, mail=bool(form.mail.data))
    except SamenError as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.people"))


@bp.post("/people/token")
def people_token() -> Any:
    """A new personal API token for the account, shown once (it replaces the earlier one)."""
    from surveys.users import issue_api_token

    admin()
    found = _account()
    if found is None:
        return _list(status=400)
    email = found[1]
    try:
        token = issue_api_token(database(), email)
    except NotFound as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.people"))
    page = render_template("console/people_token.html", email=email, token=token)
    return page, 200, NO_STORE


@bp.post("/people/revoke")
def people_revoke() -> Any:
    """Withdraw the account's API token."""
    from surveys.users import revoke_api_token

    admin()
    found = _account()
    if found is None:
        return _list(status=400)
    email = found[1]
    try:
        revoke_api_token(database(), email)
    except NotFound as exc:
        flash(str(exc), "error")
    else:
        flash(_("The API token of %(email)s no longer works.", email=email), "info")
    return redirect(url_for("console.people"))


@bp.route("/people/remove", methods=["GET", "POST"])
def people_remove() -> Any:
    """Ask, then remove an account (its sessions, token and links stop working at once)."""
    from surveys.users import get_user, remove_user

    me = admin()
    form = ConfirmForm()
    email = (form.email.data if request.method == "POST" else request.args.get("email")) or ""
    try:
        info = get_user(database(), email)
    except NotFound:
        flash(_("There is no account %(email)s.", email=email), "error")
        return redirect(url_for("console.people"))
    if info.email == me.email:
        flash(_("You cannot remove your own account; ask another admin."), "error")
        return redirect(url_for("console.people"))
    if request.method == "POST" and form.validate_on_submit():
        if form.sure.data:
            remove_user(database(), info.email)
            flash(_("Removed the account %(email)s.", email=info.email), "info")
            return redirect(url_for("console.people"))
        form.sure.errors = [_("Tick the box to remove the account.")]
    form.email.data = info.email
    status = 400 if request.method == "POST" else 200
    page = render_template(
        "console/people_remove.html", form=form, info=info, role_names=ROLE_NAMES
    )
    return page, status
