"""Invitations: random tokens whose SHA-256 is all the database keeps.

A token is 192 random bits from :mod:`secrets`, shown once (a CSV of links for a mail-merge,
or one e-mail per address) and stored only as its hash. Tokens never go to a log.

Using a token happens in two steps that never share a transaction. :func:`start_invitation`
(the respondent pressed Start) deletes the row -- the deletion is the "used flag" -- in a
transaction of its own and hands back a fresh random *right to submit*, made after that
commit and kept only in the respondent's encrypted session; the response is stored later with
that right (:func:`surveys.responses.submit_with_right`). A copy of the transaction log then
holds "an invitation of unit U was started" and, apart, "a response of unit U was stored",
never one commit with both. An unknown token, a used one and one of a closed wave look exactly
the same to :func:`start_invitation`.

How a unit's invitations were issued is kept as counts (:class:`surveys.models.InvitationCount`):
``mailed`` by Samen (``samen invite --emails``: nobody holds the links) or ``handed_out`` in a
link file for a mail-merge (whoever holds the file can try the links).
"""

from __future__ import annotations

import csv
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from surveys._common import hash_token, survey_row, unit_row, upsert, wave_row
from surveys.db import Database
from surveys.errors import InputError, InvitationUnavailable, NotFound, SamenError, WaveClosed
from surveys.models import Invitation, InvitationCount, Response, SurveyRow, Unit, Wave
from surveys.survey_store import get_survey

__all__ = [
    "DEFAULT_BASE_URL",
    "ISSUE_MODES",
    "LINK_FILE_WARNING",
    "MAX_BATCH",
    "InvitationInfo",
    "IssueCounts",
    "StartedInvitation",
    "count_unused_invitations",
    "invitation_link",
    "issue_counts",
    "issue_invitations",
    "lookup_invitation",
    "lookup_open_link",
    "open_link_token",
    "start_invitation",
    "withdraw_invitations",
    "write_links_csv",
]

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
MAX_BATCH = 100_000
TOKEN_BYTES = 24  # 192 bits
MAX_TOKEN_LENGTH = 128
RIGHT_BYTES = 24  # 192 bits: the right to submit, made fresh at Start
#: How invitations reach people: mailed by Samen, or handed out as a link file (mail-merge).
ISSUE_MODES = ("mail", "links")
#: One line the CLI prints when it writes a link file.
LINK_FILE_WARNING = (
    "Warning: whoever holds this link file can see who has answered (by trying links) and "
    "could answer unused links to pad a unit; `samen invite --emails` avoids this."
)


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


@dataclass(frozen=True)
class StartedInvitation:
    """A started invitation: where its respondent answers, and their right to submit.

    ``right`` is 192 random bits made after the start's commit; the database never sees it
    until the response is stored (:func:`surveys.responses.submit_with_right`).
    """

    survey: str
    wave: str
    unit_code: str
    language: str | None
    right: str


@dataclass(frozen=True)
class IssueCounts:
    """How a wave's invitations were issued (counts of invitations, whole wave or one unit)."""

    mailed: int
    handed_out: int
    started: int

    @property
    def issued(self) -> int:
        return self.mailed + self.handed_out


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
    mode: str = "links",
) -> list[str]:
    """Create ``count`` invitations for unit ``unit_code`` in the open wave (or ``wave``).

    Returns the raw tokens; only their hashes are stored. ``language`` (one of the survey's)
    preselects the respondent's language. ``mode`` says how the links reach people and is
    counted per unit: ``"mail"`` (Samen mails them, nobody keeps them) or ``"links"`` (a link
    file for a mail-merge).
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BATCH:
        raise InputError(f"count must be a whole number from 1 to {MAX_BATCH}, got {count!r}")
    if mode not in ISSUE_MODES:
        raise InputError(f"mode must be one of {', '.join(ISSUE_MODES)}, got {mode!r}")
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
        _count(session, db, row.id, unit.id, **{_COLUMN[mode]: count})
    return tokens


_COLUMN = {"mail": "mailed", "links": "handed_out"}


def _count(session: Session, db: Database, wave_id: int, unit_id: int, **add: int) -> None:
    """Add to a unit's invitation counts (``mailed``, ``handed_out``, ``started``)."""
    values = {"mailed": 0, "handed_out": 0, "started": 0, **add}
    statement = upsert(db.dialect, InvitationCount).values(
        wave_id=wave_id, unit_id=unit_id, **values
    )
    table = InvitationCount.__table__.c
    statement = statement.on_conflict_do_update(
        index_elements=["wave_id", "unit_id"],
        set_={name: table[name] + value for name, value in add.items()},
    )
    session.execute(statement)


def withdraw_invitations(db: Database, tokens: list[str], mode: str = "links") -> int:
    """Delete the unused invitations of ``tokens`` (e.g. mails that were never sent), so they
    neither count as invited nor work; return how many were deleted.

    ``mode`` is how they were issued (see :func:`issue_invitations`); their count goes down.
    """
    if mode not in ISSUE_MODES:
        raise InputError(f"mode must be one of {', '.join(ISSUE_MODES)}, got {mode!r}")
    if not tokens:
        return 0
    with db.session(write=True) as session:
        rows = session.execute(
            delete(Invitation)
            .where(Invitation.token_hash.in_([hash_token(t) for t in tokens]))
            .returning(Invitation.wave_id, Invitation.unit_id)
        ).all()
        removed: dict[tuple[int, int], int] = {}
        for wave_id, unit_id in rows:
            removed[(wave_id, unit_id)] = removed.get((wave_id, unit_id), 0) + 1
        for (wave_id, unit_id), n in removed.items():
            _count(session, db, wave_id, unit_id, **{_COLUMN[mode]: -n})
        return len(rows)


def start_invitation(db: Database, token: str) -> StartedInvitation:
    """Use invitation ``token``: delete it, in a transaction of its own, for a right to submit.

    The right is made after the commit and never stored; only :func:`issue_counts`' ``started``
    count of the unit goes up with the deletion. On SQLite the log is then truncated, so a
    copy of the files holds at most this commit.

    Raises
    ------
    InvitationUnavailable
        When the token is unknown, used, or of a wave that is closed (the same answer for
        all three, so trying a link tells nothing about its use).
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvitationUnavailable()
    digest = hash_token(token)
    with db.session(write=True) as session:
        # The invitation with its wave (locked against a concurrent close), survey and unit,
        # in one statement.
        found = session.execute(
            select(
                Wave.id,
                Wave.state,
                Wave.label,
                SurveyRow.slug,
                Unit.code,
                Invitation.unit_id,
                Invitation.language,
            )
            .join(Invitation, Invitation.wave_id == Wave.id)
            .join(SurveyRow, SurveyRow.id == Wave.survey_id)
            .join(Unit, Unit.id == Invitation.unit_id)
            .where(Invitation.token_hash == digest)
            .with_for_update(read=True, of=Wave)
        ).first()
        if found is None or found.state != "open":
            raise InvitationUnavailable()
        deleted = session.execute(
            delete(Invitation)
            .where(Invitation.token_hash == digest)
            .returning(Invitation.token_hash)
        ).first()
        if deleted is None:  # a parallel Start used it first
            raise InvitationUnavailable()
        _count(session, db, found.id, found.unit_id, started=1)
        survey_slug, unit_code, language = found.slug, found.code, found.language
        label = found.label
    db.truncate_log()
    return StartedInvitation(
        survey=str(survey_slug),
        wave=label,
        unit_code=str(unit_code),
        language=language,
        right=secrets.token_urlsafe(RIGHT_BYTES),
    )


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


#: The survey of an open link and its open wave's label (NULL: none open), in one read.
_OPEN_LINK = (
    "SELECT s.slug, s.open_token, w.label FROM surveys s"
    " LEFT JOIN waves w ON w.survey_id = s.id AND w.state = 'open'"
    " WHERE s.open_token = :token"
)


def lookup_open_link(db: Database, token: str) -> InvitationInfo | None:
    """What survey open link ``token`` opens, or None; invitation tokens are not looked at.

    One small read without an ORM session (every Start asks this first).
    Raises :class:`WaveClosed` when the survey has no open wave.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    found = db.read_first(_OPEN_LINK, {"token": token})
    if found is None or not secrets.compare_digest(str(found[1]), token):
        return None
    if found[2] is None:
        raise WaveClosed()
    return InvitationInfo(str(found[0]), str(found[2]), None, None, open_link=True)


def open_link_token(db: Database, slug: str) -> str | None:
    """The token of survey ``slug``'s open link (None when the survey has none)."""
    with db.session() as session:
        return survey_row(session, slug).open_token


def count_unused_invitations(
    db: Database, slug: str, wave: str, unit_code: str | None = None
) -> int:
    """Invitations of a wave not answered (yet); with responses, the number invited.

    Not started, plus started without a response so far (started minus responses, never
    below 0: responses stored before Start existed were never counted as started).
    """
    with db.session() as session:
        survey = survey_row(session, slug)
        row = wave_row(session, survey, wave)
        unused = select(func.count()).select_from(Invitation).where(Invitation.wave_id == row.id)
        started = select(func.coalesce(func.sum(InvitationCount.started), 0)).where(
            InvitationCount.wave_id == row.id
        )
        answered = select(func.count()).select_from(Response).where(Response.wave_id == row.id)
        if unit_code is not None:
            try:
                unit = unit_row(session, unit_code)
            except NotFound:
                return 0
            unused = unused.where(Invitation.unit_id == unit.id)
            started = started.where(InvitationCount.unit_id == unit.id)
            answered = answered.where(Response.unit_id == unit.id)
        waiting = int(session.scalar(started) or 0) - int(session.scalar(answered) or 0)
        return int(session.scalar(unused) or 0) + max(waiting, 0)


def issue_counts(
    db: Database, slug: str, wave: str | None = None, unit_code: str | None = None
) -> IssueCounts | None:
    """How a wave's invitations were issued: mailed, handed out as links, started.

    ``wave`` defaults to the open wave, else the most recently opened one; None when the
    survey has no wave yet.
    """
    with db.session() as session:
        survey = survey_row(session, slug)
        if wave is not None:
            row: Wave | None = wave_row(session, survey, wave)
        else:
            row = session.scalar(
                select(Wave)
                .where(Wave.survey_id == survey.id)
                .order_by((Wave.state == "open").desc(), Wave.opened_on.desc(), Wave.id.desc())
                .limit(1)
            )
        if row is None:
            return None
        table = InvitationCount.__table__.c
        query = select(
            func.coalesce(func.sum(table.mailed), 0),
            func.coalesce(func.sum(table.handed_out), 0),
            func.coalesce(func.sum(table.started), 0),
        ).where(table.wave_id == row.id)
        if unit_code is not None:
            query = query.where(table.unit_id == unit_row(session, unit_code).id)
        mailed, handed_out, started = session.execute(query).one()
    return IssueCounts(int(mailed), int(handed_out), int(started))
