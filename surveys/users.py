"""Staff accounts: admins, managers and researchers, their passwords and API tokens.

Roles (DESIGN.md, "Who uses it"):

- ``admin``: every survey and every unit of the installation;
- ``manager``: one unit and everything below it (plus its parent and the organisation as
  comparison figures, as disclosure control allows);
- ``researcher``: exports and psychometric reports; result views for every unit, always
  through the same disclosure control (nothing below k).

Accounts belong to the installation, not to one survey. Passwords are stored as Argon2id
hashes (a slow, salted hash), are at least :data:`MIN_PASSWORD` characters and must be hard
to guess (zxcvbn score at least :data:`MIN_STRENGTH`; the refusal says why). Every place a
password is set (``samen user add``, a password change, the admin console) goes through
:func:`add_user` or :func:`set_password`, so through that check. An API token
is 256 random bits from :mod:`secrets`, shown once; only its SHA-256 is stored (a fast hash is
enough for a random secret of that length) and issuing a new one replaces the old.
``session_key`` is a random value that names the account in a login session: changing the
password or removing the account changes it, which ends every session of the account.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from surveys._common import hash_token, unit_row
from surveys.db import Database
from surveys.errors import InputError, NotFound, SamenError
from surveys.models import Base, Unit

__all__ = [
    "MIN_PASSWORD",
    "MIN_STRENGTH",
    "PASSWORD_CHECKS",
    "ROLES",
    "TOKEN_PREFIX",
    "Busy",
    "Role",
    "User",
    "UserInfo",
    "add_user",
    "authenticate",
    "end_sessions",
    "get_user",
    "issue_api_token",
    "limit_password_checks",
    "list_users",
    "remove_user",
    "revoke_api_token",
    "set_password",
    "user_for_session",
    "user_for_token",
]

Role = Literal["admin", "manager", "researcher", "council"]
ROLES: tuple[str, ...] = ("admin", "manager", "researcher", "council")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
TOKEN_PREFIX = "samen_"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

#: The password hasher (argon2-cffi's RFC 9106 low-memory profile). Tests may swap in a
#: cheaper one; production never should.
HASHER = PasswordHasher()

#: Password hashes (checks and new ones) running at once in this process: each takes 64 MiB,
#: so a burst of guesses must queue, not grow the worker by a gigabyte.
MAX_CONCURRENT_CHECKS = 2
#: Seconds a sign-in waits for its turn before it is answered "busy".
CHECK_WAIT_SECONDS = 10.0
PASSWORD_CHECKS = threading.BoundedSemaphore(MAX_CONCURRENT_CHECKS)


class Busy(SamenError):
    """Too many password checks at once in this process; try again in a moment."""


def limit_password_checks(limit: int) -> None:
    """Allow at most ``limit`` password hashes at once in this process."""
    global PASSWORD_CHECKS
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit!r}")
    PASSWORD_CHECKS = threading.BoundedSemaphore(limit)


@contextmanager
def _password_check() -> Iterator[None]:
    semaphore = PASSWORD_CHECKS
    if not semaphore.acquire(timeout=CHECK_WAIT_SECONDS):
        raise Busy("too many sign-ins at once; try again in a moment")
    try:
        yield
    finally:
        semaphore.release()


def _hash(password: str) -> str:
    with _password_check():
        return HASHER.hash(password)


class User(Base):
    """A staff account. No login times or addresses are stored."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    session_key: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


@dataclass(frozen=True)
class UserInfo:
    """A staff account as the web application sees it (no secrets)."""

    email: str
    role: str
    unit_code: str | None
    session_key: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _normalise_email(email: str) -> str:
    value = (email or "").strip().lower()
    if len(value) > 254 or not EMAIL.fullmatch(value):
        raise InputError(f"{email!r} is not an e-mail address")
    return value


#: zxcvbn's score (0-4) a password needs: 3 is "safely unguessable: moderate protection from
#: an offline slow-hash scenario" (about 10^10 guesses), which Argon2 makes.
MIN_STRENGTH = 3
#: zxcvbn reads at most this many characters (it refuses longer ones; its time grows with length).
STRENGTH_PREFIX = 72


def _check_password(password: str, email: str = "") -> str:
    """``password`` when it is long enough and hard enough to guess; else InputError why."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InputError(f"the password must have at most {MAX_PASSWORD} characters")
    if not password.strip():
        raise InputError("the password is only spaces; choose one that is hard to guess")
    from zxcvbn import zxcvbn

    address = (email or "").strip().lower()
    words = [address, address.partition("@")[0]]
    words += [part for part in re.split(r"[@.+_-]", address) if len(part) > 2]
    estimate = zxcvbn(password[:STRENGTH_PREFIX], user_inputs=[*words, "samen"])
    if estimate["score"] < MIN_STRENGTH:
        feedback = estimate.get("feedback") or {}
        why = " ".join(
            part.strip()
            for part in [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
            if part and part.strip()
        )
        raise InputError(
            "the password is too easy to guess"
            + (f": {why}" if why else "")
            + " A few uncommon words together make a strong password."
        )
    return password


def _info(session: Session, user: User) -> UserInfo:
    code = None
    if user.unit_id is not None:
        code = session.scalar(select(Unit.code).where(Unit.id == user.unit_id))
    return UserInfo(user.email, user.role, code, user.session_key)


def _row(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise NotFound(f"no account {email!r}; add it with `samen user add`")
    return user


def add_user(
    db: Database, email: str, role: str, password: str, unit_code: str | None = None
) -> UserInfo:
    """Create an account.

    Raises
    ------
    InputError
        Invalid e-mail address, unknown role, a password shorter than :data:`MIN_PASSWORD` or
        easy to guess,
        a manager without a unit, or a unit for another role.
    NotFound
        ``unit_code`` names no unit.
    SamenError
        An account with this e-mail address exists.
    """
    address = _normalise_email(email)
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if role == "manager" and not unit_code:
        raise InputError("a manager needs a unit (--unit UNIT)")
    if role != "manager" and unit_code:
        raise InputError(f"only managers have a unit; a {role} sees every unit")
    password_hash = _hash(_check_password(password, address))
    with db.session(write=True) as session:
        unit_id = unit_row(session, unit_code).id if unit_code else None
        if session.scalar(select(User.id).where(User.email == address)) is not None:
            raise SamenError(f"an account {address!r} exists already")
        user = User(
            email=address,
            role=role,
            unit_id=unit_id,
            password_hash=password_hash,
            session_key=secrets.token_urlsafe(24),
        )
        session.add(user)
        session.flush()
        return _info(session, user)


def get_user(db: Database, email: str) -> UserInfo:
    """The account ``email`` (NotFound when there is none)."""
    with db.session() as session:
        return _info(session, _row(session, email))


def list_users(db: Database) -> list[UserInfo]:
    """Every account, by e-mail address."""
    with db.session() as session:
        users = session.scalars(select(User).order_by(User.email)).all()
        return [_info(session, user) for user in users]


def set_password(db: Database, email: str, password: str) -> None:
    """Set a new password (refused when weak); every login session of the account ends."""
    password_hash = _hash(_check_password(password, email))
    with db.session(write=True) as session:
        user = _row(session, email)
        user.password_hash = password_hash
        user.session_key = secrets.token_urlsafe(24)


def end_sessions(db: Database, email: str) -> None:
    """End every login session of ``email`` on the server side (signing out does this).

    The session key is the account's session generation: every session cookie names it, and
    a new one makes every cookie issued before, on any device, name no account.
    """
    with db.session(write=True) as session:
        user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
        if user is not None:
            user.session_key = secrets.token_urlsafe(24)


def remove_user(db: Database, email: str) -> None:
    """Delete an account (its sessions and token stop working at once)."""
    with db.session(write=True) as session:
        user = _row(session, email)
        session.execute(delete(User).where(User.id == user.id))


_DUMMY: dict[PasswordHasher, str] = {}


def _dummy_hash() -> str:
    """A hash of a random password, made with the current hasher (for unknown accounts)."""
    if HASHER not in _DUMMY:
        _DUMMY[HASHER] = HASHER.hash(secrets.token_urlsafe(16))
    return _DUMMY[HASHER]


def authenticate(db: Database, email: str, password: str) -> UserInfo | None:
    """The account when ``password`` is right, else None (unknown and wrong look alike).

    An unknown address costs a hash verification too, so timing does not tell whether an
    account exists. A hash made with older parameters is upgraded on success. At most
    :data:`PASSWORD_CHECKS` verifications run at once; :class:`Busy` when the wait is too long.
    """
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD:
        return None
    address = (email or "").strip().lower()
    with db.session() as session:
        user = session.scalar(select(User).where(User.email == address))
        stored = user.password_hash if user is not None else _dummy_hash()
    try:
        with _password_check():
            HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if HASHER.check_needs_rehash(stored):
        new_hash = _hash(password)
        with db.session(write=True) as session:
            row = session.get(User, user.id)
            if row is not None and row.password_hash == stored:
                row.password_hash = new_hash
    with db.session() as session:
        row = session.get(User, user.id)
        return _info(session, row) if row is not None else None


def issue_api_token(db: Database, email: str) -> str:
    """A new personal API token for ``email``, replacing any earlier one.

    The token is returned once (print it); only its SHA-256 is stored.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.session(write=True) as session:
        user = _row(session, email)
        user.token_hash = hash_token(token)
    return token


def revoke_api_token(db: Database, email: str) -> None:
    """Withdraw the API token of ``email`` (no-op when it has none)."""
    with db.session(write=True) as session:
        _row(session, email).token_hash = None


def user_for_token(db: Database, token: str) -> UserInfo | None:
    """The account whose API token is ``token``, or None."""
    if not token or len(token) > 200:
        return None
    with db.session() as session:
        user = session.scalar(select(User).where(User.token_hash == hash_token(token)))
        return _info(session, user) if user is not None else None


def user_for_session(db: Database, session_key: str) -> UserInfo | None:
    """The account a login session names (Flask-Login's user id), or None."""
    if not session_key or len(session_key) > 64:
        return None
    with db.session() as session:
        user = session.scalar(select(User).where(User.session_key == session_key))
        return _info(session, user) if user is not None else None
