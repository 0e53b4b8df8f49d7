"""The respondent app's calls into the storage services of ``surveys``.

Routes call these functions and never open a database session; each function is one call into
a ``surveys`` service plus the conversion between its objects and the respondent app's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from flask import current_app

from surveys.db import Database
from surveys.errors import (
    AlreadyAnswered,
    InputError,
    InvitationUnavailable,
    NotFound,
    WaveClosed,
)
from surveys.invitations import issue_counts, lookup_open_link, start_invitation
from surveys.openlink import submit_open_response
from surveys.org import UnitInfo, list_units, unit_name
from surveys.privacy import PrivacySummary, privacy_summary
from surveys.responses import submit_with_right
from surveys.survey_definition import SurveyDefinition
from surveys.survey_store import CACHE_SIZE, get_survey
from webapp.i18n import current_language, localized
from webapp.respond.draft import NOT_APPLICABLE, PREFER_NOT_TO_SAY, RespondentState
from webapp.respond.questionnaire import Questionnaire

__all__ = [
    "AlreadyAnswered",
    "InputError",
    "InvitationUnavailable",
    "NotFound",
    "WaveClosed",
    "consent",
    "database",
    "open_link",
    "privacy",
    "questionnaire",
    "review_facts",
    "start",
    "submit",
    "units",
]


def database() -> Database:
    """The app's database (created by :func:`webapp.create_app`)."""
    return current_app.extensions["samen_db"]


def questionnaire(slug: str) -> Questionnaire:
    """The questionnaire of survey ``slug`` (:class:`NotFound` when there is none).

    Built once per definition object: :func:`surveys.survey_store.get_survey` returns the same
    object while the stored survey is unchanged, so the pages are not split again on every
    request (the last :data:`surveys.survey_store.CACHE_SIZE` surveys are kept).
    """
    definition = get_survey(database(), slug)
    key = (database().url, slug)
    with _LOCK:
        cached = _QUESTIONNAIRES.get(key)
        if cached is not None and cached[0] is definition:
            _QUESTIONNAIRES.move_to_end(key)
            return cached[1]
    built = Questionnaire.from_definition(definition)
    with _LOCK:
        _QUESTIONNAIRES[key] = (definition, built)
        _QUESTIONNAIRES.move_to_end(key)
        while len(_QUESTIONNAIRES) > CACHE_SIZE:
            _QUESTIONNAIRES.popitem(last=False)
    return built


_QUESTIONNAIRES: OrderedDict[tuple[str, str], tuple[SurveyDefinition, Questionnaire]] = (
    OrderedDict()
)
_LOCK = threading.Lock()


def privacy(slug: str) -> PrivacySummary:
    """The privacy statement of survey ``slug`` (:class:`NotFound` when there is none)."""
    definition = get_survey(database(), slug)
    return privacy_summary(definition, issue_counts(database(), slug))


def review_facts(state: RespondentState) -> dict[str, object]:
    """What the review page tells a respondent before sending (issue 13): the unit the
    answers count towards, k (responses) and the comment threshold (writers), the optional
    sensitive modules and what their answers are used for. Settings only: no count of
    responses, invitations or anything else that changes while a wave is open.

    The survey's settings are read once per definition object (frozen while the stored survey
    is unchanged) and language; the unit's name is one row."""
    definition = get_survey(database(), state.survey)
    unit = None if state.unit is None else unit_name(database(), state.unit)
    return {
        **_settings_facts(definition, current_language()),
        "survey": state.survey,
        "unit": unit,
        "open_link": state.open_link,
        "declined": state.consent is False,
    }


def _settings_facts(definition: SurveyDefinition, language: str) -> dict[str, object]:
    key = (id(definition), language)
    with _LOCK:
        kept = _FACTS.get(key)
        if kept is not None and kept[0] is definition:
            return kept[1]
    summary = privacy_summary(definition)
    facts: dict[str, object] = {
        "k": summary.open_link_k or summary.min_group_size,
        "sensitive_k": max(summary.min_group_size, summary.comment_threshold),
        "comment_threshold": max(summary.comment_threshold, summary.open_link_k or 0),
        "comments": summary.comments_enabled,
        # sensitive answer modules (unwanted behaviour); the questions about you apart
        "sensitive": " / ".join(
            f"\u201c{localized(i.title)}\u201d"
            for i in definition.answer_instruments
            if i.sensitive
        ),
        "demographics": definition.demographics is not None,
    }
    with _LOCK:
        _FACTS[key] = (definition, facts)
        while len(_FACTS) > 2 * CACHE_SIZE:
            _FACTS.popitem(last=False)
    return facts


_FACTS: OrderedDict[tuple[int, str], tuple[SurveyDefinition, dict[str, object]]] = OrderedDict()


def consent(slug: str) -> Any:
    """The works council's latest consent to the survey's profile (None: none), with the
    changes since (:func:`surveys.consent.check_profile`) as ``pending``."""
    from surveys.consent import check_profile, latest_consent

    found = latest_consent(database(), slug)
    if found is None:
        return None
    return {"by": found.by, "on": found.on, "pending": check_profile(database(), slug)}


def units() -> list[UnitInfo]:
    """Every unit, for the open link's "pick your unit" page."""
    return list_units(database())


def start(token: str) -> tuple[RespondentState, str | None]:
    """Exchange ``token`` for a fresh respondent state holding a right to submit.

    An invitation is used up here (its own transaction); the survey's open link (``/s/``
    accepts it too) is only looked up. Returns the state and the invitation's language.
    Raises :class:`InvitationUnavailable` (unknown, used, or its wave closed: one answer) or
    :class:`WaveClosed` (the open link while no wave is open).
    """
    found = lookup_open_link(database(), token)
    if found is not None:
        return _open_link_state(token, found.survey, found.wave), None
    started = start_invitation(database(), token)
    state = RespondentState(
        right=started.right,
        survey=started.survey,
        wave=started.wave,
        unit=started.unit_code,
    )
    return state, started.language


def open_link(token: str) -> RespondentState:
    """The fresh respondent state of survey open link ``token`` (nothing is used up).

    Raises :class:`InvitationUnavailable` (not an open link) or :class:`WaveClosed`.
    """
    found = lookup_open_link(database(), token)
    if found is None:
        raise InvitationUnavailable()
    return _open_link_state(token, found.survey, found.wave)


def _open_link_state(token: str, survey: str, wave: str) -> RespondentState:
    return RespondentState(right=token, survey=survey, wave=wave, open_link=True)


def _codes(answers: Mapping[str, str]) -> dict[str, int | str | None]:
    """Form values to response codes; "not applicable" and "prefer not to say" stay ``"na"``
    and ``"pn"`` (stored as kinds of missing, told apart only in the researcher export)."""
    from surveys.encoding import NA_ANSWER, PN_ANSWER

    kinds = {NOT_APPLICABLE: NA_ANSWER, PREFER_NOT_TO_SAY: PN_ANSWER}
    return {
        item_id: kinds[value] if value in kinds else int(value)
        for item_id, value in answers.items()
    }


def submit(
    state: RespondentState,
    questionnaire_: Questionnaire,
    answers: Mapping[str, str],
    comment: str,
    language: str,
    client_key: str | None = None,
    open_answers: Mapping[str, str] | None = None,
) -> None:
    """Store the response (with its comment and ``open_answers``, question id -> text, each
    stored apart from it) and spend the right to submit, in one transaction of the storage
    layer (the invitation was used up at Start, in another).

    Through the open link (``state.open_link``) the response goes to the unit the respondent
    picked, and ``client_key`` (a random value kept in the browser) limits repeat submissions:
    :class:`AlreadyAnswered` when this browser reached the survey's limit. Through an
    invitation, :class:`AlreadyAnswered` means the right was spent already (a replayed cookie).

    ``language`` is the interface language; a survey not offered in it is stored under its own
    first language. Raises :class:`InvitationUnavailable`, :class:`WaveClosed` or
    :class:`InputError` (answers the survey does not accept: nothing is stored).
    """
    if language not in questionnaire_.languages:
        language = questionnaire_.languages[0]
    if state.open_link:
        if not client_key or state.unit is None:
            raise InputError("the open link needs a unit and a client key")
        submit_open_response(
            database(),
            state.survey,
            state.unit,
            _codes(answers),
            language=language,
            client_key=client_key,
            comment=comment or None,
            open_answers=open_answers,
        )
        return
    if state.unit is None:
        raise InputError("the respondent state has no unit")
    submit_with_right(
        database(),
        state.right,
        state.survey,
        state.wave,
        state.unit,
        _codes(answers),
        language=language,
        comment=comment or None,
        open_answers=open_answers,
    )
