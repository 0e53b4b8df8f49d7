"""One-time links to set a staff password: for a new account, or one whose password is lost.

An admin asks for a link (:func:`issue_reset`); the token is 256 random bits from
:mod:`secrets`, returned once (shown to the admin to pass on, or mailed) and stored only as
its SHA-256, with an expiry. Using it (:func:`use_reset`) claims (deletes) its row, then sets
the password through :func:`surveys.users.set_password` -- the account service's own rules,
which also end every session of the account; a password the rules refuse puts the row back,
so nothing is half-done and a link works once. Asking for a new link withdraws the
account's earlier ones; removing the account removes its links (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import DateTime, ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from surveys._common import hash_token
from surveys.db import Database
from surveys.errors import InputError, SamenError
from surveys.models import Base
from surveys.users import User, set_password

__all__ = [
    "DEFAULT_HOURS",
    "RESET_PREFIX",
    "PasswordReset",
    "ResetLink",
    "issue_reset",
    "reset_account",
    "use_reset",
]

#: How long a link works unless the caller says otherwise (hours).
DEFAULT_HOURS = 72
RESET_PREFIX = "reset_"
MAX_TOKEN = 128


class PasswordReset(Base):
    """An unused link to set an account's password: only the token's SHA-256 and its expiry."""

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


@dataclass(frozen=True)
class ResetLink:
    """A new link's token (shown once) and until when it works (UTC)."""

    email: str
    token: str
    expires_at: dt.datetime


def _now() -> dt.datetime:
    """The current UTC time without a zone (how ``expires_at`` is stored)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def issue_reset(db: Database, email: str, hours: float = DEFAULT_HOURS) -> ResetLink:
    """A new one-time link for ``email``, withdrawing the account's earlier links.

    Raises
    ------
    InputError
        ``hours`` is not between 0 and 30 days.
    NotFound
        No account ``email`` (the message of :func:`surveys.users.get_user`).
    """
    if not 0 < hours <= 24 * 30:
        raise InputError(f"a link works from 1 hour to 30 days, got {hours!r} hours")
    address = (email or "").strip().lower()
    token = RESET_PREFIX + secrets.token_urlsafe(32)
    expires = _now() + dt.timedelta(hours=hours)
    with db.session(write=True) as session:
        user = session.scalar(select(User).where(User.email == address))
        if user is None:
            raise SamenError(f"no account {email!r}; add it with `samen user add`")
        session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
        row = PasswordReset(token_hash=hash_token(token), user_id=user.id, expires_at=expires)
        session.add(row)
        return ResetLink(user.email, token, expires)


def reset_account(db: Database, token: str) -> str | None:
    """The e-mail address a valid, unexpired link is for, or None (unknown, used, expired)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    with db.session() as session:
        row = session.scalar(
            select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
        )
        if row is None or row.expires_at <= _now():
            return None
        return session.scalar(select(User.email).where(User.id == row.user_id))


def use_reset(db: Database, token: str, password: str) -> str:
    """Set the password of the link's account and withdraw the link; return the address.

    The password passes the account service's rules (:func:`surveys.users.set_password`;
    its InputError names the rule). A link that is unknown, used or expired raises
    SamenError, and changes nothing.
    """
    email = reset_account(db, token)
    if email is None:
        raise SamenError("this link is unknown, used or expired; ask an admin for a new one")
    with db.session(write=True) as session:  # claim the link: one of two racing uses wins
        row = session.get(PasswordReset, hash_token(token))
        if row is None:
            raise SamenError("this link is unknown, used or expired; ask an admin for a new one")
        claimed = (row.user_id, row.expires_at)
        session.delete(row)
    try:
        set_password(db, email, password)
    except SamenError:  # a password the rules refuse: the link works again, nothing changed
        with db.session(write=True) as session:
            session.add(
                PasswordReset(
                    token_hash=hash_token(token), user_id=claimed[0], expires_at=claimed[1]
                )
            )
        raise
    return email
