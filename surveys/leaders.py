"""Leader self-views: a leader answers the climate items about their own team, per wave.

A leader is a manager account of a unit. Before and after a leadership programme (that is,
in a wave) they get a personal link (``samen leader invite``) to a short questionnaire: the
survey's team-climate items reworded for a leader (:mod:`surveys.leader_items`). Their
answers are theirs and not anonymous (DESIGN.md, anonymity point 7): they are stored in
``leader_views`` under the leader's e-mail address, apart from employee responses, and no
function of the results service, the exports or the audit reads them. The link's token is
stored only as its SHA-256, as invitations are; a new link for the same leader and wave
replaces the old one (the answers stay). A leader may change their answers while the wave is
open; after it closes the link shows the answers but saves nothing.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from instruments.model import Item, Scale
from surveys._common import hash_token, survey_row, unit_row, wave_row
from surveys.db import Database
from surveys.definition import SurveyDefinition
from surveys.definitions import get_survey
from surveys.errors import InputError, InvitationUnavailable, WaveClosed
from surveys.leader_items import LEADER_INSTRUMENTS, LEADER_WORDING
from surveys.models import LeaderView, SurveyRow, Unit, Wave
from surveys.users import User

__all__ = [
    "LeaderAnswers",
    "LeaderLink",
    "LeaderPage",
    "LeaderScale",
    "invite_leader",
    "leader_link",
    "leader_page",
    "leader_scales",
    "leader_views_of",
    "leader_views_of_wave",
    "save_leader_answers",
    "store_leader_view",
]

TOKEN_BYTES = 24  # 192 bits, as invitations
MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class LeaderScale:
    """A scale of the leader's questionnaire: the team's scale id and the reworded items.

    ``items`` are the survey's own items (id, response scale, reverse keying); ``texts``
    holds the leader's wording of each, by item id and language.
    """

    id: str
    instrument: str
    scale: Scale
    items: tuple[Item, ...]
    texts: dict[str, dict[str, str]]


@dataclass(frozen=True)
class LeaderLink:
    """A personal link just made: the raw token is shown once and never stored."""

    token: str
    survey: str
    wave: str
    unit: str
    email: str


@dataclass(frozen=True)
class LeaderPage:
    """What a personal link opens: whose view, of which team, in which wave, so far."""

    survey: str
    wave: str
    wave_open: bool
    unit: str
    unit_name: str
    email: str
    answers: dict[str, int]
    answered: bool


@dataclass(frozen=True)
class LeaderAnswers:
    """One leader's saved answers in one wave (item id to code)."""

    wave: str
    unit: str
    email: str
    answers: dict[str, int]


def leader_scales(definition: SurveyDefinition) -> list[LeaderScale]:
    """The scales a leader answers in ``definition``: every scored scale of
    :data:`~surveys.leader_items.LEADER_INSTRUMENTS` the survey has whose items are all
    reworded. Scale ids are the results service's (``<instrument>.<scale>`` when the survey
    combines instruments)."""
    combined = len(definition.answer_instruments) > 1
    present = {inst.id: inst for inst in definition.answer_instruments}
    out = []
    for instrument_id in LEADER_INSTRUMENTS:
        instrument = present.get(instrument_id)
        if instrument is None:
            continue
        for scale in instrument.scales:
            if not scale.scored or not scale.items:
                continue
            if not all(item.id in LEADER_WORDING for item in scale.items):
                continue
            sid = f"{instrument.id}.{scale.id}" if combined else scale.id
            texts = {item.id: LEADER_WORDING[item.id] for item in scale.items}
            out.append(LeaderScale(sid, instrument.id, scale, scale.items, texts))
    return out


def leader_link(base_url: str, token: str) -> str:
    """The leader's URL for ``token``: ``<base_url>/l/<token>``."""
    return f"{base_url.rstrip('/')}/l/{token}"


def _leader_email(session: Session, unit: Unit, email: str | None) -> str:
    """The manager account of ``unit`` the link is for (``email``, or the only one)."""
    managers = session.scalars(
        select(User).where(User.role == "manager", User.unit_id == unit.id).order_by(User.email)
    ).all()
    if email is not None:
        wanted = email.strip().lower()
        if not any(user.email == wanted for user in managers):
            raise InputError(
                f"{email!r} is not a manager account of unit {unit.code!r}; "
                "add it with `samen user add EMAIL --role manager --unit " + unit.code + "`"
            )
        return wanted
    if not managers:
        raise InputError(
            f"unit {unit.code!r} has no manager account; add one with `samen user add` "
            "or give --user"
        )
    if len(managers) > 1:
        emails = ", ".join(user.email for user in managers)
        raise InputError(
            f"unit {unit.code!r} has several manager accounts ({emails}); give --user"
        )
    return managers[0].email


def invite_leader(
    db: Database, slug: str, wave: str, unit: str, email: str | None = None
) -> LeaderLink:
    """A personal link for the leader of ``unit`` to give their view of the team in ``wave``.

    Raises
    ------
    NotFound
        Unknown survey, wave or unit.
    WaveClosed
        The wave is closed: a leader answers while the wave is open.
    InputError
        The survey has no scale a leader can answer; ``email`` is not a manager account of
        the unit; the unit has no manager account, or several and ``email`` is not given.
    """
    definition = get_survey(db, slug)
    if not leader_scales(definition):
        names = ", ".join(LEADER_INSTRUMENTS)
        raise InputError(f"survey {slug!r} has none of the instruments a leader answers ({names})")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with db.session(write=True) as session:
        survey = survey_row(session, slug)
        row = wave_row(session, survey, wave)
        if row.state != "open":
            raise WaveClosed(f"wave {wave!r} of {slug!r} is closed")
        unit_db = unit_row(session, unit)
        who = _leader_email(session, unit_db, email)
        view = session.scalar(
            select(LeaderView).where(
                LeaderView.wave_id == row.id,
                LeaderView.unit_id == unit_db.id,
                LeaderView.email == who,
            )
        )
        if view is None:
            session.add(
                LeaderView(
                    wave_id=row.id, unit_id=unit_db.id, email=who, token_hash=hash_token(token)
                )
            )
        else:
            view.token_hash = hash_token(token)  # the old link stops working
    return LeaderLink(token, slug, wave, unit, who)


def _by_token(session: Session, token: str) -> tuple[LeaderView, Wave, SurveyRow, Unit]:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvitationUnavailable("this link is unknown")
    view = session.scalar(select(LeaderView).where(LeaderView.token_hash == hash_token(token)))
    if view is None:
        raise InvitationUnavailable("this link is unknown")
    wave = session.get(Wave, view.wave_id)
    unit = session.get(Unit, view.unit_id)
    survey = session.get(SurveyRow, wave.survey_id) if wave is not None else None
    if wave is None or unit is None or survey is None:  # foreign keys make this impossible
        raise InvitationUnavailable("this link is unknown")
    return view, wave, survey, unit


def _answers(text: str | None) -> dict[str, int]:
    return {str(k): int(v) for k, v in json.loads(text).items()} if text else {}


def leader_page(db: Database, token: str) -> LeaderPage:
    """What the personal link ``token`` opens (InvitationUnavailable when unknown)."""
    with db.session() as session:
        view, wave, survey, unit = _by_token(session, token)
        return LeaderPage(
            survey=survey.slug,
            wave=wave.label,
            wave_open=wave.state == "open",
            unit=unit.code,
            unit_name=unit.name,
            email=view.email,
            answers=_answers(view.answers),
            answered=view.answers is not None,
        )


def _check_answers(
    definition: SurveyDefinition, answers: Mapping[str, int | None]
) -> dict[str, int]:
    items = {item.id: item for scale in leader_scales(definition) for item in scale.items}
    problems = []
    kept: dict[str, int] = {}
    for item_id, code in answers.items():
        item = items.get(item_id)
        if item is None:
            problems.append(f"{item_id!r} is not a question of the leader's questionnaire")
        elif code is None:
            continue
        elif isinstance(code, bool) or code not in item.response_scale.points:
            problems.append(f"{item_id}: {code!r} is not an answer code of the item")
        else:
            kept[item_id] = int(code)
    if problems:
        raise InputError("the answers are not valid", problems)
    return kept


def save_leader_answers(
    db: Database, token: str, answers: Mapping[str, int | None], language: str | None = None
) -> None:
    """Replace the leader's answers (item id to code; None or absent: not answered).

    Raises InvitationUnavailable (unknown link), WaveClosed (the wave has closed) and
    InputError (an item not in the questionnaire, a code not on its response scale).
    """
    with db.session(write=True) as session:
        view, wave, survey, _unit = _by_token(session, token)
        if wave.state != "open":
            raise WaveClosed(f"wave {wave.label!r} is closed")
        definition = get_survey(db, survey.slug)
        kept = _check_answers(definition, answers)
        view.answers = json.dumps(kept, sort_keys=True)
        if language is not None:
            view.language = language[:8]


def leader_views_of(db: Database, slug: str, unit: str, email: str) -> list[LeaderAnswers]:
    """The answered views of leader ``email`` about ``unit``, one per wave (by wave date)."""
    with db.session() as session:
        survey = survey_row(session, slug)
        rows = session.execute(
            select(LeaderView, Wave.label)
            .join(Wave, Wave.id == LeaderView.wave_id)
            .join(Unit, Unit.id == LeaderView.unit_id)
            .where(
                Wave.survey_id == survey.id,
                Unit.code == unit,
                LeaderView.email == (email or "").strip().lower(),
                LeaderView.answers.is_not(None),
            )
            .order_by(Wave.opened_on, Wave.label)
        ).all()
        return [
            LeaderAnswers(label, unit, view.email, _answers(view.answers)) for view, label in rows
        ]


def leader_views_of_wave(
    db: Database, slug: str, wave: str, units: set[str] | None = None
) -> list[LeaderAnswers]:
    """Every answered leader view of ``wave`` (of ``units`` only, when given), by unit."""
    with db.session() as session:
        survey = survey_row(session, slug)
        row = wave_row(session, survey, wave)
        found = session.execute(
            select(LeaderView, Unit.code)
            .join(Unit, Unit.id == LeaderView.unit_id)
            .where(LeaderView.wave_id == row.id, LeaderView.answers.is_not(None))
            .order_by(Unit.code, LeaderView.email)
        ).all()
        return [
            LeaderAnswers(wave, code, view.email, _answers(view.answers))
            for view, code in found
            if units is None or code in units
        ]


def store_leader_view(
    db: Database, slug: str, wave: str, unit: str, email: str, answers: Mapping[str, int]
) -> None:
    """Store a leader's answers for ``wave`` directly, whatever its state, with no working
    link (the demo uses this to give leader views to waves it has already closed)."""
    definition = get_survey(db, slug)
    kept = _check_answers(definition, answers)
    with db.session(write=True) as session:
        row = wave_row(session, survey_row(session, slug), wave)
        unit_db = unit_row(session, unit)
        session.add(
            LeaderView(
                wave_id=row.id,
                unit_id=unit_db.id,
                email=email.strip().lower(),
                token_hash=hash_token(secrets.token_urlsafe(TOKEN_BYTES)),  # nobody has it
                answers=json.dumps(kept, sort_keys=True),
            )
        )
