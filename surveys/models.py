"""SQLAlchemy models: the tables, and the anonymity rules written into their shape.

What is deliberately absent (DESIGN.md, "What no link means on disk"):

- ``responses`` and ``invitations`` have no date or time column and no ORM default timestamp;
  only waves carry dates, and progress lives in ``daily_counts`` per unit and day.
- ``responses`` has no auto-increment key: its key is random (``secrets``), and on SQLite the
  table is ``WITHOUT ROWID`` so there is no hidden rowid following submission order either.
- No column or foreign key links a response (or a comment) to an invitation. An invitation is
  deleted when its respondent presses Start, in a transaction of its own; the response is
  stored later, in another, with a fresh random right to submit (``spent_rights``) that
  nothing in the first transaction knows. No commit holds both, so neither does a copy of
  the transaction log (SQLite's WAL, PostgreSQL's WAL and their backups).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditRun",
    "Base",
    "Comment",
    "DailyCount",
    "ExportPin",
    "Invitation",
    "InvitationCount",
    "LeaderView",
    "OpenClient",
    "Plan",
    "PlanFocus",
    "PrivacyChange",
    "PrivacyConsent",
    "Programme",
    "ProgrammeUnit",
    "Response",
    "SigninFailure",
    "SigninPause",
    "SpentRight",
    "SurveyRow",
    "Unit",
    "Wave",
    "WaveUnit",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    """An organisational unit, named in commands and URLs by its external ``code``."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    manager_email: Mapped[str | None] = mapped_column(String(254))


class SurveyRow(Base):
    """A survey: its definition frozen as JSON (instruments included) when it was created."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    # Deferred: a row is read for its id, slug or open link on every send and start; the
    # text (tens of KB) only where it is asked for (surveys.survey_store keeps it parsed).
    definition: Mapped[str] = mapped_column(Text, deferred=True)
    open_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A random number drawn by a database trigger whenever ``definition`` is written (insert
    # or change, by any writer): what each process's cache of parsed definitions checks
    # (surveys.survey_store.get_survey; migration surv01).
    revision: Mapped[int] = mapped_column(BigInteger, server_default="0")


class Wave(Base):
    """A survey round. Dates live here, at wave granularity, never on responses."""

    __tablename__ = "waves"
    __table_args__ = (UniqueConstraint("survey_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10))  # "open" | "closed"
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    purged_on: Mapped[dt.date | None] = mapped_column(Date)
    # Key of the keyed hash that limits repeat submissions through the open link; erased at close.
    open_secret: Mapped[bytes | None] = mapped_column(LargeBinary(32))


class WaveUnit(Base):
    """One unit of the tree a wave closed with: code, parent's code and name, frozen at close.

    Written in the transaction that closes the wave (:func:`surveys.waves.close_wave`) and
    never changed: a later ``samen org import`` moves units for later waves only, so a closed
    wave's results are always computed on one tree (issue 14, path 2). Codes are plain text,
    not foreign keys, so the snapshot does not follow a unit that is moved or renamed.
    """

    __tablename__ = "wave_units"

    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))


class Invitation(Base):
    """An unused invitation: only the SHA-256 of its token. Using it deletes the row."""

    __tablename__ = "invitations"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    language: Mapped[str | None] = mapped_column(String(8))


class InvitationCount(Base):
    """How a unit's invitations of a wave were issued and how many were started: counts only.

    ``mailed`` were sent by Samen (``samen invite --emails``: nobody holds the links);
    ``handed_out`` were written to a link file for a mail-merge (whoever holds that file can
    try the links); ``started`` were exchanged for a right to submit. Nothing here refers to
    a single invitation.
    """

    __tablename__ = "invitation_counts"

    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    mailed: Mapped[int] = mapped_column(Integer, default=0)
    handed_out: Mapped[int] = mapped_column(Integer, default=0)
    started: Mapped[int] = mapped_column(Integer, default=0)


class SpentRight(Base):
    """A right to submit that was used: the SHA-256 of its random nonce, so it is used once.

    The nonce was made when the respondent started, kept only in their encrypted session
    cookie, and is written here in the transaction that stores the response. It is not
    derived from the invitation and the start's transaction never saw it.
    """

    __tablename__ = "spent_rights"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), index=True)


class Response(Base):
    """One respondent's answers, one character per item in survey item order ('-' missing)."""

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_wave_unit", "wave_id", "unit_id"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    language: Mapped[str] = mapped_column(String(8))
    answers: Mapped[str] = mapped_column(Text)
    demographics: Mapped[str | None] = mapped_column(Text)


class Comment(Base):
    """An open comment or the answer to an open question, stored apart from the response (and
    its demographics) it came with."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_wave_unit", "wave_id", "unit_id"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    # The open question answered (an instrument's ``open_questions`` id); NULL for the
    # survey's general open comment. Which question, never which response.
    question: Mapped[str | None] = mapped_column(String(64))


class DailyCount(Base):
    """How many responses a unit gave on a day: the only time information kept."""

    __tablename__ = "daily_counts"

    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class OpenClient(Base):
    """Submissions through the open link per client, under a keyed hash erased at close."""

    __tablename__ = "open_clients"

    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), primary_key=True
    )
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class SigninFailure(Base):
    """A recent sign-in attempt not (yet) known to have succeeded, under a keyed hash.

    ``key`` is an HMAC of an e-mail or client address under a key derived from the secret key,
    so every worker process counts the same rows; ``at`` is seconds on the wall clock. Rows
    older than the sign-in window are deleted as new attempts come in
    (:mod:`surveys.signin_limits`).
    """

    __tablename__ = "signin_failures"
    __table_args__ = (Index("ix_signin_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Float)


class SigninPause(Base):
    """An e-mail or client address (keyed hash) that may not sign in until ``until``."""

    __tablename__ = "signin_pauses"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    until: Mapped[float] = mapped_column(Float)


class Programme(Base):
    """A leadership programme evaluated on one survey: a cohort, a wave before and after.

    The units whose leaders take part are :class:`ProgrammeUnit` rows. Added by an admin
    (``samen programme add``, :mod:`surveys.programmes`); the evaluation compares the
    programme units' change between the two waves with the other units' change.
    """

    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("survey_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    cohort: Mapped[str] = mapped_column(String(100))
    wave_before_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))
    wave_after_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))


class ProgrammeUnit(Base):
    """A unit whose leader takes part in a programme."""

    __tablename__ = "programme_units"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class PrivacyConsent(Base):
    """A works council's consent to a survey's privacy profile (issue 13; ``samen survey
    consent``). ``profile`` is the JSON of :func:`surveys.consent.profile` at consent;
    ``audit`` the disclosure audit's summary line then. Staff data, no respondent data."""

    __tablename__ = "privacy_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    consented_by: Mapped[str] = mapped_column(String(200))
    consented_on: Mapped[dt.date] = mapped_column(Date)
    profile: Mapped[str] = mapped_column(Text)
    audit: Mapped[str] = mapped_column(Text, default="")


class ExportPin(Base):
    """The export settings a closed wave was first exported with (``surveys.export_pins``):
    every later export of the wave must use the same. Staff data, no respondent data."""

    __tablename__ = "export_pins"

    wave_id: Mapped[int] = mapped_column(
        ForeignKey("waves.id", ondelete="CASCADE"), primary_key=True
    )
    settings: Mapped[str] = mapped_column(Text)
    #: Files written with these settings; a pin with none may be reset (surveys.export_pins).
    files: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AuditRun(Base):
    """One run of the disclosure audit (``samen audit``, the console): when, by whom (a
    staff account or the command line) and its summary line. Staff data, no respondent
    data; the council page shows the latest (issue 13)."""

    __tablename__ = "audit_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    ran_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ran_by: Mapped[str] = mapped_column(String(200))
    ok: Mapped[bool] = mapped_column(Boolean)
    summary: Mapped[str] = mapped_column(Text)


class PrivacyChange(Base):
    """A recorded change of a consented profile: what changed and on which day (never who)."""

    __tablename__ = "privacy_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    changed_on: Mapped[dt.date] = mapped_column(Date)
    what: Mapped[str] = mapped_column(Text)


class LeaderView(Base):
    """A leader's own view of their team in one wave: theirs, not anonymous, stored apart.

    The leader (a manager account, by ``email``) answers the climate items about their team
    through a personal link (``token_hash``: only the SHA-256 of the token; a new link
    replaces it). ``answers`` is JSON, item id to response code, or None until answered. These
    rows are never read by the results service, the exports or the audit's response cells:
    a leader's answers are never mixed into team results (:mod:`surveys.leaders`).
    """

    __tablename__ = "leader_views"
    __table_args__ = (UniqueConstraint("wave_id", "unit_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str | None] = mapped_column(String(8))
    answers: Mapped[str | None] = mapped_column(Text)


class Plan(Base):
    """A team's action plan after the results of a wave (:mod:`surveys.plans`).

    The team's own notes, not respondent data: which unit, after which wave, and whether
    the manager shares the text with the survey owner. No person's name, no timestamp.
    """

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("wave_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)


class PlanFocus(Base):
    """One focus point of a plan (1 to 3): a scale or statement, the action the team
    agreed, who does it (a role, not a name) and by when."""

    __tablename__ = "plan_focus"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "scale" | "item"
    ref: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(Text)
    owner_role: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[dt.date] = mapped_column(Date)
