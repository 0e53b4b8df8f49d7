"""``/console/organisation``: the unit tree and its CSV import, in two steps.

1. ``organisation_check`` (POST, the file): the file is checked as ``samen org import``
   checks it (:func:`surveys.org.preview_units`, same messages, every problem with its line)
   and nothing is stored; without problems the page shows the tree as it will be and what
   will change, with a confirm button.
2. ``organisation_import`` (POST, confirm): the checked text comes back in the form, signed
   with the app's secret key so that what is stored is exactly what was shown, and
   :func:`surveys.org.import_units` stores it (all or nothing; it checks everything again).

The upload is never kept on the server between the steps: no file to clean up, and any app
process can take the confirm step.
"""

from __future__ import annotations

import hashlib
import hmac
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import DataRequired

from surveys.errors import InputError
from surveys.org import UnitInfo
from webapp.console import bp

__all__ = ["MAX_UPLOAD_BYTES", "ConfirmForm", "UnitNode", "UploadForm", "tree"]

#: Largest unit file the console takes (an organisation of some 10,000 units).
MAX_UPLOAD_BYTES = 900 * 1024


class UploadForm(FlaskForm):
    """Step 1: the unit file."""

    file = FileField(_l("Unit file (CSV)"), validators=[FileRequired(_l("Choose a file."))])


class ConfirmForm(FlaskForm):
    """Step 2: the checked text, its file name and their signature."""

    content = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[DataRequired()])
    digest = HiddenField(validators=[DataRequired()])


class UnitNode:
    """A unit with its children, for the tree on the page."""

    def __init__(self, unit: UnitInfo) -> None:
        self.unit = unit
        self.children: list[UnitNode] = []


def tree(units: Sequence[UnitInfo]) -> list[UnitNode]:
    """The units as a forest: roots (no parent, or a parent not in ``units``) by name."""
    nodes = {unit.code: UnitNode(unit) for unit in units}
    roots: list[UnitNode] = []
    for node in nodes.values():
        parent = nodes.get(node.unit.parent_code or "")
        (parent.children if parent is not None else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: (n.unit.name.lower(), n.unit.code))
    return sorted(roots, key=lambda n: (n.unit.name.lower(), n.unit.code))


def _db() -> Any:
    return current_app.extensions["samen_db"]


def _digest(filename: str, content: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = f"console-org\0{filename}\0{content}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _display(messages: Sequence[str], path: Path, filename: str) -> list[str]:
    """The import's messages with the temporary path replaced by the uploaded file's name."""
    return [message.replace(str(path), filename) for message in messages]


def _problems(exc: InputError, path: Path, filename: str) -> list[str]:
    return _display(exc.problems or [str(exc)], path, filename)


def _page(
    upload: UploadForm | None = None, problems: Sequence[str] = (), status: int = 200
) -> tuple[str, int]:
    from surveys.org import list_units

    units = list_units(_db())
    page = render_template(
        "console/organisation.html",
        form=upload or UploadForm(),
        problems=problems,
        roots=tree(units),
        count=len(units),
    )
    return page, status


@bp.get("/organisation")
def organisation() -> tuple[str, int]:
    """The stored tree and the upload form."""
    return _page()


@bp.url_value_preprocessor
def _larger_uploads(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """The organisation's steps take a unit file (and send it back); other pages keep the
    app's small request limit. A URL value preprocessor, because it runs before the app's
    CSRF check, which is the first to read the form."""
    from webapp.auth import current_staff

    if endpoint in ("console.organisation_check", "console.organisation_import"):
        user = current_staff()
        if user is not None and user.role == "admin":
            request.max_content_length = MAX_UPLOAD_BYTES * 2 + 64 * 1024
            request.max_form_memory_size = MAX_UPLOAD_BYTES * 2


@bp.post("/organisation/check")
def organisation_check() -> tuple[str, int]:
    """Check the uploaded file; store nothing. Problems: the page with each of them; none:
    the tree after the import and the confirm step."""
    from surveys.org import decode_csv, preview_units

    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    upload = form.file.data
    filename = secure_filename(upload.filename or "") or "units.csv"
    raw = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // 1024
        form.file.errors = [_("The file is larger than %(kb)s KB.", kb=limit)]
        return _page(form, status=422)
    with tempfile.TemporaryDirectory(prefix="samen-org-") as folder:
        path = Path(folder) / filename
        try:
            content = decode_csv(raw, str(path))
            path.write_text(content, encoding="utf-8")
            report, after = preview_units(_db(), path)
        except InputError as exc:
            return _page(form, _problems(exc, path, filename), status=422)
    confirm = ConfirmForm(
        formdata=None,
        content=content,
        filename=filename,
        digest=_digest(filename, content),
    )
    page = render_template(
        "console/organisation_check.html",
        form=confirm,
        report=report,
        filename=filename,
        roots=tree(after),
        count=len(after),
    )
    return page, 200


@bp.post("/organisation/import")
def organisation_import() -> Response | tuple[str, int]:
    """Store the checked file (all or nothing) and say what the import did."""
    from surveys.org import import_units

    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The import was not confirmed; upload the file again."), "error")
        return redirect(url_for("console.organisation"))
    filename = secure_filename(form.filename.data or "") or "units.csv"
    content = form.content.data or ""
    if not hmac.compare_digest(form.digest.data or "", _digest(filename, content)):
        flash(_("The checked file changed on its way back; upload the file again."), "error")
        return redirect(url_for("console.organisation"))
    with tempfile.TemporaryDirectory(prefix="samen-org-") as folder:
        path = Path(folder) / filename
        path.write_text(content, encoding="utf-8")
        try:
            report = import_units(_db(), path)
        except InputError as exc:  # the tree changed since the check
            return _page(problems=_problems(exc, path, filename), status=409)
    flash(
        _(
            "%(created)s units created, %(updated)s updated, %(unchanged)s unchanged.",
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        ),
        "success",
    )
    if report.not_in_file:
        shown = ", ".join(report.not_in_file[:10])
        more = len(report.not_in_file) - 10
        if more > 0:
            message = _("Kept units not in the file: %(units)s and %(more)s more.")
            flash(message % {"units": shown, "more": more}, "info")
        else:
            flash(_("Kept units not in the file: %(units)s.", units=shown), "info")
    if report.created or report.updated:
        flash(
            _("Closed waves keep the tree they closed with; this applies to later waves."),
            "info",
        )
    return redirect(url_for("console.organisation"))
