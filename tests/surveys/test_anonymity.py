"""Proofs of the anonymity properties of the stored data, on SQLite and PostgreSQL.

DESIGN.md, "Anonymity and disclosure control" and "What no link means on disk": the threat is
someone holding the mail-merge list (token -> person) and raw access to the database. These
tests check the data itself, not the screens (LimeSurvey's leaks were in the data).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Date, DateTime, Integer, Time, bindparam, inspect, text

from surveys._common import hash_token
from surveys.errors import InvitationUnavailable
from surveys.invitations import issue_invitations, lookup_invitation
from surveys.org import import_units
from surveys.purge import purge
from surveys.responses import count_responses, daily_counts, load_answers, submit_response
from surveys.survey_store import get_survey
from surveys.waves import close_wave
from tests.conftest import HOSPITAL_SLUG, HOSPITAL_WAVE

#: Every column a response may have. A new column must be argued for here, in review.
RESPONSE_COLUMNS = {"id", "wave_id", "unit_id", "language", "answers", "demographics"}
PERSONAL_TABLES = ("responses", "comments", "invitations")
CODE_ITEMS = ("bel_mem_1", "bel_mem_2", "bel_mem_3")  # three 5-point items: 125 patterns


def encode_index(i: int) -> dict[str, int]:
    """Answers that spell the submission index ``i`` (0-124) in base 5."""
    return {item: (i // 5**n) % 5 + 1 for n, item in enumerate(CODE_ITEMS)}


def decode_index(answers: str, positions: list[int]) -> int:
    return sum((int(answers[p]) - 1) * 5**n for n, p in enumerate(positions))


def submit_many(db, n: int, unit: str = "W1") -> list[str]:
    tokens = issue_invitations(db, HOSPITAL_SLUG, unit, n)
    for i, token in enumerate(tokens):
        submit_response(db, token, encode_index(i), "nl")
    return tokens


def stored_order(db) -> list[int]:
    """Submission indices in the order the database returns rows without ORDER BY."""
    definition = get_survey(db, HOSPITAL_SLUG)
    positions = [definition.item_ids.index(item) for item in CODE_ITEMS]
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT answers FROM responses")).scalars().all()
    return [decode_index(answers, positions) for answers in rows]


# -- schema ----------------------------------------------------------------------------------


def test_no_time_columns_on_personal_tables(db):
    inspector = inspect(db.engine)
    for table in PERSONAL_TABLES:
        for column in inspector.get_columns(table):
            kind = column["type"]
            assert not isinstance(kind, Date | DateTime | Time), (table, column["name"])
            assert not any(word in str(kind).upper() for word in ("DATE", "TIME")), column
            assert column.get("default") is None, (table, column["name"], column["default"])
            name = column["name"].lower()
            assert not any(w in name for w in ("created", "updated", "time", "date", "_at")), name


def test_responses_have_exactly_the_allowed_columns_and_no_link_to_invitations(db):
    inspector = inspect(db.engine)
    assert {c["name"] for c in inspector.get_columns("responses")} == RESPONSE_COLUMNS
    for table in ("responses", "comments"):
        referred = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert referred == {"waves", "units"}, table
        names = {c["name"] for c in inspector.get_columns(table)}
        assert not any("token" in n or "invitation" in n for n in names), names
    referred = {fk["referred_table"] for fk in inspector.get_foreign_keys("invitations")}
    assert referred == {"waves", "units"}
    assert "used" not in {c["name"] for c in inspector.get_columns("invitations")}


def test_response_keys_are_not_serial(db, db_backend):
    inspector = inspect(db.engine)
    for table in ("responses", "comments"):
        assert inspector.get_pk_constraint(table)["constrained_columns"] == ["id"]
        id_column = next(c for c in inspector.get_columns(table) if c["name"] == "id")
        assert not isinstance(id_column["type"], Integer)
        assert not id_column.get("autoincrement") or id_column["autoincrement"] == "auto"
    with db.engine.connect() as connection:
        if db_backend == "sqlite":
            for table in ("responses", "comments"):
                sql = connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
                ).scalar()
                assert "WITHOUT ROWID" in sql.upper()
                with pytest.raises(Exception, match="rowid"):
                    connection.execute(text(f"SELECT rowid FROM {table}"))
        else:
            owned = connection.execute(
                text(
                    "SELECT count(*) FROM pg_depend d JOIN pg_class s ON s.oid = d.objid "
                    "JOIN pg_class t ON t.oid = d.refobjid WHERE s.relkind = 'S' "
                    "AND t.relname IN ('responses', 'comments', 'invitations')"
                )
            ).scalar()
            assert owned == 0
            defaults = connection.execute(
                text(
                    "SELECT count(*) FROM information_schema.columns WHERE table_name IN "
                    "('responses', 'comments', 'invitations') AND (column_default IS NOT NULL "
                    "OR is_identity = 'YES')"
                )
            ).scalar()
            assert defaults == 0


# -- stored data -----------------------------------------------------------------------------


def test_response_keys_are_random(hospital_db):
    submit_many(hospital_db, 40)
    with hospital_db.engine.connect() as connection:
        keys = connection.execute(text("SELECT id FROM responses")).scalars().all()
    assert len(set(keys)) == 40
    assert min(len(k) for k in keys) >= 22  # 128 bits in URL-safe base64
    # Keys sorted by value do not follow submission order.
    by_key = [i for _, i in sorted(zip(keys, stored_order(hospital_db), strict=True))]
    assert by_key != list(range(40))


def test_rows_do_not_come_back_in_submission_order_after_close(hospital_db):
    n = 40
    submit_many(hospital_db, n)
    close_wave(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    physical = stored_order(hospital_db)
    assert sorted(physical) == list(range(n))
    assert physical != list(range(n))
    assert physical != list(reversed(range(n)))
    definition = get_survey(hospital_db, HOSPITAL_SLUG)
    matrix = load_answers(hospital_db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    positions = [definition.item_ids.index(item) for item in CODE_ITEMS]
    loaded = [
        int(sum((row[p] - 1) * 5**k for k, p in enumerate(positions))) for row in matrix.values
    ]
    assert loaded != list(range(n))


# xmin is a PostgreSQL system column; SQLite keeps no transaction id on rows.
@pytest.mark.parametrize("db_backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_after_close_all_response_rows_carry_the_rewrite_xmin(hospital_db, db_backend):
    db = hospital_db
    tokens = submit_many(db, 12)
    query = text("SELECT xmin::text::bigint FROM responses")
    with db.engine.connect() as connection:
        before = connection.execute(query).scalars().all()
    assert len(set(before)) == 12  # one transaction per submission: the link to remove
    close_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    with db.engine.connect() as connection:
        after = connection.execute(query).scalars().all()
        comments_xmin = connection.execute(text("SELECT count(*) FROM comments")).scalar()
        invitation_rows = connection.execute(
            text("SELECT count(*) FROM invitations WHERE token_hash IN :h").bindparams(
                bindparam("h", expanding=True)
            ),
            {"h": [hash_token(t) for t in tokens]},
        ).scalar()
    assert len(after) == 12
    assert len(set(after)) == 1
    assert not set(after) & set(before)
    assert invitation_rows == 0
    assert comments_xmin == 0


def test_unknown_and_used_tokens_look_the_same(hospital_db):
    (token,) = submit_many(hospital_db, 1)
    unknown = "U" * len(token)
    assert lookup_invitation(hospital_db, token) is None
    assert lookup_invitation(hospital_db, unknown) is None
    errors = []
    for candidate in (token, unknown):
        with pytest.raises(InvitationUnavailable) as info:
            submit_response(hospital_db, candidate, {}, "nl")
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]


def test_no_token_unit_or_answer_in_logs(hospital_db, tmp_path, caplog):
    db = hospital_db
    units = tmp_path / "units.csv"
    units.write_text("unit_id,parent_id,name\nWARD_ZX7Q,SURG,Ward Q\n", encoding="utf-8")
    import_units(db, units)
    (token,) = issue_invitations(db, HOSPITAL_SLUG, "WARD_ZX7Q", 1)
    definition = get_survey(db, HOSPITAL_SLUG)
    answers = {
        item.id: item.response_scale.points[n % 2] for n, item in enumerate(definition.items)
    }
    secret_comment = "QUOKKA-ZEBRA-4711"
    # An operator turns on every logger at DEBUG, SQLAlchemy's included.
    caplog.set_level(logging.DEBUG)
    for name in ("sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool", "surveys", "psycopg"):
        caplog.set_level(logging.DEBUG, logger=name)
    logging.getLogger("tests.probe").debug("capture works")
    lookup_invitation(db, token)
    submit_response(db, token, answers, "nl", {"dem_age": 2}, secret_comment)
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    caplog.set_level(logging.WARNING)
    with db.engine.connect() as connection:
        stored = connection.execute(text("SELECT answers FROM responses")).scalar()
    assert "capture works" in logged
    assert not db.engine.logger.isEnabledFor(logging.INFO)
    for secret in (token, hash_token(token), "WARD_ZX7Q", stored, secret_comment):
        assert secret not in logged
    assert count_responses(db, HOSPITAL_SLUG, HOSPITAL_WAVE, "WARD_ZX7Q") == 1


def test_ten_parallel_posts_with_one_token_store_exactly_one_response(hospital_db):
    db = hospital_db
    (token,) = issue_invitations(db, HOSPITAL_SLUG, "W2", 1)
    barrier = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def post() -> None:
        barrier.wait()
        try:
            submit_response(db, token, {"bel_mem_1": 4}, "nl")
            result = "stored"
        except InvitationUnavailable:
            result = "unavailable"
        except Exception as exc:  # anything else is a failure of the property
            result = f"error: {exc!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=post) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["stored"] + ["unavailable"] * 9
    assert count_responses(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 1
    assert sum(daily_counts(db, HOSPITAL_SLUG, HOSPITAL_WAVE).values()) == 1


# -- purge -----------------------------------------------------------------------------------


def _files(db, db_backend) -> list[Path]:
    """Files holding the responses and comments tables (SQLite: the database and its WAL)."""
    if db_backend == "sqlite":
        path = Path(db.engine.url.database)
        return [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    with db.engine.connect() as connection:
        connection.execute(text("CHECKPOINT"))  # write shared buffers out to the files
        base = connection.execute(text("SHOW data_directory")).scalar()
        relative = [
            connection.execute(text(f"SELECT pg_relation_filepath('{t}')")).scalar()
            for t in ("responses", "comments")
        ]
    return [Path(base) / r for r in relative]


def _contains(files: list[Path], needle: bytes) -> bool:
    return any(needle in f.read_bytes() for f in files if f.exists())


def test_purge_leaves_no_trace(hospital_db, db_backend):
    db = hospital_db
    definition = get_survey(db, HOSPITAL_SLUG)
    pattern = [5, 1, 4, 2, 3, 3, 2, 4, 1, 5] * 3
    answers = dict(zip(definition.item_ids, pattern, strict=False))
    stored_answers = "".join(map(str, pattern)).encode()
    comment = b"PANGOLIN-MARMOT-0815"
    tokens = issue_invitations(db, HOSPITAL_SLUG, "ICU", 3)
    for token in tokens:
        submit_response(db, token, answers, "en", None, comment.decode())
    close_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    try:
        before = _contains(_files(db, db_backend), comment)
    except PermissionError:
        before = None  # PostgreSQL's files are not readable: rely on the counts below
    if before is not None:
        assert before, "the test can see stored data in the files before the purge"
    report = purge(db, HOSPITAL_SLUG)
    assert report.waves == (HOSPITAL_WAVE,)
    assert (report.responses, report.comments, report.counters) == (3, 3, 1)
    assert count_responses(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == 0
    assert daily_counts(db, HOSPITAL_SLUG, HOSPITAL_WAVE) == {}
    with db.engine.connect() as connection:
        for table in ("responses", "comments", "daily_counts", "invitations", "spent_rights"):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
    if before is not None:
        files = _files(db, db_backend)  # VACUUM FULL writes new files on PostgreSQL
        assert files
        assert not _contains(files, comment)
        assert not _contains(files, stored_answers)


@pytest.mark.parametrize("db_backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
@pytest.mark.parametrize("wait", [0.0, None], ids=["no-wait", "default"])
def test_vacuum_waits_for_older_transactions_anywhere(hospital_db, db_backend, monkeypatch, wait):
    """A transaction older than the purge, even in another database, makes VACUUM FULL keep
    the deleted rows (its snapshot could still see them); so the vacuum waits for it to end.
    With the wait switched off, the rows are still in the file: the check can fail."""
    import psycopg

    import surveys.db
    from tests.conftest import _pg_conninfo

    if wait is not None:
        monkeypatch.setattr(surveys.db, "VACUUM_WAIT", wait)
    db = hospital_db
    comment = b"AARDVARK-OKAPI-2718"
    for token in issue_invitations(db, HOSPITAL_SLUG, "ICU", 2):
        submit_response(db, token, {"bel_mem_1": 2}, "en", None, comment.decode())
    close_wave(db, HOSPITAL_SLUG, HOSPITAL_WAVE)
    other = psycopg.connect(_pg_conninfo("postgres"))
    other.execute("SELECT txid_current()")  # an open transaction with an id, elsewhere
    timer = threading.Timer(1.0, other.rollback)
    started = time.perf_counter()
    timer.start()
    try:
        report = purge(db, HOSPITAL_SLUG)
        elapsed = time.perf_counter() - started
    finally:
        timer.join()
        other.close()
    assert report.comments == 2
    if wait is None:
        assert elapsed >= 0.9
    try:
        remains = _contains(_files(db, db_backend), comment)
    except PermissionError:  # the server's files are not readable here: timing only
        return
    assert remains == (wait is not None)
