"""Issue 14, path 6: a copy of the transaction log taken during an open wave links nobody.

The attack: copy ``samen.db`` with ``samen.db-wal`` (or read PostgreSQL's WAL, or a backup of
either) while a wave is open, and look for a commit that both removes an invitation (whose
hash the mail-merge list holder can compute from the link) and stores a response and comment.
Before the fix every submission was such a commit. Respondents here go through the web app as
people do -- open the link, press Start, answer, send -- interleaved, on SQLite and PostgreSQL;
then the log is replayed and no commit (no transaction id) holds both sides. A control
transaction written the old way is found by the same replay, so the check can fail.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, text

from surveys._common import hash_token
from surveys.models import Invitation, Response, Wave
from surveys.responses import store_response
from tests.webapp.helpers import csrf_token, post_page, start
from tests.webapp.logreplay import (
    pg_transactions,
    sqlite_commits,
    sqlite_page_owners,
)

RESPONDENTS = 6
#: Tables a Start writes, and tables a Send writes (indexes count as their table).
START_SIDE = {"invitations"}
ANSWER_SIDE = {"responses", "comments", "spent_rights"}


def _respondents(app: Any, survey: Any, n: int) -> tuple[list[str], list[str]]:
    """``n`` respondents through the web app, interleaved: A starts, B starts, A sends, C
    starts, B sends, ... Each gives distinct answers and a comment; returns the tokens used
    and the comments."""
    tokens = survey.issue(n)
    clients = [app.test_client() for _ in range(n)]
    comments = [f"Opmerking {i} {uuid.uuid4().hex}" for i in range(n)]

    def send(i: int) -> None:
        client = clients[i]
        post_page(client, "/survey/consent", {}, nav="no")
        # Distinct answers per respondent: i in base 5 over the first three items.
        items = ["bel_mem_1", "bel_mem_2", "bel_mem_3"]
        answers = {item: str((i // 5**k) % 5 + 1) for k, item in enumerate(items)}
        post_page(client, "/survey/q/belonging", answers)
        post_page(client, "/survey/comment", {"comment": comments[i]})
        review = client.get("/survey/review")
        sent = client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
        assert sent.status_code == 303 and sent.location == "/survey/thanks"

    assert start(clients[0], tokens[0]).status_code == 303
    for i in range(1, n):
        assert start(clients[i], tokens[i]).status_code == 303
        send(i - 1)
    send(n - 1)
    assert survey.count() == n
    return tokens, comments


def _old_way(db: Any, token: str) -> None:
    """The pre-fix submission, as a control: delete an invitation and insert a response and
    comment in one transaction."""
    with db.session(write=True) as session:
        wave_id = session.scalar(select(Wave.id))
        unit_id = session.scalar(
            delete(Invitation)
            .where(Invitation.token_hash == hash_token(token))
            .returning(Invitation.unit_id)
        )
        assert unit_id is not None
        store_response(session, db, wave_id, unit_id, "nl", "CONTROL", None, "control comment")


def _stored_answers(db: Any) -> list[bytes]:
    with db.session() as session:
        return [a.encode() for a in session.scalars(select(Response.answers))]


SQLITE = pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
POSTGRES = pytest.mark.parametrize(
    "db_backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@SQLITE
def test_sqlite_wal_copy_links_no_invitation_to_a_response(db, survey, app, tmp_path):
    path = Path(db.engine.url.database)
    db.truncate_log()  # start the log after the setup (survey, invitations)
    assert path.with_name(path.name + "-wal").stat().st_size == 0
    db.truncate_after_use = False  # read the log as it would be without the truncation
    tokens, comments = _respondents(app, survey, RESPONDENTS)
    control = survey.issue(1)[0]
    _old_way(db, control)
    copy = tmp_path / "copy.db"
    shutil.copyfile(path, copy)
    shutil.copyfile(path.with_name(path.name + "-wal"), tmp_path / "copy.db-wal")

    commits = sqlite_commits(copy, tmp_path / "copy.db-wal")
    owners = sqlite_page_owners(copy, commits)
    hashes = [hash_token(t).encode() for t in [*tokens, control]]
    answers = [a for a in _stored_answers(db) if a != b"CONTROL"]
    assert len(set(answers)) == RESPONDENTS
    linking = []
    starts = 0
    first_seen: dict[bytes, int] = {}
    for number, commit in enumerate(commits):
        tables = set().union(*(owners.get(page, set()) for page in commit.pages))
        invitation_side = bool(tables & START_SIDE) or any(
            commit.contains(h) or commit.removed(h) for h in hashes
        )
        answer_side = (
            bool(tables & ANSWER_SIDE)
            or any(commit.contains(a) for a in [*answers, b"CONTROL"])
            or any(commit.contains(c.encode()) for c in [*comments, "control comment"])
        )
        starts += any(commit.removed(h) for h in hashes)
        for answer in answers:
            if commit.contains(answer):
                first_seen.setdefault(answer, number)
        if invitation_side and answer_side:
            linking.append(number)
    # The replay sees every start (a token hash leaves the invitations) and every send ...
    assert starts == RESPONDENTS + 1
    assert len(set(first_seen.values())) == len(first_seen) == RESPONDENTS
    # ... and only the control, written the old way, links the two.
    assert linking == [len(commits) - 1]
    assert commits[-1].removed(hashlib.sha256(control.encode()).hexdigest().encode())


@SQLITE
def test_sqlite_log_is_truncated_after_start_and_after_send(db, survey, app):
    """With the truncation on (the default), a copy of the files taken right after a Start or
    a Send holds no log at all: only the database file, where the deleted invitation's bytes
    are zeroed (secure_delete)."""
    path = Path(db.engine.url.database)
    wal = path.with_name(path.name + "-wal")
    client = app.test_client()
    token = survey.tokens[0]
    assert start(client, token).status_code == 303
    assert wal.stat().st_size == 0
    assert hash_token(token).encode() not in path.read_bytes()
    review = client.get("/survey/review")
    assert client.post("/survey/send", data={"csrf_token": csrf_token(review.text)}).status_code
    assert survey.count() == 1
    assert wal.stat().st_size == 0


@POSTGRES
def test_postgres_wal_links_no_invitation_to_a_response(db, survey, app):
    """PostgreSQL: replay the WAL between two LSNs with pg_waldump; no transaction id touches
    the invitations and the responses (or comments, or spent rights)."""
    with db.engine.connect() as connection:
        data_directory = connection.execute(text("SHOW data_directory")).scalar_one()
        database_oid = connection.execute(
            text("SELECT oid FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
        nodes = _relfilenodes(connection)
        before = connection.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
    _respondents(app, survey, RESPONDENTS)
    control = survey.issue(1)[0]
    _old_way(db, control)
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1 FROM pg_switch_wal()"))
        after = connection.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
    touched = pg_transactions(data_directory, str(before), str(after), int(database_oid))
    start_nodes = {node for table, node in nodes if table in START_SIDE}
    answer_nodes = {node for table, node in nodes if table in ANSWER_SIDE}
    response_nodes = {node for table, node in nodes if table == "responses"}
    starts = [xid for xid, rel in touched.items() if rel & start_nodes]
    sends = [xid for xid, rel in touched.items() if rel & response_nodes]
    linking = [xid for xid, rel in touched.items() if rel & start_nodes and rel & answer_nodes]
    # Issuing the control's invitation, every Start and the control touch the invitations.
    assert len(starts) >= RESPONDENTS + 1
    assert len(sends) == RESPONDENTS + 1
    assert len(linking) == 1  # the control, written the old way


def _relfilenodes(connection: Any) -> list[tuple[str, int]]:
    """(table, relfilenode) of each table of interest, its indexes and its TOAST table."""
    names = sorted(START_SIDE | ANSWER_SIDE)
    rows = connection.execute(
        text(
            "SELECT t.relname, pg_relation_filenode(c.oid) FROM pg_class t "
            "JOIN pg_class c ON c.oid = t.oid OR c.oid = t.reltoastrelid "
            "OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = t.oid) "
            "WHERE t.relname = ANY(:names) AND t.relkind = 'r'"
        ),
        {"names": names},
    ).all()
    assert {name for name, _node in rows} == set(names)
    return [(name, int(node)) for name, node in rows if node is not None]


@SQLITE
def test_a_long_reader_delays_the_truncation_not_the_respondent(db, survey, app):
    """A reader holding an old snapshot (a long export) keeps the checkpoint from finishing:
    Start answers at once anyway, and the next commit after the reader ends empties the log."""
    import sqlite3
    import time

    path = Path(db.engine.url.database)
    wal = path.with_name(path.name + "-wal")
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM responses").fetchall()
        client = app.test_client()
        began = time.monotonic()
        assert start(client, survey.tokens[0]).status_code == 303
        assert time.monotonic() - began < 5  # not the 30 s busy timeout
        assert wal.stat().st_size > 0  # the reader's snapshot still needs the log
    finally:
        reader.execute("COMMIT")
        reader.close()
    review = client.get("/survey/review")
    assert client.post("/survey/send", data={"csrf_token": csrf_token(review.text)})
    assert survey.count() == 1
    assert wal.stat().st_size == 0
