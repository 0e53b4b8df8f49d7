"""Weak passwords are refused wherever a password is set, with the reason (issue 15: `user
add` accepted 12 spaces, which then signed in, ``aaaaaaaaaaaa`` and ``123456789012``)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from surveys import users as users_module
from surveys.errors import InputError
from surveys.users import add_user, authenticate, list_users, set_password

STRONG = "correct horse battery"
WEAK = [
    (" " * 12, "only spaces"),
    ("aaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess'),
    ("123456789012", "similar to a commonly used password"),
    ("password1234", "too easy to guess"),
    ("qwertyuiopas", "too easy to guess"),
    ("surgeon.anna2026", "too easy to guess"),  # the e-mail address itself
]


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "HASHER", PasswordHasher.from_parameters(CHEAPEST))


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_weak_passwords_are_refused_with_the_reason(hospital_db, password, reason):
    with pytest.raises(InputError, match="password") as refused:
        add_user(hospital_db, "surgeon.anna@example.org", "admin", password)
    assert reason in str(refused.value)
    assert list_users(hospital_db) == []


def test_twelve_spaces_never_sign_in(hospital_db):
    with pytest.raises(InputError):
        add_user(hospital_db, "x@example.org", "admin", " " * 12)
    assert authenticate(hospital_db, "x@example.org", " " * 12) is None


def test_a_password_change_is_checked_too(hospital_db):
    add_user(hospital_db, "x@example.org", "admin", STRONG)
    with pytest.raises(InputError, match="too easy to guess"):
        set_password(hospital_db, "x@example.org", "123456789012")
    assert authenticate(hospital_db, "x@example.org", STRONG) is not None


def test_a_strong_password_is_taken(hospital_db):
    info = add_user(hospital_db, "x@example.org", "admin", "violet lantern orbit")
    assert info.email == "x@example.org"


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "123456789012", " " * 12])
def test_samen_user_add_says_why(hospital_db, db_url, monkeypatch, password):
    from click.testing import CliRunner

    from webapp.cli import cli

    monkeypatch.setenv("SAMEN_DATABASE_URL", db_url)
    result = CliRunner().invoke(
        cli, ["user", "add", "x@example.org", "--role", "admin"], input=password + "\n"
    )
    assert result.exit_code == 2
    assert "password" in result.output and "Traceback" not in result.output
    assert list_users(hospital_db) == []


def test_long_passwords_are_judged_without_error(hospital_db):
    """zxcvbn refuses more than 72 characters; Samen judges the first 72 and takes up to 1024."""
    long_strong = "violet lantern orbit " * 40  # 840 characters
    add_user(hospital_db, "long@example.org", "admin", long_strong)
    assert authenticate(hospital_db, "long@example.org", long_strong) is not None
    with pytest.raises(InputError, match="too easy to guess"):
        add_user(hospital_db, "weak@example.org", "admin", "a" * 1000)
