"""Start and send: an invitation is exchanged for a right to submit, spent exactly once.

Issue 14, path 6 (the transaction log) at the storage layer, on SQLite and PostgreSQL; the
replay of the logs themselves is tests/webapp/test_transaction_log.py.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from surveys._common import hash_token
from surveys.errors import AlreadyAnswered, InputError, InvitationUnavailable
from surveys.invitations import (
    count_unused_invitations,
    issue_counts,
    issue_invitations,
    start_invitation,
    withdraw_invitations,
)
from surveys.models import SpentRight
from surveys.responses import count_responses, daily_counts, submit_with_right
from surveys.versions import count_unused_by_unit
from surveys.waves import close_wave
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE


def _submit(db, started, answers=None, comment=None) -> None:
    submit_with_right(
        db,
        started.right,
        started.survey,
        started.wave,
        started.unit_code,
        answers if answers is not None else {"bel_mem_1": 4},
        language="nl",
        comment=comment,
    )


def test_start_deletes_the_invitation_and_gives_an_unrelated_right(hospital_db):
    db = hospital_db
    (token,) = issue_invitations(db, HOSPITAL_SLUG, "W1", 1, language="en")
    started = start_invitation(db, token)
    assert (started.survey, started.wave, started.unit_code) == (
        HOSPITAL_SLUG,
        HOSPITAL_WAVE,
        "W1",
    )
    assert started.language == "en"
    assert len(started.right) >= 32 and started.right != token
    assert token not in started.right and hash_token(token) != hash_token(started.right)
    with db.engine.connect() as connection:
        left = connection.execute(text("SELECT count(*) FROM invitations")).scalar_one()
    assert left == 0
    # The link now answers exactly as an unknown one does.
    with pytest.raises(InvitationUnavailable) as used:
        start_invitation(db, token)
    with pytest.raises(InvitationUnavailable) as unknown:
        start_invitation(db, "x" * len(token))
    assert str(used.value) == str(unknown.value)


def test_closed_wave_start_is_refused_like_an_unknown_link(hospital_db):
    db = hospital_db
    (token,) = issue_invitations(db, HOSPITAL_SLUG, "W1", 1)
    close_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    with pytest.raises(InvitationUnavailable):
        start_invitation(db, token)


def test_a_right_is_spent_exactly_once(hospital_db):
    db = hospital_db
    (token,) = issue_invitations(db, HOSPITAL_SLUG, "W2", 1)
    started = start_invitation(db, token)
    with pytest.raises(InputError):  # invalid answers: nothing stored, the right stays
        _submit(db, started, {"bel_mem_1": 9})
    _submit(db, started, comment="Prima.")
    with pytest.raises(AlreadyAnswered):
        _submit(db, started)
    assert count_responses(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 1
    with db.session() as session:
        spent = session.scalars(select(SpentRight.nonce_hash)).all()
    # What is stored is the hash of the right, never the right or anything of the token.
    assert spent == [hash_token(started.right)]
    assert hash_token(token) not in spent


def test_a_forged_or_malformed_right_is_refused(hospital_db):
    with pytest.raises(InputError):
        submit_with_right(hospital_db, "", HOSPITAL_SLUG, HOSPITAL_WAVE, "W1", {}, "nl")
    with pytest.raises(InputError):
        submit_with_right(hospital_db, "r" * 32, HOSPITAL_SLUG, HOSPITAL_WAVE, "NOPE", {}, "nl")
    assert count_responses(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 0


def test_ten_parallel_sends_with_one_right_store_exactly_one_response(hospital_db):
    db = hospital_db
    (token,) = issue_invitations(db, HOSPITAL_SLUG, "W2", 1)
    started = start_invitation(db, token)
    barrier = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def post() -> None:
        barrier.wait()
        try:
            _submit(db, started)
            result = "stored"
        except AlreadyAnswered:
            result = "already"
        except Exception as exc:  # anything else is a failure of the property
            result = f"error: {exc!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=post) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["already"] * 9 + ["stored"]
    assert count_responses(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 1
    assert sum(daily_counts(db, HOSPITAL_SLUG, HOSPITAL_WAVE).values()) == 1


def test_started_invitations_still_count_as_invited(hospital_db):
    """Response rates: invited = responses + unused, where a started link without a
    response yet is still unused (it was deleted at Start)."""
    db = hospital_db
    tokens = issue_invitations(db, HOSPITAL_SLUG, "W1", 4)
    first, second = start_invitation(db, tokens[0]), start_invitation(db, tokens[1])
    assert count_unused_invitations(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W1") == 4
    _submit(db, first)
    assert count_unused_invitations(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W1") == 3
    assert count_unused_invitations(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 3
    assert count_unused_by_unit(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == {"W1": 3}
    _submit(db, second)
    assert count_unused_by_unit(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == {"W1": 2}
    assert count_responses(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W1") == 2


def test_issue_counts_by_mode_are_aggregates(hospital_db):
    """Issue 14, path 4: how invitations went out is kept per unit as counts, nothing per
    invitation."""
    db = hospital_db
    links = issue_invitations(db, HOSPITAL_SLUG, "W1", 3)
    mailed = issue_invitations(db, HOSPITAL_SLUG, "W2", 4, mode="mail")
    assert withdraw_invitations(db, mailed[:1], mode="mail") == 1
    start_invitation(db, links[0])
    whole = issue_counts(db, HOSPITAL_SLUG)  # the open wave
    assert (whole.mailed, whole.handed_out, whole.started, whole.issued) == (3, 3, 1, 6)
    w2 = issue_counts(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W2")
    assert (w2.mailed, w2.handed_out, w2.started) == (3, 0, 0)
    with db.engine.connect() as connection:
        columns = {c["name"] for c in db.engine.dialect.get_columns(connection, "invitations")}
        rows = connection.execute(select(func.count()).select_from(text("invitation_counts")))
        assert rows.scalar_one() == 2  # one row per unit and wave
    assert columns == {"token_hash", "wave_id", "unit_id", "language"}  # no mode per link
    with pytest.raises(InputError):
        issue_invitations(db, HOSPITAL_SLUG, "W1", 1, mode="carrier-pigeon")
