"""Changing a stored survey, and its settings as a YAML file again.

:func:`update_survey` replaces a survey's stored definition with a new survey file (same
``id``), checked exactly as :func:`surveys.survey_store.create_survey` checks a new one.
What the privacy profile promised respondents (:data:`LOCKED`: what is asked, in which
languages, k, the comment threshold, retention, the open link) cannot change once a wave has
responses or is open (:func:`locked_reason`); texts such as the title may.

:func:`survey_yaml` writes a stored survey's settings as the YAML file that would create it,
for those who keep surveys as files (``samen survey create`` takes it back).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys._common import survey_row
from surveys.db import Database
from surveys.errors import InputError, NotFound
from surveys.models import Response, SurveyRow, Wave
from surveys.survey_store import DEFAULTS, FORMAT_VERSION, _build, _dump, _read

__all__ = [
    "LOCKED",
    "Lock",
    "locked_reason",
    "stored_settings",
    "survey_yaml",
    "update_survey",
]

#: Settings the privacy profile promises respondents; fixed once a wave has responses or is
#: open. ``instruments`` covers the instrument texts stored with the survey too;
#: ``filter_question`` because filter cells of two questions, both shown for one wave,
#: combine into groups below k (webapp.results.release.filter_question).
LOCKED = (
    "languages",
    "instruments",
    "modules",
    "min_group_size",
    "comment_threshold",
    "retention_days",
    "release",
    "open_link",
    "open_link_limit",
    "open_link_k",
    "filter_question",
)


@dataclass(frozen=True)
class Lock:
    """Why the locked settings cannot change: wave ``wave`` is ``open`` or has ``responses``
    (``kind``). ``str()`` is the CLI's sentence."""

    wave: str
    kind: str

    def __str__(self) -> str:
        if self.kind == "open":
            return f"wave {self.wave!r} is open: respondents may have answers in progress"
        return f"wave {self.wave!r} has responses: its respondents were promised these settings"


def stored_settings(db: Database, slug: str) -> dict[str, Any]:
    """The settings survey ``slug`` was created (or last updated) with, as in its file."""
    with db.session() as session:
        stored = session.scalar(select(SurveyRow.definition).where(SurveyRow.slug == slug))
    if stored is None:
        raise NotFound(f"no survey {slug!r}")
    document = json.loads(stored)
    return dict(document["settings"])


def survey_yaml(db: Database, slug: str) -> str:
    """Survey ``slug``'s settings as a survey file (UTF-8 YAML, keys in the usual order)."""
    settings = stored_settings(db, slug)
    order = [
        "id",
        "title",
        "organisation",
        "description",
        "languages",
        "instruments",
        "modules",
        *LOCKED[3:],
        "privacy_contact",
    ]
    ordered = {key: settings[key] for key in order if key in settings}
    ordered.update({k: v for k, v in settings.items() if k not in ordered})
    header = (
        f"# Survey {slug}: create it with `samen survey create FILE` (format {FORMAT_VERSION})\n"
    )
    return header + yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=88)


def locked_reason(db: Database, slug: str) -> Lock | None:
    """Why the :data:`LOCKED` settings of ``slug`` cannot change, or None when they can.

    Locked once any wave has (or had: closed, purged) responses, and while a wave is open
    (respondents may have answers in progress, kept in their browser in question order).
    """
    with db.session() as session:
        return _locked_reason(session, survey_row(session, slug))


def _locked_reason(session: Session, survey: SurveyRow) -> Lock | None:
    waves = session.execute(
        select(Wave.id, Wave.label, Wave.state, Wave.purged_on).where(Wave.survey_id == survey.id)
    ).all()
    for wave in sorted(waves, key=lambda w: w.state != "open"):
        if wave.state == "open":
            return Lock(wave.label, "open")
        responses = session.scalar(
            select(func.count()).select_from(Response).where(Response.wave_id == wave.id)
        )
        if responses or wave.purged_on is not None:
            return Lock(wave.label, "responses")
    return None


def _comparable(settings: dict[str, Any], key: str) -> Any:
    value = settings.get(key, DEFAULTS.get(key))  # an omitted setting equals its default
    if key == "open_link_k" and value is None:
        k = settings.get("min_group_size", 5)
        value = max(2 * k, 10) if isinstance(k, int) else None
    if key == "modules" and isinstance(value, dict):
        value = {m: v for m, v in value.items() if v}
    return value


def update_survey(
    db: Database, path: str | os.PathLike[str], new_consent: str | None = None
) -> tuple[str, list[str]]:
    """Replace the stored definition of the survey that the file at ``path`` names.

    Returns the slug and the settings that changed. All or nothing.

    Raises
    ------
    InputError
        When the file is invalid (the messages of ``create_survey``), or when it changes a
        :data:`LOCKED` setting of a survey whose waves have responses or is open
        (``FILE: KEY: locked: ...``, one problem per setting).
    NotFound
        When no survey has the file's ``id``.
    surveys.consent.ConsentLocked
        When the works council consented to the survey's privacy profile and the file
        changes it without ``new_consent`` ("BODY, YYYY-MM-DD"); with it, the change is
        recorded (what and the day) with the new consent (issue 13).
    """
    from surveys.consent import guard_change, record_change

    name = os.fspath(path)
    data, sources, problems = _read(path)
    definition = _build(data, sources, problems)
    stored = _dump(data, sources)
    profile_changed = guard_change(db, definition.slug, definition, new_consent=new_consent)
    with db.session(write=True) as session:
        row = survey_row(session, definition.slug)
        before = json.loads(row.definition)
        old, new = before["settings"], json.loads(stored)["settings"]
        changed = sorted(
            key
            for key in set(old) | set(new)
            if key != "id" and _comparable(old, key) != _comparable(new, key)
        )
        # the instrument texts (their order is the settings' order, compared above)
        stored_sources = {(i["role"], i["ref"]): i["source"] for i in before["instruments"]}
        if stored_sources != {(role, ref): text for role, ref, text in sources}:
            changed = sorted({*changed, "instruments"})
        locked = [key for key in changed if key in LOCKED]
        if locked:
            reason = _locked_reason(session, row)
            if reason is not None:
                problems = [f"{name}: {key}: locked: {reason}" for key in locked]
                summary = (
                    problems[0]
                    if len(problems) == 1
                    else f"{name}: {len(problems)} " + ("locked settings changed")
                )
                raise InputError(summary, problems)
        row.definition = stored
        if definition.open_link and row.open_token is None:
            import secrets

            row.open_token = secrets.token_urlsafe(24)
        elif not definition.open_link:
            row.open_token = None
    record_change(db, definition.slug, profile_changed, new_consent=new_consent)
    return definition.slug, changed
