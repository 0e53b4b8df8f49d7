"""Submitting, counting and loading responses; the open link; importing from CSV."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from surveys.errors import AlreadyAnswered, InputError, InvitationUnavailable, WaveClosed
from surveys.invitations import issue_invitations, lookup_invitation, open_link_token
from surveys.openlink import submit_open_response
from surveys.response_import import import_responses
from surveys.responses import (
    count_by_unit,
    count_responses,
    daily_counts,
    load_answers,
    load_comments,
    submit_response,
)
from surveys.survey_store import create_survey, get_survey
from surveys.waves import close_wave, open_wave
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE


def test_submit_stores_one_compact_row_and_counts(hospital_db):
    db = hospital_db
    definition = get_survey(db, HOSPITAL_SLUG)
    token, other = issue_invitations(db, HOSPITAL_SLUG, "W1", 2)
    answers = {item.id: item.response_scale.points[-1] for item in definition.items}
    answers[definition.items[1].id] = None
    submit_response(db, token, answers, "nl", {"dem_age": 2, "dem_gender": None}, "Goed team")
    submit_response(db, other, {definition.items[0].id: 1}, "en")
    with db.session() as session:
        rows = session.execute(
            text("SELECT answers, demographics, language FROM responses ORDER BY language DESC")
        ).all()
        comments = session.execute(text("SELECT text FROM comments")).scalars().all()
    assert len(rows) == 2
    nl_answers, nl_demographics, _ = rows[0]
    assert len(nl_answers) == len(definition.items)
    assert nl_answers[1] == "-" and nl_answers[0] == str(
        definition.items[0].response_scale.points[-1]
    )
    assert nl_demographics == "2" + "-" * (len(definition.demographic_items) - 1)
    assert rows[1][0] == "1" + "-" * (len(definition.items) - 1)
    assert comments == ["Goed team"]
    assert count_responses(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 2
    assert count_responses(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W1") == 2
    assert count_responses(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "W2") == 0
    assert count_by_unit(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == {"W1": 2}
    assert sum(daily_counts(db, HOSPITAL_SLUG, HOSPITAL_WAVE).values()) == 2
    assert lookup_invitation(db, token) is None
    with pytest.raises(InvitationUnavailable):
        submit_response(db, token, answers, "nl")


@pytest.mark.parametrize(
    ("answers", "language", "message"),
    [
        ({"bel_mem_1": 9}, "nl", "answer 9 is not one of 1, 2, 3, 4, 5"),
        ({"bel_mem_1": "3"}, "nl", "is not a response code"),
        ({"bel_mem_1": True}, "nl", "is not a response code"),
        ({"nosuch": 1}, "nl", "unknown question 'nosuch'"),
        ({"bel_mem_1": 3}, "fr", "language 'fr'"),
    ],
)
def test_tampered_answers_leave_the_invitation_usable(hospital_db, answers, language, message):
    (token,) = issue_invitations(hospital_db, HOSPITAL_SLUG, "W1", 1)
    with pytest.raises(InputError) as info:
        submit_response(hospital_db, token, answers, language)
    assert any(message in p for p in info.value.problems) or message in str(info.value)
    assert lookup_invitation(hospital_db, token) is not None
    assert count_responses(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 0


def test_closed_wave_refuses(hospital_db):
    (token,) = issue_invitations(hospital_db, HOSPITAL_SLUG, "W1", 1)
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    with pytest.raises(WaveClosed):
        submit_response(hospital_db, token, {"bel_mem_1": 3}, "nl")


def test_load_answers_matrix(hospital_db):
    db = hospital_db
    definition = get_survey(db, HOSPITAL_SLUG)
    tokens = issue_invitations(db, HOSPITAL_SLUG, "W2", 3) + issue_invitations(
        db, HOSPITAL_SLUG, "ICU", 2
    )
    for n, token in enumerate(tokens):
        submit_response(db, token, {"bel_mem_1": n + 1, "bel_mem_2": None}, "nl", {"dem_age": 1})
    matrix = load_answers(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    assert matrix.n == 5
    assert matrix.item_ids == definition.item_ids
    assert matrix.values.shape == (5, len(definition.items))
    column = matrix.item_ids.index("bel_mem_1")
    assert sorted(matrix.values[:, column]) == [1, 2, 3, 4, 5]
    assert np.isnan(matrix.values[:, matrix.item_ids.index("bel_mem_2")]).all()
    by_value = dict(zip(matrix.values[:, column], matrix.unit_codes, strict=True))
    assert by_value == {1.0: "W2", 2.0: "W2", 3.0: "W2", 4.0: "ICU", 5.0: "ICU"}
    assert list(matrix.languages) == ["nl"] * 5
    assert matrix.demographic_ids[0] == "dem_age"
    assert (matrix.demographics[:, 0] == 1).all()
    assert np.isnan(matrix.demographics[:, 1:]).all()


def test_comments_are_kept_apart(hospital_db):
    tokens = issue_invitations(hospital_db, HOSPITAL_SLUG, "W1", 2)
    submit_response(hospital_db, tokens[0], {}, "nl", {"dem_age": 3}, "  Meer overleg  ")
    submit_response(hospital_db, tokens[1], {}, "en", None, "")
    comments = load_comments(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    assert [(c.unit_code, c.language, c.text) for c in comments] == [("W1", "nl", "Meer overleg")]
    with hospital_db.session() as session:
        columns = set(session.execute(text("SELECT * FROM comments")).keys())
    assert "demographics" not in columns


OPEN = """\
id: open
title: {nl: Open, en: Open}
organisation: {nl: Wij, en: Us}
languages: [nl, en]
instruments: [belonging]
open_link: true
open_link_limit: 2
"""


def test_open_link_limits_repeats_per_client(hospital_db, tmp_path):
    db = hospital_db
    path = tmp_path / "open.yaml"
    path.write_text(OPEN, encoding="utf-8")
    create_survey(db, path)
    assert open_link_token(db, HOSPITAL_SLUG) is None
    token = open_link_token(db, "open")
    assert token and len(token) >= 22
    with pytest.raises(WaveClosed):
        lookup_invitation(db, token)
    open_wave(db, "open", "w1")
    info = lookup_invitation(db, token)
    assert info.open_link and info.unit_code is None and info.wave == "w1"
    submit_open_response(db, "open", "W1", {"bel_mem_1": 4}, "nl", client_key="browser-a")
    submit_open_response(db, "open", "W2", {"bel_mem_1": 5}, "nl", client_key="browser-a")
    with pytest.raises(AlreadyAnswered):
        submit_open_response(db, "open", "W2", {"bel_mem_1": 5}, "nl", client_key="browser-a")
    submit_open_response(db, "open", "W2", {"bel_mem_1": 2}, "en", client_key="browser-b")
    with pytest.raises(InputError, match="unknown unit"):
        submit_open_response(db, "open", "NOPE", {}, "nl", client_key="browser-c")
    with pytest.raises(InvitationUnavailable):
        submit_open_response(db, HOSPITAL_SLUG, "W1", {}, "nl", client_key="browser-c")
    assert count_by_unit(db, "open", "w1") == {"W1": 1, "W2": 2}
    with db.session() as session:
        stored = session.execute(text("SELECT key_hash, count FROM open_clients")).all()
    assert sorted(n for _, n in stored) == [1, 2]
    assert not any("browser" in key for key, _ in stored)
    close_wave(db, "open", "w1")
    with db.session() as session:
        assert session.execute(text("SELECT count(*) FROM open_clients")).scalar() == 0
        secret = session.execute(text("SELECT open_secret FROM waves WHERE label = 'w1'")).scalar()
    assert secret is None
    with pytest.raises(WaveClosed):
        submit_open_response(db, "open", "W1", {}, "nl", client_key="browser-z")


def test_import_responses(hospital_db, tmp_path):
    path = tmp_path / "paper.csv"
    path.write_text(
        "unit;bel_mem_1;bel_mem_2;dem_age;language;comment\n"
        "W1;4;na;2;nl;Prima\n"
        "W2;5;;;en;\n"
        "ICU;1;2;-;;\n",
        encoding="utf-8",
    )
    assert import_responses(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, path) == 3
    matrix = load_answers(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    column = matrix.item_ids.index("bel_mem_1")
    assert sorted(zip(matrix.unit_codes, matrix.values[:, column], strict=True)) == [
        ("ICU", 1.0),
        ("W1", 4.0),
        ("W2", 5.0),
    ]
    assert sorted(matrix.languages) == ["en", "nl", "nl"]
    assert [c.text for c in load_comments(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)] == ["Prima"]
    assert daily_counts(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE) == {}


def test_import_reports_every_bad_cell_and_stores_nothing(hospital_db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("unit,bel_mem_1,bel_mem_2\nW1,4,7\nXX,1,2\nW1,abc,3\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_responses(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, path)
    problems = info.value.problems
    assert any("line 2" in p and "'bel_mem_2'" in p and "answer 7" in p for p in problems)
    assert any("line 3, column unit" in p and "'XX'" in p for p in problems)
    assert any("line 4, column bel_mem_1" in p and "'abc'" in p for p in problems)
    assert count_responses(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 0
    twice = tmp_path / "twice.csv"
    twice.write_text("unit,bel_mem_1,BEL_MEM_1\nW1,3,5\n", encoding="utf-8")
    with pytest.raises(InputError, match="column 'bel_mem_1' appears 2 times"):
        import_responses(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, twice)
    wide = tmp_path / "wide.csv"
    wide.write_text("unit,bel_mem_1\nW1,4,5\nXX,1\nW1,2\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_responses(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, wide)
    first, second = info.value.problems
    assert "line 2: 3 fields, the header has 2" in first
    assert "line 3, column unit" in second and "'XX'" in second
    assert count_responses(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 0
    header = tmp_path / "header.csv"
    header.write_text("bel_mem_1,colour\n1,red\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_responses(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, header)
    joined = "\n".join(info.value.problems)
    assert "no 'unit' column" in joined and "'colour' is not a question" in joined


def test_open_link_limit_holds_under_parallel_posts(hospital_db, tmp_path):
    import threading

    db = hospital_db
    path = tmp_path / "open.yaml"
    path.write_text(OPEN, encoding="utf-8")  # open_link_limit: 2
    create_survey(db, path)
    open_wave(db, "open", "w1")
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def post() -> None:
        barrier.wait()
        try:
            submit_open_response(db, "open", "W1", {"bel_mem_1": 3}, "nl", client_key="same")
            outcomes.append("stored")
        except AlreadyAnswered:
            outcomes.append("refused")
        except Exception as exc:
            outcomes.append(f"error: {exc!r}")

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * 4 + ["stored"] * 2
    assert count_responses(db, "open", "w1") == 2


def test_import_into_a_closed_or_purged_wave_is_refused(hospital_db, tmp_path):
    """A closed wave's results are final: a few imported answers could be subtracted."""
    from surveys.purge import purge

    path = tmp_path / "late.csv"
    path.write_text("unit,bel_mem_1\nW1,4\n", encoding="utf-8")
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    with pytest.raises(WaveClosed, match="is closed: its results are final"):
        import_responses(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, path)
    purge(hospital_db, HOSPITAL_SLUG)
    with pytest.raises(WaveClosed):
        import_responses(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE, path)
    assert count_responses(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 0
