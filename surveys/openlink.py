"""The open link: one shared URL per survey, where respondents pick their unit.

For staff without e-mail. Repeat submissions are limited per client (``client_key``: a random
value the web app keeps in the browser, never an IP address or a name) to the survey's
``open_link_limit``. Only a keyed hash of the client key is stored, under a key that exists
only while the wave is open: closing the wave erases both, so afterwards not even the
database administrator can recompute which browser answered.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys._common import survey_row, unit_row, upsert
from surveys.db import Database
from surveys.encoding import encode_response
from surveys.errors import AlreadyAnswered, InputError, InvitationUnavailable, NotFound, WaveClosed
from surveys.models import OpenClient, Wave
from surveys.responses import clean_comment, clean_open_answers, store_response
from surveys.survey_store import get_survey

__all__ = ["submit_open_response"]

MAX_CLIENT_KEY = 256


def submit_open_response(
    db: Database,
    slug: str,
    unit_code: str,
    answers: Mapping[str, int | str | None],
    language: str,
    client_key: str,
    demographics: Mapping[str, int | str | None] | None = None,
    comment: str | None = None,
    open_answers: Mapping[str, str | None] | None = None,
) -> None:
    """Store one response through survey ``slug``'s open link, for the unit the respondent chose.

    Raises
    ------
    InvitationUnavailable
        When the survey has no open link.
    WaveClosed
        When no wave is open.
    AlreadyAnswered
        When this client reached the survey's ``open_link_limit`` in this wave.
    InputError
        For an unknown unit, invalid answers or an empty client key.
    """
    if not isinstance(client_key, str) or not client_key or len(client_key) > MAX_CLIENT_KEY:
        raise InputError("client_key must be a non-empty string")
    definition = get_survey(db, slug)
    if not definition.open_link:
        raise InvitationUnavailable()
    answer_text, demographic_text = encode_response(definition, answers, language, demographics)
    text = clean_comment(definition, comment)
    opened = clean_open_answers(definition, open_answers)
    with db.session(write=True) as session:
        survey = survey_row(session, slug)
        wave = session.scalar(
            select(Wave)
            .where(Wave.survey_id == survey.id, Wave.state == "open")
            .with_for_update(read=True)
        )
        if wave is None or wave.open_secret is None:
            raise WaveClosed()
        try:
            unit = unit_row(session, unit_code)
        except NotFound:
            raise InputError(f"unknown unit {str(unit_code)[:64]!r}") from None
        key_hash = hmac.new(wave.open_secret, client_key.encode("utf-8"), hashlib.sha256)
        count = _bump(session, db, wave.id, key_hash.hexdigest())
        if count > definition.open_link_limit:
            raise AlreadyAnswered()
        store_response(
            session,
            db,
            wave.id,
            unit.id,
            language,
            answer_text,
            demographic_text,
            text,
            open_answers=opened,
        )


def _bump(session: Session, db: Database, wave_id: int, key_hash: str) -> int:
    """Add one to the client's count (atomically on both databases) and return the new count."""
    statement = upsert(db.dialect, OpenClient).values(wave_id=wave_id, key_hash=key_hash, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["wave_id", "key_hash"], set_={"count": OpenClient.count + 1}
    ).returning(OpenClient.count)
    return int(session.scalar(statement))
