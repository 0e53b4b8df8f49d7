"""Slowing down password guessing on the sign-in form.

The rule: after :data:`MAX_FAILURES_PER_ACCOUNT` wrong passwords for one e-mail address (from
any address) or :data:`MAX_FAILURES_PER_ADDRESS` from one client address (for any e-mail
address) within :data:`WINDOW_MINUTES` minutes, that e-mail address or client address may not
try again for :data:`WINDOW_MINUTES` minutes; the sign-in form then answers 429 with one
message. The count is kept per typed e-mail address whether or not an account exists, so the
refusal says nothing about which accounts exist; during the pause even the right password is
refused (and no password is checked). A successful sign-in clears its e-mail address's count,
not its client address's. API bearer tokens never pass through here.

Why a small store in memory and not Flask-Limiter (4.x installs fine):

- Flask-Limiter limits *requests per window*; this is a *lockout after failures* (counted after
  the password check, refused before it, for a fixed time from the failure that crossed the
  line). Its ``deduct_when`` can count only failures, but its windows do not give that pause.
- Its stores are memory, Redis, Memcached and MongoDB. Samen runs on SQLite or PostgreSQL and
  nothing else, so it would have been an in-memory store there too, plus a dependency.
- It logs every breach with its key (here an e-mail or client address) and a time; Samen logs
  neither.
- The tests need a clock they control (:attr:`LoginThrottle.clock`), not sleeps.

**Per process.** Each gunicorn worker keeps its own counts, so with ``--workers 4`` a guesser
may get up to four times the limits per window (requests spread over the workers). That still
turns millions of guesses into a few hundred a day per account. A restart forgets all counts.
A shared store (a table in the database) would make the limits exact across workers.

**Privacy.** E-mail and client addresses are kept only as HMACs under a random key made when
the process starts, with the times of recent failures, in memory, for at most the window (plus
the pause); nothing is written to disk or logged. Behind a reverse proxy every client has the
proxy's address unless ``SAMEN_TRUSTED_PROXIES`` is set (see :mod:`webapp.config`); without
it the per-address limit counts all clients together.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "MAX_FAILURES_PER_ACCOUNT",
    "MAX_FAILURES_PER_ADDRESS",
    "WINDOW_MINUTES",
    "LoginThrottle",
]

#: Wrong passwords for one e-mail address within the window before it is paused.
MAX_FAILURES_PER_ACCOUNT = 5
#: Wrong passwords from one client address within the window before it is paused.
MAX_FAILURES_PER_ADDRESS = 20
#: The window in which failures count, and the length of the pause, in minutes.
WINDOW_MINUTES = 15
#: Records kept at most; beyond this, records that hold no pause are dropped first.
MAX_RECORDS = 20_000


@dataclass
class _Record:
    failures: deque[float] = field(default_factory=deque)
    paused_until: float = -math.inf


class LoginThrottle:
    """Counts of recent sign-in failures per e-mail address and per client address.

    Parameters
    ----------
    per_account, per_address
        Failures within ``window`` seconds that pause an e-mail address or a client address.
    window
        Seconds in which failures count; also the length of the pause.
    clock
        Seconds on a monotonic clock (default :func:`time.monotonic`); tests replace it.
    """

    def __init__(
        self,
        per_account: int = MAX_FAILURES_PER_ACCOUNT,
        per_address: int = MAX_FAILURES_PER_ADDRESS,
        window: float = WINDOW_MINUTES * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_account < 1 or per_address < 1:
            raise ValueError("per_account and per_address must be at least 1")
        if window <= 0:
            raise ValueError(f"window must be positive, got {window!r}")
        self.per_account = per_account
        self.per_address = per_address
        self.window = float(window)
        self.clock = clock
        self._key = secrets.token_bytes(32)
        self._records: dict[bytes, _Record] = {}
        self._lock = threading.Lock()

    def _keys(self, email: str, address: str | None) -> list[tuple[bytes, int]]:
        account = (email or "").strip().lower()
        keys = [(self._digest(b"account", account), self.per_account)]
        if address:
            keys.append((self._digest(b"address", address), self.per_address))
        return keys

    def _digest(self, kind: bytes, value: str) -> bytes:
        message = kind + b"\0" + value.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def retry_after(self, email: str, address: str | None) -> int | None:
        """Seconds until ``email`` from ``address`` may try again, or None when it may now."""
        now = self.clock()
        with self._lock:
            waits = [
                record.paused_until - now
                for key, _limit in self._keys(email, address)
                if (record := self._records.get(key)) is not None and record.paused_until > now
            ]
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, email: str, address: str | None) -> None:
        """Count a wrong password; pause the e-mail or client address that reaches its limit."""
        now = self.clock()
        with self._lock:
            for key, limit in self._keys(email, address):
                record = self._records.get(key)
                if record is None:
                    self._make_room(now)
                    record = self._records[key] = _Record()
                failures = record.failures
                while failures and failures[0] <= now - self.window:
                    failures.popleft()
                failures.append(now)
                if len(failures) >= limit:
                    record.paused_until = now + self.window
                    failures.clear()

    def succeeded(self, email: str) -> None:
        """Forget the failures of ``email`` after a successful sign-in."""
        key, _limit = self._keys(email, None)[0]
        with self._lock:
            self._records.pop(key, None)

    def _make_room(self, now: float) -> None:
        if len(self._records) < MAX_RECORDS:
            return
        horizon = now - self.window
        for key in [
            key
            for key, record in self._records.items()
            if record.paused_until <= now
            and (not record.failures or record.failures[-1] <= horizon)
        ]:
            del self._records[key]
        if len(self._records) >= MAX_RECORDS:  # many addresses at once: drop the oldest unpaused
            for key in [k for k, r in self._records.items() if r.paused_until <= now][
                : len(self._records) - MAX_RECORDS + 1
            ]:
                del self._records[key]
