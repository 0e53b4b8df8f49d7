"""Invitations: random tokens whose SHA-256 is all the database keeps.

A token is 192 random bits from :mod:`secrets`, shown once (a CSV of links for a mail-merge,
or one e-mail per address) and stored only as its hash. Using it deletes the row: the deletion
is the "used flag", so nothing is written next to the response in the same transaction, and an
unknown token and a used one look exactly the same (:func:`lookup_invitation` returns None for
both). Tokens never go to a log.
"""

from __future__ import annotations

import csv
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, insert, select

from surveys._common import hash_token, survey_row, unit_row, wave_row
from surveys.db import Database
from surveys.definitions import get_survey
from surveys.errors import InputError, NotFound, SamenError, WaveClosed
from surveys.models import Invitation, SurveyRow, Unit, Wave

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_BATCH",
    "InvitationInfo",
    "count_unused_invitations",
    "invitation_link",
    "issue_invitations",
    "lookup_invitation",
    "open_link_token",
    "withdraw_invitations",
    "write_links_csv",
]

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
MAX_BATCH = 100_000
TOKEN_BYTES = 24  # 192 bits
MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class InvitationInfo:
    """What a valid token opens: a survey's open wave, for a unit, in a language.

    For the survey's open link ``open_link`` is True and ``unit_code`` is None: the
    respondent picks their unit.
    """

    survey: str
    wave: str
    unit_code: str | None
    language: str | None
    open_link: bool = False


def invitation_link(base_url: str, token: str) -> str:
    """The respondent's URL for ``token``: ``<base_url>/s/<token>``."""
    return f"{base_url.rstrip('/')}/s/{token}"


def issue_invitations(
    db: Database,
    slug: str,
    unit_code: str,
    count: int,
    language: str | None = None,
    wave: str | None = None,
) -> list[str]:
    """Create ``count`` invitations for unit ``unit_code`` in the open wave (or ``wave``).

    Returns the raw tokens; only their hashes are stored. ``language`` (one of the survey's)
    preselects the respondent's language.
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BATCH:
        raise InputError(f"count must be a whole number from 1 to {MAX_BATCH}, got {count!r}")
    definition = get_survey(db, slug)
    if language is not None and language not in definition.languages:
        langs = ", ".join(definition.languages)
        raise InputError(f"language {language!r} is not one of the survey's ({langs})")
    tokens = [secrets.token_urlsafe(TOKEN_BYTES) for _ in range(count)]
    with db.session(write=True) as session:
        survey = survey_row(session, slug)
        if wave is None:
            row = session.scalar(
                select(Wave).where(Wave.survey_id == survey.id, Wave.state == "open")
            )
            if row is None:
                raise SamenError(
                    f"survey {slug!r} has no open wave; open one with `samen wave open`"
                )
        else:
            row = wave_row(session, survey, wave)
            if row.state != "open":
                raise WaveClosed(f"wave {wave!r} of {slug!r} is closed")
        unit = unit_row(session, unit_code)
        values = [
            {
                "token_hash": hash_token(t),
                "wave_id": row.id,
                "unit_id": unit.id,
                "language": language,
            }
            for t in tokens
        ]
        session.execute(insert(Invitation), values)
    return tokens


def withdraw_invitations(db: Database, tokens: list[str]) -> int:
    """Delete the unused invitations of ``tokens`` (e.g. mails that were never sent), so they
    neither count as invited nor work; return how many were deleted."""
    if not tokens:
        return 0
    with db.session(write=True) as session:
        result = session.execute(
            delete(Invitation).where(Invitation.token_hash.in_([hash_token(t) for t in tokens]))
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def write_links_csv(
    tokens: list[str], base_url: str, path: str | os.PathLike[str], unit_code: str | None = None
) -> Path:
    """Write one link per row (column ``link``, plus ``unit`` when given) for a mail-merge.

    The file holds live links: whoever has it can answer in those people's place. It is
    created readable by its owner only.
    """
    target = Path(path)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["link", "unit"] if unit_code else ["link"])
        for token in tokens:
            link = invitation_link(base_url, token)
            writer.writerow([link, unit_code] if unit_code else [link])
    return target


def lookup_invitation(db: Database, token: str) -> InvitationInfo | None:
    """What ``token`` opens, or None when it is unknown or already used (the same answer).

    Raises
    ------
    WaveClosed
        When the token belongs to a wave that is closed (or, for the open link, when the survey
        has no open wave).
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    with db.session() as session:
        found = session.execute(
            select(SurveyRow.slug, Wave.label, Wave.state, Unit.code, Invitation.language)
            .select_from(Invitation)
            .join(Wave, Wave.id == Invitation.wave_id)
            .join(SurveyRow, SurveyRow.id == Wave.survey_id)
            .join(Unit, Unit.id == Invitation.unit_id)
            .where(Invitation.token_hash == hash_token(token))
        ).first()
        if found is not None:
            slug, label, state, unit_code, language = found
            if state != "open":
                raise WaveClosed()
            return InvitationInfo(slug, label, unit_code, language)
        survey = session.scalar(select(SurveyRow).where(SurveyRow.open_token == token))
        if survey is None or not secrets.compare_digest(str(survey.open_token), token):
            return None
        open_label = session.scalar(
            select(Wave.label).where(Wave.survey_id == survey.id, Wave.state == "open")
        )
        if open_label is None:
            raise WaveClosed()
        return InvitationInfo(survey.slug, open_label, None, None, open_link=True)


def open_link_token(db: Database, slug: str) -> str | None:
    """The token of survey ``slug``'s open link (None when the survey has none)."""
    with db.session() as session:
        return survey_row(session, slug).open_token


def count_unused_invitations(
    db: Database, slug: str, wave: str, unit_code: str | None = None
) -> int:
    """Invitations of a wave not used (yet); with responses, the number invited."""
    with db.session() as session:
        survey = survey_row(session, slug)
        row = wave_row(session, survey, wave)
        query = select(func.count()).select_from(Invitation).where(Invitation.wave_id == row.id)
        if unit_code is not None:
            try:
                unit = unit_row(session, unit_code)
            except NotFound:
                return 0
            query = query.where(Invitation.unit_id == unit.id)
        return int(session.scalar(query) or 0)
