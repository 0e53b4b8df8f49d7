"""Slowing down password guessing on the sign-in form.

The rule: after :data:`MAX_FAILURES_PER_ACCOUNT` wrong passwords for one e-mail address (from
any address) or :data:`MAX_FAILURES_PER_ADDRESS` from one client address (for any e-mail
address) within :data:`WINDOW_MINUTES` minutes, that e-mail address or client address may not
try again for :data:`WINDOW_MINUTES` minutes; the sign-in form then answers 429 with one
message. The count is kept per typed e-mail address whether or not an account exists, so the
refusal says nothing about which accounts exist; during the pause even the right password is
refused (and no password is checked). A successful sign-in clears its e-mail address's count,
not its client address's. API bearer tokens never pass through here.

Attempts are counted *before* the password is checked (each attempt is written, then counted,
then checked), so a burst of parallel guesses gets at most the limit of password checks; a
successful sign-in takes its attempt back and clears its e-mail address's count.

**Where the counts live.** In the database by default (:class:`~webapp.auth.stores.
DatabaseStore`), so every gunicorn worker and every machine behind one database sees the same
counts and a restart forgets nothing; in Redis when ``SAMEN_REDIS_URL`` is set
(:class:`~webapp.auth.stores.RedisStore`); in memory with ``SAMEN_LOGIN_STORE=memory``
(one process only). The limits and the messages are the same in all three.

Why not Flask-Limiter itself: it limits *requests per window*; this is a *lockout after
failures* (a fixed pause from the attempt that crossed the line), it has no SQL store, and it
logs every breach with its key (an e-mail or client address) and a time; Samen logs neither.

**Privacy.** E-mail and client addresses are kept only as HMACs under a key derived from the
secret key (so all workers agree), with the times of recent attempts, for at most the window
(plus the pause); nothing is logged. Behind a reverse proxy every client has the proxy's
address unless ``SAMEN_TRUSTED_PROXIES`` is set (see :mod:`webapp.config`); without it the
per-address limit counts all clients together.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from webapp.auth.stores import MemoryStore, ThrottleStore

__all__ = [
    "MAX_FAILURES_PER_ACCOUNT",
    "MAX_FAILURES_PER_ADDRESS",
    "WINDOW_MINUTES",
    "LoginThrottle",
    "Ticket",
]

#: Wrong passwords for one e-mail address within the window before it is paused.
MAX_FAILURES_PER_ACCOUNT = 5
#: Wrong passwords from one client address within the window before it is paused.
MAX_FAILURES_PER_ADDRESS = 20
#: The window in which failures count, and the length of the pause, in minutes.
WINDOW_MINUTES = 15


@dataclass(frozen=True)
class Ticket:
    """An attempt that may check a password: what to take back if it succeeds."""

    account: tuple[str, Any]
    address: tuple[str, Any] | None
    paused_address: bool


class LoginThrottle:
    """Counts of recent sign-in attempts per e-mail address and per client address.

    Parameters
    ----------
    per_account, per_address
        Attempts within ``window`` seconds that pause an e-mail address or a client address.
    window
        Seconds in which attempts count; also the length of the pause.
    clock
        Seconds on the wall clock (default :func:`time.time`, the same in every worker);
        tests replace it.
    store
        Where counts live (default: a :class:`~webapp.auth.stores.MemoryStore`).
    key
        The HMAC key for e-mail and client addresses (default: random, this process only).
    """

    def __init__(
        self,
        per_account: int = MAX_FAILURES_PER_ACCOUNT,
        per_address: int = MAX_FAILURES_PER_ADDRESS,
        window: float = WINDOW_MINUTES * 60,
        clock: Callable[[], float] = time.time,
        store: ThrottleStore | None = None,
        key: bytes | None = None,
    ) -> None:
        if per_account < 1 or per_address < 1:
            raise ValueError("per_account and per_address must be at least 1")
        if window <= 0:
            raise ValueError(f"window must be positive, got {window!r}")
        self.per_account = per_account
        self.per_address = per_address
        self.window = float(window)
        self.clock = clock
        self.store: ThrottleStore = store if store is not None else MemoryStore()
        self._key = key if key is not None else secrets.token_bytes(32)

    def _keys(self, email: str, address: str | None) -> list[tuple[str, int]]:
        account = (email or "").strip().lower()
        keys = [(self._digest(b"account", account), self.per_account)]
        if address:
            keys.append((self._digest(b"address", address), self.per_address))
        return keys

    def _digest(self, kind: bytes, value: str) -> str:
        message = kind + b"\0" + value.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def retry_after(self, email: str, address: str | None) -> int | None:
        """Seconds until ``email`` from ``address`` may try again, or None when it may now."""
        now = self.clock()
        until = self.store.paused_until([k for k, _ in self._keys(email, address)], now)
        return max(1, math.ceil(until - now)) if until is not None else None

    def attempt(self, email: str, address: str | None) -> Ticket | int:
        """Count an attempt *before* its password is checked.

        Returns the seconds to wait when the attempt is refused (no password may be checked),
        else a :class:`Ticket` for :meth:`succeeded`. A wrong password needs nothing more:
        the attempt was counted already. The attempt that reaches a limit is still checked;
        it starts the pause.
        """
        wait = self.retry_after(email, address)
        if wait is not None:
            return wait
        now = self.clock()
        horizon = now - self.window
        recorded: list[tuple[str, Any]] = []
        crossed: list[str] = []
        refused = False
        for key, limit in self._keys(email, address):
            count, handle = self.store.record(key, now, horizon)
            recorded.append((key, handle))
            if count >= limit:  # in a burst, no attempt may see exactly the limit
                self.store.pause(key, now + self.window)
                crossed.append(key)
            if count > limit:  # a parallel attempt got there first
                refused = True
        if refused:
            for key, handle in recorded:  # never checked: not counted
                self.store.forgive(key, handle)
            return max(1, math.ceil(self.window))
        address_record = recorded[1] if len(recorded) > 1 else None
        return Ticket(
            recorded[0],
            address_record,
            address_record is not None and address_record[0] in crossed,
        )

    def failed(self, email: str, address: str | None) -> None:
        """Count a wrong password (an attempt nobody will take back)."""
        self.attempt(email, address)

    def succeeded(self, email: str, ticket: Ticket | None = None) -> None:
        """Forget the attempts of ``email`` after a successful sign-in, and take the
        ticket's attempt back from its client address."""
        self.store.forget(self._keys(email, None)[0][0])
        if ticket is not None and ticket.address is not None:
            key, handle = ticket.address
            self.store.forgive(key, handle)
            if ticket.paused_address:  # this very success started the address's pause
                self.store.forget(key)
