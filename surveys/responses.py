"""Responses: submit one with a right to submit, count them, load a wave as a matrix.

An invitation is used when its respondent presses Start
(:func:`surveys.invitations.start_invitation`, a transaction of its own), which hands back a
random right to submit kept only in the respondent's encrypted session. :func:`submit_with_right`
validates the answers, then in ONE transaction records the right as spent (its SHA-256 is the
key of ``spent_rights``: of ten parallel posts with one right exactly one stores), inserts the
response under a random key, stores an optional comment and the answers to the instruments'
open questions apart from it (each a comment row of its own, under its own random key, naming
its question and nothing else) and adds one to the unit's counter for the day. Nothing in
that transaction refers to the invitation -- no hash, no shared key, nothing derived from the
token -- or to a time, and nothing is logged. On SQLite the log is truncated after both
commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from surveys._common import hash_token, new_key, survey_row, today, unit_row, upsert, wave_row
from surveys.db import Database
from surveys.encoding import decode_kinds, decode_matrix, encode_response
from surveys.errors import AlreadyAnswered, InputError, InvitationUnavailable, NotFound, WaveClosed
from surveys.invitations import MAX_TOKEN_LENGTH, lookup_invitation, start_invitation
from surveys.models import Comment, DailyCount, Response, SpentRight, SurveyRow, Unit, Wave
from surveys.survey_definition import SurveyDefinition
from surveys.survey_store import get_survey

__all__ = [
    "MAX_COMMENT",
    "AnswerMatrix",
    "CommentRow",
    "clean_open_answers",
    "count_by_unit",
    "count_responses",
    "daily_counts",
    "load_answers",
    "load_comments",
    "load_missing_kinds",
    "lock_open_wave",
    "store_response",
    "submit_response",
    "submit_with_right",
]

MAX_COMMENT = 4000


@dataclass(frozen=True)
class AnswerMatrix:
    """A wave's responses, in random-key order (never submission order).

    ``values`` is float with NaN for missing, one row per response and one column per id in
    ``item_ids``; ``unit_codes`` and ``languages`` have one entry per response;
    ``demographics`` has one column per id in ``demographic_ids`` (zero columns without the
    module).
    """

    item_ids: tuple[str, ...]
    values: np.ndarray
    unit_codes: np.ndarray
    languages: np.ndarray
    demographics: np.ndarray
    demographic_ids: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return int(self.values.shape[0])


@dataclass(frozen=True)
class CommentRow:
    """One open comment with the unit and language it was written in (no demographics).

    ``question`` is the open question it answers, None for the survey's general comment.
    """

    unit_code: str
    language: str
    text: str
    question: str | None = None


def clean_comment(definition: SurveyDefinition, comment: str | None) -> str | None:
    """The comment to store (None when empty); InputError when comments are off or too long."""
    if comment is None or not str(comment).strip():
        return None
    if not definition.comments_enabled:
        raise InputError("this survey asks no open comments")
    text = str(comment).strip()
    if len(text) > MAX_COMMENT:
        raise InputError(f"the comment is longer than {MAX_COMMENT} characters")
    return text


def clean_open_answers(
    definition: SurveyDefinition, open_answers: Mapping[str, str | None] | None
) -> dict[str, str]:
    """The answers to open questions to store, by question id (empty ones left out).

    InputError for a question the survey does not ask or an answer over MAX_COMMENT.
    """
    asked = {q.id for q in definition.open_questions}
    out: dict[str, str] = {}
    for question, answer in (open_answers or {}).items():
        if question not in asked:
            raise InputError(f"open_answers: {str(question)[:64]!r} is not an open question")
        text = str(answer).strip() if answer is not None else ""
        if len(text) > MAX_COMMENT:
            raise InputError(f"the answer to {question!r} is longer than {MAX_COMMENT} characters")
        if text:
            out[question] = text
    return out


def submit_response(
    db: Database,
    token: str,
    answers: Mapping[str, int | str | None],
    language: str,
    demographics: Mapping[str, int | str | None] | None = None,
    comment: str | None = None,
    open_answers: Mapping[str, str | None] | None = None,
) -> None:
    """Start invitation ``token`` and store one response with its right: two transactions.

    For scripts and tests that play a respondent in one call. The two commits follow each
    other at once here, so the log's order pairs them; the web app separates them by the
    respondent's own time (Start, then answering). The answers are checked before the
    invitation is used.

    Raises
    ------
    InvitationUnavailable
        When the token is unknown or used (also when a parallel post used it first).
    WaveClosed
        When its wave is closed.
    InputError
        When answers, language or comment are invalid; the invitation stays usable.
    """
    info = lookup_invitation(db, token)
    if info is None or info.open_link:
        raise InvitationUnavailable()
    definition = get_survey(db, info.survey)
    encode_response(definition, answers, language, demographics)
    clean_comment(definition, comment)
    clean_open_answers(definition, open_answers)
    started = start_invitation(db, token)
    try:
        submit_with_right(
            db,
            started.right,
            started.survey,
            started.wave,
            started.unit_code,
            answers,
            language=language,
            demographics=demographics,
            comment=comment,
            open_answers=open_answers,
        )
    except AlreadyAnswered:  # a fresh right cannot have been spent
        raise InvitationUnavailable() from None


def submit_with_right(
    db: Database,
    right: str,
    slug: str,
    wave: str,
    unit_code: str,
    answers: Mapping[str, int | str | None],
    language: str,
    demographics: Mapping[str, int | str | None] | None = None,
    comment: str | None = None,
    open_answers: Mapping[str, str | None] | None = None,
) -> None:
    """Store one response of unit ``unit_code`` with the right to submit ``right``, once.

    ``right`` comes from :func:`surveys.invitations.start_invitation` by way of the
    respondent's encrypted session, which also vouches for survey, wave and unit. Spending it
    and storing the response are one transaction; nothing from the start is in it.

    Raises
    ------
    AlreadyAnswered
        When ``right`` was spent already (a replayed cookie, a double click).
    WaveClosed
        When the wave is closed.
    InputError
        When answers, language or comment are invalid (the right stays unspent), or the
        right or unit is malformed.
    """
    if not isinstance(right, str) or not 16 <= len(right) <= MAX_TOKEN_LENGTH:
        raise InputError("right: a right to submit from start_invitation is needed")
    definition = get_survey(db, slug)
    answer_text, demographic_text = encode_response(definition, answers, language, demographics)
    text = clean_comment(definition, comment)
    opened = clean_open_answers(definition, open_answers)
    try:
        with db.session(write=True) as session:
            wave_ = lock_open_wave(session, slug, wave)
            unit_id = session.scalar(select(Unit.id).where(Unit.code == unit_code))
            if unit_id is None:
                raise InputError(f"unknown unit {str(unit_code)[:64]!r}")
            # A right spent before fails this insert (its primary key): AlreadyAnswered below.
            session.execute(
                insert(SpentRight).values(nonce_hash=hash_token(right), wave_id=wave_.id)
            )
            store_response(
                session,
                db,
                wave_.id,
                unit_id,
                language,
                answer_text,
                demographic_text,
                text,
                open_answers=opened,
            )
    except IntegrityError:  # the right was spent before, or a parallel post's insert won
        raise AlreadyAnswered() from None
    db.truncate_log()


def lock_open_wave(session: Session, slug: str, label: str) -> Wave:
    """The wave, locked against a concurrent close; WaveClosed when it is not open.

    One statement: the wave joined with its survey by slug (the survey's row is not loaded;
    only the wave's row is locked)."""
    wave = session.scalar(
        select(Wave)
        .join(SurveyRow, SurveyRow.id == Wave.survey_id)
        .where(SurveyRow.slug == slug, Wave.label == label)
        .with_for_update(read=True, of=Wave)
    )
    if wave is None:
        if session.scalar(select(SurveyRow.id).where(SurveyRow.slug == slug)) is None:
            raise NotFound(f"no survey {slug!r}")
        raise WaveClosed()
    if wave.state != "open":
        raise WaveClosed()
    return wave


def store_response(
    session: Session,
    db: Database,
    wave_id: int,
    unit_id: int,
    language: str,
    answer_text: str,
    demographic_text: str | None,
    comment: str | None,
    *,
    count: bool = True,
    open_answers: Mapping[str, str] | None = None,
) -> None:
    """Insert a validated response (with its comment and open answers, each a comment row
    of its own under a random key) and count it for today, in ``session``."""
    session.execute(
        insert(Response).values(
            id=new_key(),
            wave_id=wave_id,
            unit_id=unit_id,
            language=language,
            answers=answer_text,
            demographics=demographic_text,
        )
    )
    texts: list[tuple[str | None, str]] = [(None, comment)] if comment is not None else []
    texts += list((open_answers or {}).items())
    for question, text in texts:
        session.execute(
            insert(Comment).values(
                id=new_key(),
                wave_id=wave_id,
                unit_id=unit_id,
                language=language,
                text=text,
                question=question,
            )
        )
    if count:
        _count_today(session, db, wave_id, unit_id)


def _count_today(session: Session, db: Database, wave_id: int, unit_id: int) -> None:
    statement = upsert(db.dialect, DailyCount).values(
        wave_id=wave_id, unit_id=unit_id, day=today(), count=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=["wave_id", "unit_id", "day"], set_={"count": DailyCount.count + 1}
    )
    session.execute(statement)


def _wave_id(session: Session, slug: str, wave: str) -> int:
    return wave_row(session, survey_row(session, slug), wave).id


def count_responses(db: Database, slug: str, wave: str, unit_code: str | None = None) -> int:
    """Responses of a wave, of one unit (exactly that unit) when ``unit_code`` is given."""
    with db.session() as session:
        query = select(func.count()).select_from(Response)
        query = query.where(Response.wave_id == _wave_id(session, slug, wave))
        if unit_code is not None:
            try:
                unit = unit_row(session, unit_code)
            except NotFound:
                return 0
            query = query.where(Response.unit_id == unit.id)
        return int(session.scalar(query) or 0)


def count_by_unit(db: Database, slug: str, wave: str) -> dict[str, int]:
    """Responses of a wave per unit code (units without responses are absent)."""
    with db.session() as session:
        rows = session.execute(
            select(Unit.code, func.count())
            .select_from(Response)
            .join(Unit, Unit.id == Response.unit_id)
            .where(Response.wave_id == _wave_id(session, slug, wave))
            .group_by(Unit.code)
        ).all()
    return {code: int(n) for code, n in rows}


def daily_counts(
    db: Database, slug: str, wave: str, unit_code: str | None = None
) -> dict[dt.date, int]:
    """Responses per day of a wave (whole organisation, or one unit), oldest day first.

    DESIGN.md: show daily progress only for the whole organisation.
    """
    with db.session() as session:
        table = DailyCount.__table__
        query = select(table.c.day, func.sum(table.c["count"])).where(
            table.c.wave_id == _wave_id(session, slug, wave)
        )
        if unit_code is not None:
            query = query.where(table.c.unit_id == unit_row(session, unit_code).id)
        rows = session.execute(query.group_by(table.c.day).order_by(table.c.day)).all()
    return {day: int(n) for day, n in rows}


def load_answers(db: Database, slug: str, wave: str) -> AnswerMatrix:
    """All responses of a wave as an :class:`AnswerMatrix`, ordered by their random keys."""
    definition = get_survey(db, slug)
    item_ids = definition.item_ids
    demo_ids = tuple(item.id for item in definition.demographic_items)
    with db.session() as session:
        wave_id = _wave_id(session, slug, wave)
        codes = dict(session.execute(select(Unit.id, Unit.code)).all())
        # The driver's own cursor: a million rows without building a million Row objects.
        # SQLite: scan the WITHOUT ROWID table, which is stored in key order, rather than
        # sort what the (wave, unit) index finds ("+" keeps the planner off that index).
        column, placeholder = ("+wave_id", "?") if db.is_sqlite else ("wave_id", "%s")
        cursor = session.connection().connection.cursor()
        try:
            cursor.execute(
                "SELECT unit_id, language, answers, demographics "
                f"FROM responses WHERE {column} = {placeholder} ORDER BY id",
                (wave_id,),
            )
            rows = cursor.fetchall()
        finally:
            cursor.close()
    if rows:
        unit_ids, languages, answers, demos = zip(*rows, strict=True)
    else:
        unit_ids, languages, answers, demos = (), (), (), ()
    ids = np.asarray(unit_ids, dtype=np.int64)
    lookup = np.array(list(codes.keys()), dtype=np.int64)
    names = np.array(list(codes.values()) or [""], dtype=object)
    order = np.argsort(lookup)
    unit_codes = names[order][np.searchsorted(lookup[order], ids)] if len(ids) else names[:0]
    demographics = decode_matrix(
        [d if d is not None else "-" * len(demo_ids) for d in demos] if demo_ids else [],
        len(demo_ids),
    )
    if not demo_ids:
        demographics = np.empty((len(rows), 0), dtype=float)
    return AnswerMatrix(
        item_ids=item_ids,
        values=decode_matrix(answers, len(item_ids)),
        unit_codes=unit_codes,
        languages=np.asarray(languages, dtype=object),
        demographics=demographics,
        demographic_ids=demo_ids,
    )


def load_missing_kinds(db: Database, slug: str, wave: str) -> tuple[np.ndarray, np.ndarray]:
    """What each cell of :func:`load_answers`'s matrices is (answered, not applicable, prefer
    not to say, not answered): int8 matrices for the items and the demographic questions,
    rows in the same random-key order (:func:`surveys.encoding.decode_kinds`)."""
    definition = get_survey(db, slug)
    width = len(definition.item_ids)
    demo_width = len(definition.demographic_items)
    with db.session() as session:
        wave_id = _wave_id(session, slug, wave)
        rows = session.execute(
            select(Response.answers, Response.demographics)
            .where(Response.wave_id == wave_id)
            .order_by(Response.id)
        ).all()
    items = decode_kinds([row[0] for row in rows], width)
    demographics = decode_kinds(
        [row[1] if row[1] is not None else "-" * demo_width for row in rows] if demo_width else [],
        demo_width,
    )
    if not demo_width:
        demographics = np.empty((len(rows), 0), dtype=np.int8)
    return items, demographics


def load_comments(db: Database, slug: str, wave: str) -> list[CommentRow]:
    """A wave's open comments and open answers, in random-key order, each naming its question
    (None: the general comment). Show them only above the threshold, per question."""
    with db.session() as session:
        rows = session.execute(
            select(Unit.code, Comment.language, Comment.text, Comment.question)
            .join(Unit, Unit.id == Comment.unit_id)
            .where(Comment.wave_id == _wave_id(session, slug, wave))
            .order_by(Comment.id)
        ).all()
    return [CommentRow(code, language, text, question) for code, language, text, question in rows]
