"""One-time links to set a staff password: hashed, expiring, single use, withdrawn by a new
link or by removing the account, and refused passwords leave the link working."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from sqlalchemy import select

from surveys import password_resets as resets
from surveys import users as users_module
from surveys.errors import InputError, SamenError
from surveys.password_resets import PasswordReset, issue_reset, reset_account, use_reset
from surveys.users import add_user, authenticate, get_user, remove_user

OLD = "an old password here"
NEW = "a brand new password"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture
def account(db):
    add_user(db, "ria@example.org", "researcher", OLD)
    return db


def test_only_the_hash_is_stored_and_the_link_sets_the_password_once(account):
    db = account
    link = issue_reset(db, "Ria@Example.org")
    assert link.email == "ria@example.org" and link.token.startswith("reset_")
    with db.session() as session:
        stored = session.scalars(select(PasswordReset.token_hash)).all()
    assert len(stored) == 1 and link.token not in stored[0] and len(stored[0]) == 64
    key_before = get_user(db, "ria@example.org").session_key
    assert reset_account(db, link.token) == "ria@example.org"
    assert use_reset(db, link.token, NEW) == "ria@example.org"
    assert authenticate(db, "ria@example.org", NEW) is not None
    assert authenticate(db, "ria@example.org", OLD) is None
    assert get_user(db, "ria@example.org").session_key != key_before  # sessions ended
    assert reset_account(db, link.token) is None
    with pytest.raises(SamenError, match="unknown, used or expired"):
        use_reset(db, link.token, "yet another password")


def test_a_refused_password_changes_nothing_and_keeps_the_link(account):
    db = account
    link = issue_reset(db, "ria@example.org")
    with pytest.raises(InputError, match="at least 12 characters"):
        use_reset(db, link.token, "short")
    assert authenticate(db, "ria@example.org", OLD) is not None
    assert use_reset(db, link.token, NEW) == "ria@example.org"


def test_expired_links_do_not_work(account, monkeypatch):
    db = account
    link = issue_reset(db, "ria@example.org", hours=1)
    later = link.expires_at + dt.timedelta(seconds=1)
    monkeypatch.setattr(resets, "_now", lambda: later)
    assert reset_account(db, link.token) is None
    with pytest.raises(SamenError):
        use_reset(db, link.token, NEW)
    assert authenticate(db, "ria@example.org", OLD) is not None


def test_a_new_link_withdraws_the_old_and_removal_withdraws_all(account):
    db = account
    first = issue_reset(db, "ria@example.org")
    second = issue_reset(db, "ria@example.org")
    assert reset_account(db, first.token) is None
    assert reset_account(db, second.token) == "ria@example.org"
    remove_user(db, "ria@example.org")
    assert reset_account(db, second.token) is None
    with db.session() as session:
        assert session.scalars(select(PasswordReset)).all() == []


@pytest.mark.parametrize("hours", [0, -1, 24 * 31])
def test_meaningless_lifetimes_and_unknown_accounts_are_refused(account, hours):
    with pytest.raises(InputError, match="from 1 hour to 30 days"):
        issue_reset(account, "ria@example.org", hours=hours)
    with pytest.raises(SamenError, match="no account"):
        issue_reset(account, "nobody@example.org")
