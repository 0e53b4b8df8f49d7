"""Where the sign-in throttle keeps its counts: the database (default), Redis, or memory.

Every store offers the same five operations on opaque keys (HMACs made by
:class:`webapp.auth.throttle.LoginThrottle`) and times (seconds, from the throttle's clock):

- ``record(key, now, horizon) -> (count, handle)``: write an attempt, then count the key's
  attempts newer than ``horizon``, this one included. The write is visible to every other
  worker before the count, so of a burst of attempts at most ``limit`` see a count within
  the limit;
- ``forgive(key, handle)``: take one attempt back;
- ``pause(key, until)``, ``paused_until(keys, now)`` and ``forget(key)``.

:class:`DatabaseStore` uses the database Samen already has (tables ``signin_failures`` and
``signin_pauses``); :class:`RedisStore` a Redis server (``SAMEN_REDIS_URL``), the same store
Flask-Limiter would use; :class:`MemoryStore` one process only (``SAMEN_LOGIN_STORE=memory``,
for a single-process ``samen serve``).
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Iterable
from typing import Any, Protocol

from surveys.db import Database

__all__ = ["DatabaseStore", "MemoryStore", "RedisStore", "ThrottleStore"]

#: Keys kept at most by :class:`MemoryStore`; beyond this the oldest unpaused are dropped.
MAX_RECORDS = 20_000
#: Seconds after which Redis drops a pause key (longer than any sensible pause).
PAUSE_EXPIRY = 86_400


class ThrottleStore(Protocol):
    def record(self, key: str, now: float, horizon: float) -> tuple[int, Any]: ...

    def forgive(self, key: str, handle: Any) -> None: ...

    def pause(self, key: str, until: float) -> None: ...

    def paused_until(self, keys: Iterable[str], now: float) -> float | None: ...

    def forget(self, key: str) -> None: ...


class MemoryStore:
    """Counts in this process only (each gunicorn worker would count on its own)."""

    def __init__(self) -> None:
        self._attempts: dict[str, dict[int, float]] = {}
        self._pauses: dict[str, float] = {}
        self._lock = threading.Lock()
        self._next = 0

    def record(self, key: str, now: float, horizon: float) -> tuple[int, int]:
        with self._lock:
            if key not in self._attempts and len(self._attempts) >= MAX_RECORDS:
                self._make_room(now, horizon)
            attempts = self._attempts.setdefault(key, {})
            for handle in [h for h, at in attempts.items() if at <= horizon]:
                del attempts[handle]
            self._next += 1
            attempts[self._next] = now
            return len(attempts), self._next

    def _make_room(self, now: float, horizon: float) -> None:
        for key in [k for k, v in self._attempts.items() if not v or max(v.values()) <= horizon]:
            del self._attempts[key]
        for key in [k for k, until in self._pauses.items() if until <= now]:
            del self._pauses[key]
        excess = len(self._attempts) - MAX_RECORDS + 1
        for key in [k for k in self._attempts if k not in self._pauses][: max(excess, 0)]:
            del self._attempts[key]

    def forgive(self, key: str, handle: Any) -> None:
        with self._lock:
            self._attempts.get(key, {}).pop(handle, None)

    def pause(self, key: str, until: float) -> None:
        with self._lock:
            self._pauses[key] = max(until, self._pauses.get(key, -math.inf))

    def paused_until(self, keys: Iterable[str], now: float) -> float | None:
        with self._lock:
            running = [u for k in keys if (u := self._pauses.get(k, -math.inf)) > now]
        return max(running) if running else None

    def forget(self, key: str) -> None:
        with self._lock:
            self._attempts.pop(key, None)
            self._pauses.pop(key, None)


class DatabaseStore:
    """Counts in the application's database (:mod:`surveys.signin_limits`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, key: str, now: float, horizon: float) -> tuple[int, int]:
        from surveys.signin_limits import record_attempt

        return record_attempt(self.db, key, now, horizon)

    def forgive(self, key: str, handle: Any) -> None:
        from surveys.signin_limits import forgive

        forgive(self.db, int(handle))

    def pause(self, key: str, until: float) -> None:
        from surveys.signin_limits import pause

        pause(self.db, key, until)

    def paused_until(self, keys: Iterable[str], now: float) -> float | None:
        from surveys.signin_limits import paused_until

        return paused_until(self.db, keys, now)

    def forget(self, key: str) -> None:
        from surveys.signin_limits import forget

        forget(self.db, key)


class RedisStore:
    """Counts in Redis: a sorted set of attempt times per key, a plain key per pause.

    Parameters
    ----------
    client
        A ``redis.Redis`` (or compatible) client, e.g. ``redis.Redis.from_url(url)``.
    prefix
        Prepended to every Redis key.
    """

    def __init__(self, client: Any, prefix: str = "samen:signin:") -> None:
        self.client = client
        self.prefix = prefix

    def record(self, key: str, now: float, horizon: float) -> tuple[int, str]:
        name = self.prefix + "a:" + key
        handle = secrets.token_hex(8)
        pipe = self.client.pipeline(transaction=True)
        pipe.zremrangebyscore(name, "-inf", horizon)
        pipe.zadd(name, {handle: now})
        pipe.zcount(name, f"({horizon}", "+inf")
        pipe.expire(name, max(1, math.ceil(now - horizon)) * 2)
        _removed, _added, count, _expire = pipe.execute()
        return int(count), handle

    def forgive(self, key: str, handle: Any) -> None:
        self.client.zrem(self.prefix + "a:" + key, handle)

    def pause(self, key: str, until: float) -> None:
        name = self.prefix + "p:" + key
        current = self.client.get(name)
        if current is None or float(current) < until:
            self.client.set(name, repr(until), ex=PAUSE_EXPIRY)  # the value decides; ex tidies

    def paused_until(self, keys: Iterable[str], now: float) -> float | None:
        names = [self.prefix + "p:" + key for key in keys]
        values = [float(v) for v in self.client.mget(names) if v is not None]
        running = [v for v in values if v > now]
        return max(running) if running else None

    def forget(self, key: str) -> None:
        self.client.delete(self.prefix + "a:" + key, self.prefix + "p:" + key)
