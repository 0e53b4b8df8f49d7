"""Staff accounts: roles, password rules, slow hashes, API tokens, session keys."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users
from surveys.errors import InputError, NotFound, SamenError
from surveys.users import (
    MIN_PASSWORD,
    add_user,
    authenticate,
    get_user,
    issue_api_token,
    list_users,
    remove_user,
    revoke_api_token,
    set_password,
    user_for_session,
    user_for_token,
)

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with the cheapest parameters: the production profile costs ~0.5 s a hash."""
    monkeypatch.setattr(users, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


def test_migration_matches_the_model(db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect

    from surveys.models import Base

    assert "users" in inspect(db.engine).get_table_names()
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_add_and_authenticate(hospital_db):
    info = add_user(hospital_db, " Boss@Example.org ", "manager", PASSWORD, unit_code="SURG")
    assert (info.email, info.role, info.unit_code) == ("boss@example.org", "manager", "SURG")
    assert authenticate(hospital_db, "BOSS@example.org", PASSWORD) == info
    assert authenticate(hospital_db, "boss@example.org", PASSWORD + "x") is None
    assert authenticate(hospital_db, "nobody@example.org", PASSWORD) is None
    assert authenticate(hospital_db, "boss@example.org", "") is None
    assert get_user(hospital_db, "boss@example.org") == info
    assert [u.email for u in list_users(hospital_db)] == ["boss@example.org"]


def test_password_is_stored_as_argon2_hash(hospital_db):
    from sqlalchemy import select

    add_user(hospital_db, "a@example.org", "admin", PASSWORD)
    with hospital_db.session() as session:
        stored = session.scalar(select(users.User.password_hash))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    ("email", "role", "password", "unit", "error", "message"),
    [
        ("x@example.org", "manager", PASSWORD, None, InputError, "needs a unit"),
        ("x@example.org", "admin", PASSWORD, "SURG", InputError, "only managers"),
        ("x@example.org", "boss", PASSWORD, None, InputError, "role must be"),
        ("not-an-address", "admin", PASSWORD, None, InputError, "e-mail"),
        ("x@example.org", "admin", "a" * (MIN_PASSWORD - 1), None, InputError, "at least"),
        ("x@example.org", "manager", PASSWORD, "NOPE", NotFound, "no unit"),
    ],
)
def test_add_user_refuses(hospital_db, email, role, password, unit, error, message):
    with pytest.raises(error, match=message):
        add_user(hospital_db, email, role, password, unit_code=unit)
    assert list_users(hospital_db) == []


def test_duplicate_account_is_refused(hospital_db):
    add_user(hospital_db, "a@example.org", "admin", PASSWORD)
    with pytest.raises(SamenError, match="exists already"):
        add_user(hospital_db, "A@example.org", "researcher", PASSWORD)


def test_api_token_is_random_hashed_and_replaced(hospital_db):
    from sqlalchemy import select

    add_user(hospital_db, "r@example.org", "researcher", PASSWORD)
    first = issue_api_token(hospital_db, "r@example.org")
    assert first.startswith("samen_") and len(first) >= 6 + 43  # 256 bits, base64url
    assert user_for_token(hospital_db, first).email == "r@example.org"
    with hospital_db.session() as session:
        stored = session.scalar(select(users.User.token_hash))
    assert first not in stored and len(stored) == 64
    second = issue_api_token(hospital_db, "r@example.org")
    assert second != first
    assert user_for_token(hospital_db, first) is None
    assert user_for_token(hospital_db, second).role == "researcher"
    revoke_api_token(hospital_db, "r@example.org")
    assert user_for_token(hospital_db, second) is None
    assert user_for_token(hospital_db, "") is None
    with pytest.raises(NotFound):
        issue_api_token(hospital_db, "nobody@example.org")


def test_password_change_ends_sessions(hospital_db):
    info = add_user(hospital_db, "a@example.org", "admin", PASSWORD)
    assert user_for_session(hospital_db, info.session_key) == info
    set_password(hospital_db, "a@example.org", PASSWORD + "!")
    assert user_for_session(hospital_db, info.session_key) is None
    assert authenticate(hospital_db, "a@example.org", PASSWORD) is None
    assert authenticate(hospital_db, "a@example.org", PASSWORD + "!") is not None


def test_remove_user(hospital_db):
    info = add_user(hospital_db, "a@example.org", "admin", PASSWORD)
    token = issue_api_token(hospital_db, "a@example.org")
    remove_user(hospital_db, "a@example.org")
    assert user_for_session(hospital_db, info.session_key) is None
    assert user_for_token(hospital_db, token) is None
    with pytest.raises(NotFound):
        remove_user(hospital_db, "a@example.org")


def test_outdated_hash_is_upgraded(hospital_db, monkeypatch):
    from sqlalchemy import select

    add_user(hospital_db, "a@example.org", "admin", PASSWORD)
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(users, "HASHER", stronger)
    assert authenticate(hospital_db, "a@example.org", PASSWORD) is not None
    with hospital_db.session() as session:
        stored = session.scalar(select(users.User.password_hash))
    assert not stronger.check_needs_rehash(stored)
