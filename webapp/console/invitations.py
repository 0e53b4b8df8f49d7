"""``/console/invitations``: links per unit for a mail-merge, invitations by e-mail, and the
open link's QR code for posters.

The same services as ``samen invite``: :func:`surveys.invitations.issue_invitations` makes
the links (only their hashes are stored) and :func:`surveys.mail.send_invitations` mails them
through the configured SMTP server (``SAMEN_SMTP_*`` in the environment or the app config).
Links are shown once, on the page that answers the POST (never stored, never cached); the
CSV for a mail-merge is a download made from that same page. E-mail addresses are read from
the form, written to a private temporary file for the mail service and deleted at once.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField, SubmitField, TextAreaField

from surveys.definition import SurveyDefinition
from surveys.errors import InputError, NotFound, SamenError
from webapp.auth.session import database
from webapp.console import bp
from webapp.console.access import admin

__all__ = ["LinksForm", "MailForm", "base_url", "links_csv", "smtp_settings"]

#: Most links one form makes (the service allows more, for the CLI).
MAX_LINKS = 10_000
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


class LinksForm(FlaskForm):
    """Make invitation links for one unit (``samen invite SURVEY --unit U --count N``)."""

    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    count = StringField(
        _l("Number of links"), default="1", render_kw={"inputmode": "numeric", "size": 6}
    )
    language = SelectField(_l("Language of the survey"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Make the links"))


class MailForm(FlaskForm):
    """Mail one invitation per address (``samen invite SURVEY --unit U --emails FILE``)."""

    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    language = SelectField(_l("Language of the survey"), choices=[], validate_choice=False)
    addresses = TextAreaField(_l("E-mail addresses, one per line"))
    file = FileField(_l("Or a file of addresses (one per line, or a CSV with an email column)"))
    submit = SubmitField(_l("Send the invitations"))


def base_url() -> str:
    """Where respondents reach this app: ``SAMEN_BASE_URL`` (config, then environment), else
    the address this request came to."""
    configured = current_app.config.get("SAMEN_BASE_URL") or os.environ.get("SAMEN_BASE_URL")
    return str(configured or request.url_root).rstrip("/")


def smtp_settings() -> Any:
    """The SMTP settings (``SAMEN_SMTP_*`` from the app config over the environment), or None
    when no server is configured."""
    from surveys.mail import SmtpSettings

    values = {**os.environ}
    values.update(
        {k: str(v) for k, v in current_app.config.items() if k.startswith("SAMEN_SMTP_") and v}
    )
    try:
        return SmtpSettings.from_env(values)
    except SamenError:
        return None


def links_csv(tokens: list[str], base: str, unit_code: str) -> str:
    """The mail-merge CSV ``samen invite --out`` writes: columns ``link`` and ``unit``."""
    from surveys.invitations import invitation_link

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["link", "unit"])
    for token in tokens:
        writer.writerow([invitation_link(base, token), unit_code])
    return buffer.getvalue()


def _survey(slug: str) -> SurveyDefinition:
    from surveys.definitions import get_survey

    try:
        return get_survey(database(), slug)
    except NotFound:
        abort(404)


def _choices(form: LinksForm | MailForm, definition: SurveyDefinition) -> None:
    from surveys.org import list_units

    form.unit.choices = [(u.code, f"{u.name} ({u.code})") for u in list_units(database())]
    form.language.choices = [("", _("Let the respondent choose"))] + [
        (lang, LANGUAGE_NAMES.get(lang, lang)) for lang in definition.languages
    ]


def _page(
    definition: SurveyDefinition,
    links: LinksForm | None = None,
    mail: MailForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    from surveys.invitations import invitation_link, open_link_token
    from surveys.mail import invitation_message
    from surveys.waves import current_wave

    db = database()
    links = links or LinksForm(formdata=None, prefix="links")
    mail = mail or MailForm(formdata=None, prefix="mail")
    _choices(links, definition)
    _choices(mail, definition)
    sample = invitation_link(base_url(), "…")
    previews = [
        (lang, *invitation_message(definition, sample, lang)) for lang in definition.languages
    ]
    token = open_link_token(db, definition.slug)
    page = render_template(
        "console/invitations_survey.html",
        s=definition,
        wave=current_wave(db, definition.slug),
        links_form=links,
        mail_form=mail,
        smtp=smtp_settings(),
        previews=previews,
        open_link=f"{base_url()}/o/{token}" if token else None,
        max_links=MAX_LINKS,
    )
    return page, status


@bp.get("/invitations")
def invitations() -> str | Response:
    """The surveys to invite people to."""
    from surveys.definitions import list_surveys
    from surveys.waves import current_wave

    admin()
    db = database()
    surveys = [(s, current_wave(db, s.slug)) for s in list_surveys(db)]
    return render_template("console/invitations.html", surveys=surveys)


@bp.get("/invitations/<survey>")
def invitations_survey(survey: str) -> tuple[str, int]:
    """One survey's forms: links for a mail-merge, mail, and the open link's QR code."""
    admin()
    return _page(_survey(survey))


def _field_for(message: str) -> str | None:
    """Which form field a service message is about (None: the form as a whole)."""
    for name in ("count", "language", "unit"):
        if message.startswith(name) or f" {name} " in message:
            return name
    return None


def _error(form: LinksForm | MailForm, exc: SamenError) -> None:
    """Put the service's message next to the field it is about (or above the form)."""
    field = _field_for(str(exc))
    if field is not None:
        getattr(form, field).errors = [str(exc)]
    else:
        form.form_errors.append(str(exc))


def _wave_or_error(definition: SurveyDefinition, form: LinksForm | MailForm) -> Any:
    from surveys.waves import current_wave

    wave = current_wave(database(), definition.slug)
    if wave is None:
        form.form_errors.append(
            _(
                "Survey %(slug)s has no open round; open one under Rounds first.",
                slug=definition.slug,
            )
        )
    return wave


def _count(form: LinksForm) -> int | None:
    raw = (form.count.data or "").strip()
    if raw.isdigit() and 1 <= int(raw) <= MAX_LINKS:
        return int(raw)
    form.count.errors = [
        _("The number of links must be a whole number from 1 to %(max)s.", max=MAX_LINKS)
    ]
    return None


@bp.post("/invitations/<survey>/links")
def invitations_links(survey: str) -> tuple[str, int, dict[str, str]] | tuple[str, int]:
    """Make the links and show them once (with the CSV to download); only hashes are kept."""
    from surveys.invitations import invitation_link, issue_invitations

    admin()
    definition = _survey(survey)
    form = LinksForm(prefix="links")
    _choices(form, definition)
    if not form.validate_on_submit():
        return _page(definition, links=form, status=400)
    count = _count(form)
    wave = _wave_or_error(definition, form)
    if count is None or wave is None:
        return _page(definition, links=form, status=400)
    unit = form.unit.data or ""
    try:
        tokens = issue_invitations(
            database(), survey, unit, count, form.language.data or None, mode="links"
        )
    except SamenError as exc:
        _error(form, exc)
        return _page(definition, links=form, status=400)
    base = base_url()
    text = links_csv(tokens, base, unit)
    page = render_template(
        "console/invitations_links.html",
        s=definition,
        wave=wave,
        unit=dict(form.unit.choices or []).get(unit, unit),
        links=[invitation_link(base, t) for t in tokens],
        csv_href="data:text/csv;charset=utf-8," + quote(text),
        filename=f"links-{survey}-{wave.label}-{unit}.csv",
    )
    # Shown once: no cache may keep the page (or its links).
    return page, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _addresses(form: MailForm) -> bytes:
    upload: Any = form.file.data
    if upload is not None and upload.filename:
        return bytes(upload.read())
    return (form.addresses.data or "").encode("utf-8")


@bp.post("/invitations/<survey>/mail")
def invitations_mail(survey: str) -> tuple[str, int] | Response:
    """Mail one invitation per address through the configured SMTP server."""
    from surveys.mail import send_invitations

    admin()
    definition = _survey(survey)
    form = MailForm(prefix="mail")
    _choices(form, definition)
    if not form.validate_on_submit():
        return _page(definition, mail=form, status=400)
    smtp = smtp_settings()
    if smtp is None:
        form.form_errors.append(_("No mail server is set up (SAMEN_SMTP_HOST)."))
        return _page(definition, mail=form, status=400)
    if _wave_or_error(definition, form) is None:
        return _page(definition, mail=form, status=400)
    raw = _addresses(form)
    if not raw.strip():
        form.addresses.errors = [_("Give at least one e-mail address.")]
        return _page(definition, mail=form, status=400)
    unit = form.unit.data or ""
    with tempfile.TemporaryDirectory(prefix="samen-mail-") as folder:
        path = Path(folder) / "addresses.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        try:
            sent = send_invitations(
                database(), survey, unit, path, smtp, base_url(), form.language.data or None
            )
        except InputError as exc:
            # the file's problems name the temporary file: say "line N" only
            problems = [p.split(": ", 1)[1] if ": " in p else p for p in exc.problems]
            form.addresses.errors = problems or [str(exc).split(": ", 1)[-1]]
            return _page(definition, mail=form, status=400)
        except SamenError as exc:
            _error(form, exc)
            return _page(definition, mail=form, status=400)
    flash(
        _(
            "Sent %(sent)s invitations to unit %(unit)s; the addresses were not stored.",
            sent=sent,
            unit=unit,
        ),
        "info",
    )
    return redirect(url_for("console.invitations_survey", survey=survey))


@bp.get("/invitations/<survey>/qr.<kind>")
def invitations_qr(survey: str, kind: str) -> Response:
    """The open link as a QR code: SVG for the page and print, PNG for a poster."""
    import segno

    from surveys.invitations import open_link_token

    admin()
    definition = _survey(survey)
    token = open_link_token(database(), definition.slug)
    if token is None or kind not in ("svg", "png"):
        abort(404)
    code = segno.make(f"{base_url()}/o/{token}", error="m")
    buffer = io.BytesIO()
    if kind == "svg":
        code.save(buffer, kind="svg", scale=6, xmldecl=False, svgclass=None, lineclass=None)
        mimetype = "image/svg+xml"
    else:
        code.save(buffer, kind="png", scale=12)
        mimetype = "image/png"
    response = current_app.response_class(buffer.getvalue(), mimetype=mimetype)
    response.headers["Cache-Control"] = "no-store"
    if request.args.get("download"):
        name = f"open-link-{definition.slug}.{kind}"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
